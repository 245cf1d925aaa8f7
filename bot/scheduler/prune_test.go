package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/scheduler"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestPruneEventsDaily: the standard table prunes processed event ids
// older than EventRetention once a day at PruneEventsAt, whatever the
// schedule config says, and runs even when another task fails.
func TestPruneEventsDaily(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		migrated(t, s)
		ctx := context.Background()
		seen := func(id string, at time.Time) {
			t.Helper()
			if _, err := s.FirstSeen(ctx, "slack", id, at); err != nil {
				t.Fatal(err)
			}
		}
		// kept reports whether id is still recorded (recording it if not).
		kept := func(id string) bool {
			t.Helper()
			first, err := s.FirstSeen(ctx, "slack", id, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			return !first
		}
		// The period of 2025-03-10 is scheduled at 03:30, so ids seen
		// before 2025-03-03 03:30 go.
		seen("old", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
		seen("just-old", time.Date(2025, 3, 3, 3, 29, 0, 0, time.UTC))
		seen("just-kept", time.Date(2025, 3, 3, 3, 31, 0, 0, time.UTC))
		seen("recent", time.Date(2025, 3, 9, 22, 0, 0, 0, time.UTC))

		tasks, err := scheduler.StandardTasks(scoring.ScheduleConfig{Rescore: "01:00"}, time.UTC, scheduler.Jobs{
			Rescore: func(context.Context, time.Time) error { return errors.New("scoring is down") },
			PruneEvents: func(ctx context.Context, before time.Time) error {
				_, err := s.PruneProcessedEvents(ctx, before)
				return err
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != 2 || tasks[1].Name != scheduler.TaskPruneEvents {
			t.Fatalf("tasks %v, want rescore then %s", taskNames(tasks), scheduler.TaskPruneEvents)
		}
		sc := newSched(s, "a", tasks...)

		if n := sc.Tick(ctx, time.Date(2025, 3, 10, 3, 29, 0, 0, time.UTC)); n != 2 {
			t.Fatalf("before 03:30 ran %d tasks, want 2 (the failing rescore, yesterday's prune)", n)
		}
		// Yesterday's period ran, cutting at 2025-03-02 03:30.
		if kept("old") || !kept("just-old") {
			t.Fatal("yesterday's prune did not cut at 2025-03-02 03:30")
		}
		if n := sc.Tick(ctx, time.Date(2025, 3, 10, 3, 30, 0, 0, time.UTC)); n != 1 {
			t.Fatalf("at 03:30 ran %d tasks, want 1 (the prune)", n)
		}
		for id, want := range map[string]bool{"just-old": false, "just-kept": true, "recent": true} {
			if got := kept(id); got != want {
				t.Errorf("after the prune, %q kept = %v, want %v", id, got, want)
			}
		}
		// Once per period: an old id recorded later that day stays until
		// the next day's run.
		seen("late", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
		sc.Tick(ctx, time.Date(2025, 3, 10, 18, 0, 0, 0, time.UTC))
		if !kept("late") {
			t.Error("the prune ran twice in one day")
		}
		sc.Tick(ctx, time.Date(2025, 3, 11, 3, 30, 0, 0, time.UTC))
		if kept("late") {
			t.Error("the next day's prune did not run")
		}

		runs, err := s.TaskRuns(ctx, scheduler.TaskPruneEvents)
		if err != nil {
			t.Fatal(err)
		}
		var done []string
		for _, r := range runs {
			if r.Status == models.TaskDone {
				done = append(done, r.Period)
			}
		}
		if len(done) != 3 {
			t.Errorf("prune runs done %v, want 2025-03-09, 2025-03-10, 2025-03-11", done)
		}
	})
}

func taskNames(tasks []scheduler.Task) []string {
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = t.Name
	}
	return names
}
