package slack

import (
	"context"
	"sync"
	"time"
)

// EventStore remembers platform event ids across replicas;
// *models.Store implements it (FirstSeen records the id and reports
// whether this call was the first, on any replica).
type EventStore interface {
	FirstSeen(ctx context.Context, platform, id string, now time.Time) (bool, error)
}

// eventStoreTimeout bounds the database check: the event must be
// acknowledged within Slack's 3 seconds either way.
const eventStoreTimeout = time.Second

// repeatedEvent reports whether an Events API event id was handled
// before: first in this replica's memory (the fast path), then, when an
// EventStore is set, in the database shared by every replica. A database
// error lets the event through (logged): answering a mention twice is
// better than never.
func (a *Adapter) repeatedEvent(id string) bool {
	now := a.Now()
	if a.events.seen(id, now) {
		return true
	}
	if a.EventStore == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(a.ctx, eventStoreTimeout)
	defer cancel()
	first, err := a.EventStore.FirstSeen(ctx, "slack", id, now)
	if err != nil {
		a.log.Error("could not check the event id with the database; handling it", "event_id", id, "err", err)
		return false
	}
	return !first
}

// ttlSet remembers keys for a while, up to a bounded number, to drop
// repeats: Events API retries of an event id, double clicks of a button.
// It lives in memory, so it dedupes within one replica only; event ids
// are also checked in the database when Adapter.EventStore is set, which
// holds across replicas.
type ttlSet struct {
	mu    sync.Mutex
	ttl   time.Duration
	limit int
	at    map[string]time.Time
	order []entry // insertion order, oldest first, for eviction
}

type entry struct {
	key string
	at  time.Time
}

func newTTLSet(limit int, ttl time.Duration) *ttlSet {
	return &ttlSet{ttl: ttl, limit: limit, at: make(map[string]time.Time)}
}

// seen reports whether key was added less than ttl before now, and
// remembers it from now on if not.
func (s *ttlSet) seen(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.at[key]; ok {
		if d := now.Sub(t); d < s.ttl && d > -s.ttl {
			return true
		}
	}
	// Drop expired and over-limit entries from the old end.
	for len(s.order) > 0 {
		e := s.order[0]
		if now.Sub(e.at) < s.ttl && len(s.at) < s.limit {
			break
		}
		// A key added again later has a newer entry; keep that one.
		if t, ok := s.at[e.key]; ok && t.Equal(e.at) {
			delete(s.at, e.key)
		}
		s.order = s.order[1:]
	}
	s.at[key] = now
	s.order = append(s.order, entry{key, now})
	return false
}
