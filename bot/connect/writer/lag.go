package writer

import (
	"sync"
	"time"
)

// Bounds of what the lag tracker remembers, so a rescore that stalls (a
// database down) cannot make it grow without end: past them, events are
// simply not measured.
const (
	maxLagPerAccount = 10_000
	maxLagTotal      = 200_000
)

// lagTracker remembers when each written event arrived, per account,
// until the account is rescored with the event's data.
type lagTracker struct {
	mu      sync.Mutex
	pending map[uint][]written
	total   int
}

type written struct{ received, committed time.Time }

func newLagTracker() *lagTracker { return &lagTracker{pending: map[uint][]written{}} }

// written remembers an event of account received at received and
// committed at committed.
func (l *lagTracker) written(account uint, received, committed time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= maxLagTotal || len(l.pending[account]) >= maxLagPerAccount {
		return
	}
	l.pending[account] = append(l.pending[account], written{received, committed})
	l.total++
}

// empty reports whether no event waits for its rescore.
func (l *lagTracker) empty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total == 0
}

// rescored reports, for each event of the accounts committed before the
// rescore started at start (so its data was read), the time from its
// delivery to the rescore's end.
func (l *lagTracker) rescored(accounts []uint, start, end time.Time, observe func(time.Duration)) {
	var lags []time.Duration
	l.mu.Lock()
	for _, id := range accounts {
		evs := l.pending[id]
		kept := evs[:0]
		for _, e := range evs {
			if e.committed.After(start) {
				kept = append(kept, e)
				continue
			}
			lags = append(lags, end.Sub(e.received))
		}
		l.total -= len(evs) - len(kept)
		if len(kept) == 0 {
			delete(l.pending, id)
		} else {
			l.pending[id] = kept
		}
	}
	l.mu.Unlock()
	for _, d := range lags {
		observe(d)
	}
}
