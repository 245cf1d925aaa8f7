package models

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitQueued waits until the gate has n writers waiting in lane l.
func waitQueued(t *testing.T, g *writeGate, l lane, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		got := len(g.waiting[l])
		g.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lane %d: %d waiting, want %d", l, got, n)
		}
	}
}

// Chat writers waiting at the gate go before batches that queued earlier,
// each lane in its own order of arrival.
func TestWriteGateLetsChatWritersFirst(t *testing.T) {
	g := newWriteGate(true)
	ctx := context.Background()
	if err := g.acquire(ctx, laneBatch, 0); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []string
		wg    sync.WaitGroup
	)
	enter := func(name string, l lane, queued int) {
		wg.Go(func() {
			if err := g.acquire(ctx, l, 0); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			g.release()
		})
		waitQueued(t, g, l, queued)
	}
	enter("batch 1", laneBatch, 1)
	enter("batch 2", laneBatch, 2)
	enter("chat 1", laneChat, 1)
	enter("chat 2", laneChat, 2)
	g.release()
	wg.Wait()
	if got := order; len(got) != 4 || got[0] != "chat 1" || got[1] != "chat 2" || got[2] != "batch 1" || got[3] != "batch 2" {
		t.Errorf("order %v, want chat 1, chat 2, batch 1, batch 2", got)
	}
	if g.held {
		t.Error("the gate is still held")
	}
}

// A batch gives up after its wait with ErrBusy and a chat writer when its
// context ends; neither leaves the gate held or blocks those behind.
func TestWriteGateWaitsEnd(t *testing.T) {
	g := newWriteGate(true)
	if err := g.acquire(context.Background(), laneChat, 0); err != nil {
		t.Fatal(err)
	}
	if err := g.acquire(context.Background(), laneBatch, 20*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Errorf("batch: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.acquire(ctx, laneChat, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("chat: %v, want its context's deadline", err)
	}
	g.release()
	if err := g.acquire(context.Background(), laneBatch, time.Millisecond); err != nil {
		t.Errorf("after release: %v", err)
	}
	g.release()
	if g.held || len(g.waiting[laneChat])+len(g.waiting[laneBatch]) != 0 {
		t.Errorf("held %v, waiting %v", g.held, g.waiting)
	}
}

// Waits that end as the gate is handed over, many times over, never lose
// the gate: it is free once everyone is done.
func TestWriteGateHandOverRaces(t *testing.T) {
	g := newWriteGate(true)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%7)*100*time.Microsecond)
			defer cancel()
			if g.acquire(ctx, lane(i%2), time.Duration(i%5)*100*time.Microsecond) == nil {
				time.Sleep(50 * time.Microsecond)
				g.release()
			}
		})
	}
	wg.Wait()
	if err := g.acquire(context.Background(), laneChat, time.Millisecond); err != nil {
		t.Fatalf("the gate was lost: %v", err)
	}
}

type countingYielder struct{ yields, resumes int }

func (y *countingYielder) Yield() func() {
	y.yields++
	return func() { y.resumes++ }
}

// A writer that must wait tells its context's Yielder, before and after;
// one that goes straight through does not.
func TestWriteGateYields(t *testing.T) {
	g := newWriteGate(true)
	y := &countingYielder{}
	ctx := WithYielder(context.Background(), y)
	if err := g.acquire(ctx, laneChat, 0); err != nil {
		t.Fatal(err)
	}
	if y.yields != 0 {
		t.Errorf("yielded %d times without waiting", y.yields)
	}
	done := make(chan error)
	go func() { done <- g.acquire(ctx, laneChat, 0) }()
	waitQueued(t, g, laneChat, 1)
	g.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	g.release()
	if y.yields != 1 || y.resumes != 1 {
		t.Errorf("yields %d, resumes %d; want 1 and 1", y.yields, y.resumes)
	}
}
