// Package turns hands out a fixed number of turns to goroutines that
// queue for them, first come first served within a lane and lane by lane
// (lane 0 before lane 1 …). The store's write gate uses one turn and two
// lanes (chat writes before batches); the command pool uses as many turns
// as the database has connections. Standard library only.
package turns

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// ErrTimeout is returned by Take when its wait passed without a turn.
var ErrTimeout = errors.New("no turn within the wait")

// Turns is a set of size turns; the zero value is not usable (New).
type Turns struct {
	mu      sync.Mutex
	size    int
	held    int
	waiting [][]chan struct{} // per lane, oldest first
}

// New returns size turns (at least 1) queued for in lanes lanes.
func New(size, lanes int) *Turns {
	return &Turns{size: max(size, 1), waiting: make([][]chan struct{}, max(lanes, 1))}
}

// TryTake takes a turn if one is free and nobody waits for it.
func (t *Turns) TryTake() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held < t.size && t.queued() == 0 {
		t.held++
		return true
	}
	return false
}

// Take waits for a turn in lane until ctx ends (its error) or, when wait
// > 0, wait has passed (ErrTimeout). A nil error means the caller holds a
// turn and must Give it back.
func (t *Turns) Take(ctx context.Context, lane int, wait time.Duration) error {
	t.mu.Lock()
	if t.held < t.size && t.queued() == 0 {
		t.held++
		t.mu.Unlock()
		return nil
	}
	turn := make(chan struct{})
	t.waiting[lane] = append(t.waiting[lane], turn)
	t.mu.Unlock()

	var expired <-chan time.Time
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		expired = timer.C
	}
	var err error
	select {
	case <-turn:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-expired:
		err = ErrTimeout
	}
	t.mu.Lock()
	if i := slices.Index(t.waiting[lane], turn); i >= 0 {
		t.waiting[lane] = slices.Delete(t.waiting[lane], i, i+1)
		t.mu.Unlock()
		return err
	}
	t.mu.Unlock()
	// The turn was handed over as the wait ended: pass it on.
	t.Give()
	return err
}

// Force takes a turn at once, beyond size if none is free: for a holder
// that gave its turn back while it waited elsewhere and must not queue
// again now.
func (t *Turns) Force() {
	t.mu.Lock()
	t.held++
	t.mu.Unlock()
}

// Give returns a turn: it goes to the oldest waiter of the first lane
// that has one, unless more turns are held than there are (after Force).
func (t *Turns) Give() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held > t.size {
		t.held--
		return
	}
	for lane := range t.waiting {
		if len(t.waiting[lane]) > 0 {
			next := t.waiting[lane][0]
			t.waiting[lane] = t.waiting[lane][1:]
			close(next) // the turn stays held, by next now
			return
		}
	}
	t.held--
}

// Held is how many turns are held.
func (t *Turns) Held() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.held
}

// Waiting is how many wait for a turn, in every lane.
func (t *Turns) Waiting() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.queued()
}

// WaitingIn is how many wait for a turn in lane.
func (t *Turns) WaitingIn(lane int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.waiting[lane])
}

func (t *Turns) queued() int {
	n := 0
	for _, w := range t.waiting {
		n += len(w)
	}
	return n
}
