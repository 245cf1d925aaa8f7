package bot

import (
	"context"
	"log/slog"
	"time"
)

// EventStore remembers platform event ids across replicas; *models.Store
// implements it (FirstSeen records the id and reports whether this call
// was the first, on any replica).
type EventStore interface {
	FirstSeen(ctx context.Context, platform, id string, now time.Time) (bool, error)
}

// eventStoreTimeout bounds the database check: a platform wants its first
// answer within 3 seconds either way.
const eventStoreTimeout = time.Second

// SeenBefore reports whether store already holds the event id of platform
// (a retried Slack event, a repeated Discord interaction), recording it
// when not. A nil store knows nothing. A database error lets the event
// through, logged: answering twice is better than never.
func SeenBefore(ctx context.Context, store EventStore, platform, id string, now time.Time, log *slog.Logger) bool {
	if store == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, eventStoreTimeout)
	defer cancel()
	first, err := store.FirstSeen(ctx, platform, id, now)
	if err != nil {
		log.ErrorContext(ctx, "could not check the event id with the database; handling it",
			"platform", platform, "id", id, "err", err)
		return false
	}
	return !first
}
