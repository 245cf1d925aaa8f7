package discord

import (
	"context"
	"fmt"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/models"
)

// dmChannels remembers the direct message channel of each user (Discord
// answers the same channel every time it is asked), so a task's message
// and its later edits cost one call each.
type dmChannels struct {
	mu sync.Mutex
	by map[string]string // user id → DM channel id
}

// target is the channel an outbox message to channel is posted in: for a
// direct message ("user:123…", models.UserChannel) the DM channel that
// POST /users/@me/channels opens with the user, else the channel as it
// is. Without a bot token nothing can be posted, for good.
func (a *Adapter) target(ctx context.Context, channel string) (string, error) {
	if a.cfg.BotToken == "" {
		return "", &bot.PermanentError{Err: fmt.Errorf("discord channel %s: %s is not set", channel, EnvBotToken)}
	}
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
	ch, err := a.rest.UserChannelCreate(user, discordgo.WithContext(ctx))
	if err != nil {
		return "", deliveryError("open a direct message with discord user "+user, err)
	}
	a.dms.mu.Lock()
	if a.dms.by == nil {
		a.dms.by = map[string]string{}
	}
	a.dms.by[user] = ch.ID
	a.dms.mu.Unlock()
	return ch.ID, nil
}
