package turns

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitQueued waits until n wait in lane.
func waitQueued(t *testing.T, tu *Turns, lane, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); tu.WaitingIn(lane) != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("lane %d: %d waiting, want %d", lane, tu.WaitingIn(lane), n)
		}
	}
}

// Waiters of lane 0 go before those of lane 1 that queued earlier, each
// lane in its order of arrival.
func TestLanesInOrder(t *testing.T) {
	tu := New(1, 2)
	ctx := context.Background()
	if err := tu.Take(ctx, 1, 0); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	enter := func(name string, lane, queued int) {
		wg.Go(func() {
			if err := tu.Take(ctx, lane, 0); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			tu.Give()
		})
		waitQueued(t, tu, lane, queued)
	}
	enter("batch 1", 1, 1)
	enter("batch 2", 1, 2)
	enter("chat 1", 0, 1)
	enter("chat 2", 0, 2)
	tu.Give()
	wg.Wait()
	if got := order; len(got) != 4 || got[0] != "chat 1" || got[1] != "chat 2" || got[2] != "batch 1" || got[3] != "batch 2" {
		t.Errorf("order %v, want chat 1, chat 2, batch 1, batch 2", got)
	}
	if tu.Held() != 0 {
		t.Errorf("%d turns still held", tu.Held())
	}
}

// A wait ends with ErrTimeout or its context's error, leaving nothing
// held or queued.
func TestWaitsEnd(t *testing.T) {
	tu := New(1, 2)
	if !tu.TryTake() {
		t.Fatal("the free turn was not taken")
	}
	if tu.TryTake() {
		t.Fatal("a held turn was taken again")
	}
	if err := tu.Take(context.Background(), 1, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("timed wait: %v, want ErrTimeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := tu.Take(ctx, 0, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait under a context: %v, want its deadline", err)
	}
	tu.Give()
	if tu.Held() != 0 || tu.Waiting() != 0 {
		t.Errorf("held %d, waiting %d", tu.Held(), tu.Waiting())
	}
}

// Waits that end as a turn is handed over, many times over, never lose a
// turn: all are free once everyone is done.
func TestHandOverRaces(t *testing.T) {
	tu := New(3, 2)
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%7)*100*time.Microsecond)
			defer cancel()
			if tu.Take(ctx, i%2, time.Duration(i%5)*100*time.Microsecond) == nil {
				time.Sleep(50 * time.Microsecond)
				tu.Give()
			}
		})
	}
	wg.Wait()
	if tu.Held() != 0 || tu.Waiting() != 0 {
		t.Fatalf("held %d, waiting %d after everyone left", tu.Held(), tu.Waiting())
	}
}

// Force takes a turn beyond the size; giving it back does not hand a turn
// to a waiter while more are held than there are.
func TestForce(t *testing.T) {
	tu := New(1, 1)
	if !tu.TryTake() {
		t.Fatal("not taken")
	}
	tu.Force()
	got := make(chan error, 1)
	go func() { got <- tu.Take(context.Background(), 0, 0) }()
	waitQueued(t, tu, 0, 1)
	tu.Give() // back to one held: the waiter still waits
	select {
	case err := <-got:
		t.Fatalf("a waiter got a turn while all were held: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	tu.Give()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	tu.Give()
	if tu.Held() != 0 {
		t.Errorf("%d held", tu.Held())
	}
}
