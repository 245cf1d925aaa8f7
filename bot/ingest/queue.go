package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// Queue runs the after-commit work of ingested batches (rescoring the
// accounts they changed) on one background worker. Accounts of batches
// that commit while a run is under way are merged into the next run, so a
// burst of batches costs a few runs, not one each, and never two at once
// competing for the same snapshot rows.
type Queue struct {
	run func(ctx context.Context, ids []uint)
	log *slog.Logger

	mu      sync.Mutex
	pending map[uint]bool
	closed  bool

	wake chan struct{} // capacity 1: "pending is not empty"
	stop chan struct{}
	done chan struct{}
}

// NewQueue starts the worker; run is called with the merged account ids
// (sorted, each once) and a context that is not cancelled. Call Close on
// shutdown.
func NewQueue(run func(ctx context.Context, ids []uint), log *slog.Logger) *Queue {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{run: run, log: log, pending: map[uint]bool{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go q.loop()
	return q
}

// Add queues ids for the next run and returns at once; its signature is a
// CommittedFunc, so it can be passed to WithOnCommitted. After Close the
// ids are dropped with a log line.
func (q *Queue) Add(_ context.Context, kind string, ids []uint) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		q.log.Warn("ingested accounts not rescored: shutting down; the next scheduled rescore will score them", "kind", kind, "accounts", len(ids))
		return
	}
	for _, id := range ids {
		q.pending[id] = true
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default: // a wake-up is already due; it will take these ids too
	}
}

// Close stops the worker: a run under way finishes, accounts still waiting
// are dropped with a log line (the next scheduled rescore scores them),
// so shutdown does not wait for a backlog.
func (q *Queue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		<-q.done
		return
	}
	q.closed = true
	q.mu.Unlock()
	close(q.stop)
	<-q.done
}

func (q *Queue) loop() {
	defer close(q.done)
	for {
		select {
		case <-q.stop:
			if ids := q.take(); len(ids) > 0 {
				q.log.Warn("ingested accounts not rescored: shutting down; the next scheduled rescore will score them", "accounts", len(ids))
			}
			return
		case <-q.wake:
		}
		if ids := q.take(); len(ids) > 0 {
			q.runSafely(ids)
		}
	}
}

// take empties pending and returns its ids, sorted.
func (q *Queue) take() []uint {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := make([]uint, 0, len(q.pending))
	for id := range q.pending {
		ids = append(ids, id)
	}
	clear(q.pending)
	slices.Sort(ids)
	return ids
}

// runSafely keeps a panic in run from ending the worker (and with it every
// later rescore).
func (q *Queue) runSafely(ids []uint) {
	defer func() {
		if p := recover(); p != nil {
			q.log.Error("after-ingestion rescore panicked", "accounts", len(ids), "panic", fmt.Sprint(p))
		}
	}()
	q.run(context.Background(), ids)
}
