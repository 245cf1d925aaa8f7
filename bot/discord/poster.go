package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/outbox"
	"github.com/healthbot/healthbot/commands"
)

var _ bot.Poster = (*Adapter)(nil)

// Platform reports Discord's name (bot.Poster).
func (a *Adapter) Platform() string { return Platform }

// Post sends r to a channel as the bot and returns the message id
// (bot.Poster). An outbox message carries its key's nonce, enforced, and
// its footer marker (see FindPosted).
// A direct message to a user ("user:123…") goes to their DM channel.
func (a *Adapter) Post(ctx context.Context, channel string, r commands.Reply) (string, error) {
	channel, err := a.target(ctx, channel)
	if err != nil {
		return "", err
	}
	return a.send(ctx, channel, a.render(r), nil)
}

func isPermanent(err error) bool {
	var pe *bot.PermanentError
	return errors.As(err, &pe)
}

// Update replaces a message Post sent earlier (bot.Poster).
func (a *Adapter) Update(ctx context.Context, channel, ref string, r commands.Reply) error {
	channel, err := a.target(ctx, channel)
	if err != nil {
		return err
	}
	m := a.render(r)
	tag(&m, outbox.KeyFrom(ctx))
	content, embeds, components := m.Content, m.Embeds, m.Components
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	_, err = a.rest.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: ref, Channel: channel,
		Content: &content, Embeds: &embeds, Components: &components,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return deliveryError("update discord message "+ref, err)
	}
	return nil
}

// deliveryError classifies a REST failure for the outbox: a rate limit
// becomes *bot.RetryAfterError, a failure no retry can fix (unknown
// channel or message, missing access or permissions, bad token, a payload
// Discord rejects) *bot.PermanentError; anything else is left to retry.
func deliveryError(op string, err error) error {
	wrapped := fmt.Errorf("%s: %w", op, err)
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return &bot.RetryAfterError{After: max(rl.RetryAfter, time.Second), Err: wrapped}
	}
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return wrapped
	}
	switch re.Response.StatusCode {
	case http.StatusTooManyRequests:
		return &bot.RetryAfterError{After: retryAfter(re), Err: wrapped}
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return &bot.PermanentError{Err: wrapped}
	}
	return wrapped
}

// retryAfter reads Discord's retry_after (seconds, in the body) or the
// Retry-After header, at least one second.
func retryAfter(re *discordgo.RESTError) time.Duration {
	var body struct {
		RetryAfter float64 `json:"retry_after"`
	}
	if json.Unmarshal(re.ResponseBody, &body) == nil && body.RetryAfter > 0 {
		return max(time.Duration(body.RetryAfter*float64(time.Second)), time.Second)
	}
	if s, err := strconv.ParseFloat(re.Response.Header.Get("Retry-After"), 64); err == nil && s > 0 {
		return max(time.Duration(s*float64(time.Second)), time.Second)
	}
	return 5 * time.Second
}
