package slack

import (
	"sync"
	"time"
)

// ttlSet remembers keys for a while, up to a bounded number, to drop
// repeats: Events API retries of an event id, double clicks of a button.
// It lives in memory, so it dedupes within one replica only; with several
// replicas behind a load balancer a retry may reach another one (the
// commands layer still dedupes same-user pulses within 60 s in the
// database).
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
