package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"
	"github.com/healthbot/healthbot/bot"
)

// EventStore remembers interaction ids across replicas (see bot.EventStore).
type EventStore = bot.EventStore

// repeated reports whether interaction i was handled before: first in this
// replica's memory, then, when an EventStore is set, in the shared
// database. Autocomplete is not recorded (a keystroke each, harmless to
// answer twice).
func (a *Adapter) repeated(ctx context.Context, i *discordgo.Interaction) bool {
	if !a.seen.add(i.ID, "") {
		return true
	}
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return false
	}
	return bot.SeenBefore(ctx, a.EventStore, Platform, i.ID, a.Now(), a.log)
}
