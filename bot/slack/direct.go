package slack

import (
	"context"
	"sync"

	"github.com/healthbot/healthbot/models"
	slackgo "github.com/slack-go/slack"
)

// dmChannels remembers the direct message channel opened with each user
// (conversations.open answers the same channel every time), so a task's
// message and its later edits cost one call each.
type dmChannels struct {
	mu sync.Mutex
	by map[string]string // user id → D… channel id
}

// channelFor is where an outbox message to channel goes: for a direct
// message ("user:U0123", models.UserChannel) the conversation opened
// with the user by conversations.open, else the channel as it is.
func (a *Adapter) channelFor(ctx context.Context, channel string) (string, error) {
	user, ok := models.DirectUser(channel)
	if !ok {
		return channel, nil
	}
	a.dms.mu.Lock()
	id, known := a.dms.by[user]
	a.dms.mu.Unlock()
	if known {
		return id, nil
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
	if err != nil {
		return "", deliveryError("conversations.open", err)
	}
	a.dms.mu.Lock()
	if a.dms.by == nil {
		a.dms.by = map[string]string{}
	}
	a.dms.by[user] = ch.ID
	a.dms.mu.Unlock()
	return ch.ID, nil
}
