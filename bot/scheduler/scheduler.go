// Package scheduler runs healthbot's periodic work from a table of tasks,
// in the style of the Go team's gopherbot: each task names its periods
// (a day, an ISO week) and runs at most once per period across restarts
// and replicas, because the database records who claimed each (task,
// period) first. One task's failure does not stop the others.
package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Task is one row of the task table.
type Task struct {
	Name string
	// Latest returns the latest period whose scheduled time is at or
	// before now, and that time; ok is false when no period is due. Only
	// the latest matters: periods missed while the bot was down are not
	// replayed one by one, the latest one runs once at start-up.
	Latest func(now time.Time) (period string, at time.Time, ok bool)
	// Run does the period's work. It should be idempotent (outbox dedupe
	// keys, snapshot upserts): a run whose process died is run again.
	Run func(ctx context.Context, p Period) error
}

// Period is the occurrence of a task being run.
type Period struct {
	Name string    // e.g. "2025-03-03" or "2025-W10"
	At   time.Time // its scheduled time
	Now  time.Time // the clock when the run started
}

// Store records task runs; *models.Store has these methods.
type Store interface {
	ClaimTask(ctx context.Context, task, period, owner string, now time.Time, lease time.Duration) (bool, error)
	FinishTask(ctx context.Context, task, period, owner string, runErr error, now time.Time, retry time.Duration) error
}

// Scheduler runs a task table.
type Scheduler struct {
	Tasks    []Task
	Store    Store
	Log      *slog.Logger
	Now      func() time.Time // injected clock
	Interval time.Duration    // between ticks in Run
	Lease    time.Duration    // a claim older than this is presumed dead
	Retry    time.Duration    // wait before a failed period is tried again
	Owner    string           // this replica's name in task_runs
	DryRun   bool             // log what would run; claim and run nothing

	done map[string]string // task → latest period known finished, saves a query per tick
}

// New returns a scheduler with production defaults.
func New(store Store, log *slog.Logger, tasks ...Task) *Scheduler {
	return &Scheduler{Tasks: tasks, Store: store, Log: log}
}

func (s *Scheduler) defaults() {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Interval <= 0 {
		s.Interval = 30 * time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 30 * time.Minute
	}
	if s.Retry <= 0 {
		s.Retry = 5 * time.Minute
	}
	if s.Owner == "" {
		s.Owner = defaultOwner()
	}
	if s.done == nil {
		s.done = map[string]string{}
	}
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Run ticks at once (so a period missed while down runs at start-up),
// then every Interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	s.defaults()
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		s.Tick(ctx, s.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick runs every task whose latest period as of now has not run yet
// anywhere. It returns the number of task runs it performed; failures are
// logged and recorded, and do not stop the other tasks.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) int {
	s.defaults()
	ran := 0
	for _, task := range s.Tasks {
		if ctx.Err() != nil {
			return ran
		}
		if s.tick(ctx, task, now) {
			ran++
		}
	}
	return ran
}

func (s *Scheduler) tick(ctx context.Context, task Task, now time.Time) bool {
	period, at, ok := task.Latest(now)
	if !ok || s.done[task.Name] == period {
		return false
	}
	log := s.Log.With("task", task.Name, "period", period)
	if s.DryRun {
		log.Info("scheduler: dry run, would run")
		s.done[task.Name] = period
		return false
	}
	claimed, err := s.Store.ClaimTask(ctx, task.Name, period, s.Owner, now, s.Lease)
	if err != nil {
		log.Error("scheduler: claim", "err", err)
		return false
	}
	if !claimed {
		// Done, running elsewhere, or failed and waiting to retry: look
		// again next tick unless it is done (a cheap query either way).
		return false
	}
	log.Info("scheduler: running", "scheduled", at)
	runErr := s.safeRun(ctx, task, Period{Name: period, At: at, Now: now})
	if runErr != nil {
		log.Error("scheduler: task failed", "err", runErr)
	} else {
		s.done[task.Name] = period
	}
	if err := s.Store.FinishTask(context.WithoutCancel(ctx), task.Name, period, s.Owner, runErr, now, s.Retry); err != nil {
		log.Error("scheduler: record run", "err", err)
	}
	return true
}

// safeRun turns a panicking task into a failed run, so it cannot take the
// other tasks down with it.
func (s *Scheduler) safeRun(ctx context.Context, task Task, p Period) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("task %s panicked: %v", task.Name, r)
		}
	}()
	return task.Run(ctx, p)
}
