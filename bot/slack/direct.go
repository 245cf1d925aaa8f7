package slack

import (
	"context"

	"github.com/healthbot/healthbot/models"
	slackgo "github.com/slack-go/slack"
)

// channelFor is where an outbox message to channel goes: for a direct
// message ("user:U0123", models.UserChannel) the conversation opened
// with the user by conversations.open, else the channel as it is.
func (a *Adapter) channelFor(ctx context.Context, channel string) (string, error) {
	user, ok := models.DirectUser(channel)
	if !ok {
		return channel, nil
	}
	return a.dms.Channel(user, func() (string, error) {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		if err != nil {
			return "", deliveryError("conversations.open", err)
		}
		return ch.ID, nil
	})
}
