package slack

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/healthbot/healthbot/bot"
)

// EventStore remembers event ids across replicas (see bot.EventStore).
type EventStore = bot.EventStore

// repeatedEvent reports whether an Events API event id was handled
// before: first in this replica's memory (the fast path), then, when an
// EventStore is set, in the database shared by every replica.
func (a *Adapter) repeatedEvent(id string) bool {
	now := a.Now()
	if a.events.seen(id, now) {
		return true
	}
	return bot.SeenBefore(a.ctx, a.EventStore, Platform, id, now, a.log)
}

// replayWindow is how long a signed request is remembered as taken: its
// signature passes verify while its timestamp is within maxSkew of now,
// either way, so a request first seen at any point of that span must be
// remembered for twice maxSkew.
const replayWindow = 2 * maxSkew

// requestPlatform is the EventStore platform under which signed requests
// are remembered (their digests, not their content).
const requestPlatform = "slack-request"

// replayed reports whether the signed slash command or interaction r was
// already taken, by this replica or another, remembering it when not: a
// captured request re-sent while its signature is still valid (up to 5
// minutes) would otherwise run again — a second pulse, touch or alert
// action. Slack itself never re-sends these (it retries only Events API
// deliveries, deduped by event id), and every real request has its own
// trigger id, hence its own signature, so the signature and its
// timestamp name one request. Only a digest of them is stored. Call it
// once the workspace is known to be served, so refused requests leave
// nothing behind.
func (a *Adapter) replayed(r *http.Request) bool {
	sum := sha256.Sum256([]byte(r.Header.Get("X-Slack-Request-Timestamp") + ":" + r.Header.Get("X-Slack-Signature")))
	key := hex.EncodeToString(sum[:])
	now := a.Now()
	if !a.signed.seen(key, now) && !bot.SeenBefore(a.ctx, a.EventStore, requestPlatform, key, now, a.log) {
		return false
	}
	a.log.Warn("slack request dropped: already taken (a replay)", "path", r.URL.Path, "remote", r.RemoteAddr,
		"timestamp", r.Header.Get("X-Slack-Request-Timestamp"))
	return true
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
