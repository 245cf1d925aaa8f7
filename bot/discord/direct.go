package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/models"
)

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
	return a.dms.Channel(user, func() (string, error) {
		ch, err := a.rest.UserChannelCreate(user, discordgo.WithContext(ctx))
		if err != nil {
			return "", deliveryError("open a direct message with discord user "+user, err)
		}
		return ch.ID, nil
	})
}
