package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"

	slackgo "github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
)

// Platform reports Slack's name (bot.Poster).
func (a *Adapter) Platform() string { return Platform }

// Post sends r to channel with chat.postMessage and returns its ts; a
// direct message to a user ("user:U0123") goes to the conversation
// conversations.open gives. An outbox message is tagged with its dedupe
// key (message metadata), which is how FindPosted finds it again.
func (a *Adapter) Post(ctx context.Context, channel string, r commands.Reply) (string, error) {
	channel, err := a.channelFor(ctx, channel)
	if err != nil {
		return "", err
	}
	_, ts, err := a.api.PostMessageContext(ctx, channel, append(msgOptions(r), metadata(ctx)...)...)
	if err != nil {
		return "", deliveryError("chat.postMessage", err)
	}
	return ts, nil
}

// Update replaces the message ref (its ts) in channel with chat.update.
func (a *Adapter) Update(ctx context.Context, channel, ref string, r commands.Reply) error {
	channel, err := a.channelFor(ctx, channel)
	if err != nil {
		return err
	}
	if _, _, _, err := a.api.UpdateMessageContext(ctx, channel, ref, append(msgOptions(r), metadata(ctx)...)...); err != nil {
		return deliveryError("chat.update", err)
	}
	return nil
}

func msgOptions(r commands.Reply) []slackgo.MsgOption {
	return []slackgo.MsgOption{
		slackgo.MsgOptionText(FallbackText(r), false),
		slackgo.MsgOptionBlocks(Blocks(r)...),
	}
}

// permanentErrors are Slack error codes that retrying cannot fix.
var permanentErrors = []string{
	"channel_not_found", "not_in_channel", "invalid_auth", "account_inactive",
	"is_archived", "token_revoked", "not_authed", "msg_too_long", "invalid_blocks",
	"user_not_found", "user_disabled", "cannot_dm_bot",
}

// deliveryError classifies a Web API failure for the outbox worker: rate
// limits become *bot.RetryAfterError, hopeless ones *bot.PermanentError,
// anything else stays retryable as it is.
func deliveryError(method string, err error) error {
	err = fmt.Errorf("slack %s: %w", method, err)
	if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
		return &bot.RetryAfterError{After: rl.RetryAfter, Err: err}
	}
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && slices.Contains(permanentErrors, se.Err) {
		return &bot.PermanentError{Err: err}
	}
	return err
}
