package discord

import (
	"context"
	"time"

	"github.com/bwmarrin/discordgo"
)

// EventStore remembers interaction ids across replicas; *models.Store
// implements it (FirstSeen records the id and reports whether this call
// was the first, on any replica).
type EventStore interface {
	FirstSeen(ctx context.Context, platform, id string, now time.Time) (bool, error)
}

// eventStoreTimeout bounds the database check, well within the 3 seconds
// Discord allows for the first answer.
const eventStoreTimeout = time.Second

// repeated reports whether interaction i was handled before: first in this
// replica's memory, then, when an EventStore is set, in the shared
// database. Autocomplete is not recorded (a keystroke each, harmless to
// answer twice). A database error lets the interaction through (logged):
// answering twice beats never.
func (a *Adapter) repeated(ctx context.Context, i *discordgo.Interaction) bool {
	if !a.seen.add(i.ID, "") {
		return true
	}
	if a.EventStore == nil || i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, eventStoreTimeout)
	defer cancel()
	first, err := a.EventStore.FirstSeen(ctx, Platform, i.ID, a.Now())
	if err != nil {
		a.log.ErrorContext(ctx, "could not check the interaction id with the database; handling it", "interaction", i.ID, "err", err)
		return false
	}
	return !first
}
