package ingest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/healthbot/healthbot/bot/ingest"
)

// TestQueueMergesWhileRunning: accounts queued while a run is under way
// go to one next run, merged and each once; after Close nothing runs.
func TestQueueMergesWhileRunning(t *testing.T) {
	started := make(chan []uint)
	release := make(chan struct{})
	q := ingest.NewQueue(func(_ context.Context, ids []uint) {
		started <- ids
		<-release
	}, nil)
	ctx := context.Background()
	q.Add(ctx, "touches", []uint{2, 1})
	if got := <-started; !slices.Equal(got, []uint{1, 2}) {
		t.Errorf("first run: got %v, want [1 2]", got)
	}
	// The worker is blocked in the first run: these three batches merge.
	q.Add(ctx, "activity", []uint{3, 2})
	q.Add(ctx, "activity", []uint{4})
	q.Add(ctx, "surveys", []uint{3})
	release <- struct{}{}
	if got := <-started; !slices.Equal(got, []uint{2, 3, 4}) {
		t.Errorf("second run: got %v, want [2 3 4] (merged)", got)
	}
	release <- struct{}{}
	q.Close()
	q.Add(ctx, "mrr", []uint{9}) // dropped with a log line
	q.Close()                    // twice is harmless
	select {
	case ids := <-started:
		t.Errorf("a run after Close: %v", ids)
	default:
	}
}
