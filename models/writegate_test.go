package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

type countingYielder struct{ yields, resumes int }

func (y *countingYielder) Yield() func() {
	y.yields++
	return func() { y.resumes++ }
}

// A writer that must wait tells its context's Yielder, before and after;
// one that goes straight through does not. A batch that waits too long
// gets ErrBusy.
func TestWriteGateYieldsAndTimesOut(t *testing.T) {
	g := newWriteGate(true)
	y := &countingYielder{}
	ctx := WithYielder(context.Background(), y)
	if err := g.acquire(ctx, laneChat, 0); err != nil {
		t.Fatal(err)
	}
	if y.yields != 0 {
		t.Errorf("yielded %d times without waiting", y.yields)
	}
	if err := g.acquire(ctx, laneBatch, 10*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Errorf("batch behind a writer: %v, want ErrBusy", err)
	}
	done := make(chan error)
	go func() { done <- g.acquire(ctx, laneChat, 0) }()
	for g.turn.Waiting() == 0 {
		time.Sleep(time.Millisecond)
	}
	g.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	g.release()
	if y.yields != 2 || y.resumes != 2 {
		t.Errorf("yields %d, resumes %d; want 2 and 2", y.yields, y.resumes)
	}
	if g.turn.Held() != 0 {
		t.Error("the gate is still held")
	}
}
