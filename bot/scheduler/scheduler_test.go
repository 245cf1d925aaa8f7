package scheduler_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/scheduler"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestPeriods(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	daily := scheduler.Daily(6*time.Hour, paris)
	weekly := scheduler.Weekly(time.Monday, 9*time.Hour, paris)
	tests := []struct {
		name       string
		latest     func(time.Time) (string, time.Time, bool)
		now        time.Time
		wantPeriod string
		wantAt     time.Time
	}{
		{"daily before the hour is yesterday's", daily, time.Date(2025, 3, 3, 5, 59, 0, 0, paris), "2025-03-02", time.Date(2025, 3, 2, 6, 0, 0, 0, paris)},
		{"daily at the hour is today's", daily, time.Date(2025, 3, 3, 6, 0, 0, 0, paris), "2025-03-03", time.Date(2025, 3, 3, 6, 0, 0, 0, paris)},
		{"daily on the DST day keeps 06:00 local", daily, time.Date(2025, 3, 30, 12, 0, 0, 0, paris), "2025-03-30", time.Date(2025, 3, 30, 6, 0, 0, 0, paris)},
		{"weekly on Sunday is last Monday's week", weekly, time.Date(2025, 3, 9, 23, 0, 0, 0, paris), "2025-W10", time.Date(2025, 3, 3, 9, 0, 0, 0, paris)},
		{"weekly Monday 08:59 is still the previous week", weekly, time.Date(2025, 3, 10, 8, 59, 0, 0, paris), "2025-W10", time.Date(2025, 3, 3, 9, 0, 0, 0, paris)},
		{"weekly Monday 09:00 is the new week", weekly, time.Date(2025, 3, 10, 9, 0, 0, 0, paris), "2025-W11", time.Date(2025, 3, 10, 9, 0, 0, 0, paris)},
		{"weekly in UTC late Sunday is already Monday in Paris", weekly, time.Date(2025, 3, 9, 23, 30, 0, 0, time.UTC), "2025-W10", time.Date(2025, 3, 3, 9, 0, 0, 0, paris)},
		{"ISO week across the new year", weekly, time.Date(2024, 12, 31, 10, 0, 0, 0, paris), "2025-W01", time.Date(2024, 12, 30, 9, 0, 0, 0, paris)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, at, ok := tt.latest(tt.now)
			if !ok || p != tt.wantPeriod || !at.Equal(tt.wantAt) {
				t.Fatalf("got %s at %s (%v), want %s at %s", p, at, ok, tt.wantPeriod, tt.wantAt)
			}
		})
	}
}

// recorder is a set of task bodies that count their runs per period.
type recorder struct {
	mu   sync.Mutex
	runs map[string][]string // task → periods run
	fail map[string]int      // task → failures left
}

func (r *recorder) task(name string, latest func(time.Time) (string, time.Time, bool)) scheduler.Task {
	return scheduler.Task{Name: name, Latest: latest, Run: func(ctx context.Context, p scheduler.Period) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail[name] > 0 {
			r.fail[name]--
			return errors.New("boom")
		}
		r.runs[name] = append(r.runs[name], p.Name)
		return nil
	}}
}

func newRecorder() *recorder { return &recorder{runs: map[string][]string{}, fail: map[string]int{}} }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newSched(s *models.Store, owner string, tasks ...scheduler.Task) *scheduler.Scheduler {
	sc := scheduler.New(s, quiet(), tasks...)
	sc.Owner = owner
	return sc
}

func migrated(t *testing.T, s *models.Store) {
	t.Helper()
	if err := s.MigrateAlerts(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRestartDoesNotRerunAndMissedPeriodRunsOnce(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		migrated(t, s)
		ctx := context.Background()
		rec := newRecorder()
		tasks := []scheduler.Task{
			rec.task("daily", scheduler.Daily(6*time.Hour, time.UTC)),
			rec.task("weekly", scheduler.Weekly(time.Monday, 9*time.Hour, time.UTC)),
		}
		mon := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
		a := newSched(s, "a", tasks...)
		a.Tick(ctx, mon)
		a.Tick(ctx, mon.Add(time.Minute))
		// Restarted process: a fresh scheduler with no memory.
		b := newSched(s, "b", tasks...)
		b.Tick(ctx, mon.Add(2*time.Minute))
		// Down from Tuesday to Friday noon: only Friday's daily runs, once.
		b.Tick(ctx, time.Date(2025, 3, 7, 12, 0, 0, 0, time.UTC))
		b.Tick(ctx, time.Date(2025, 3, 7, 12, 1, 0, 0, time.UTC))
		want := map[string][]string{"daily": {"2025-03-03", "2025-03-07"}, "weekly": {"2025-W10"}}
		if !equalRuns(rec.runs, want) {
			t.Fatalf("runs %v, want %v", rec.runs, want)
		}
	})
}

// The bot is down from Sunday noon to Tuesday afternoon, across the Monday
// 09:00 summary: that week's summary runs once when it is back, for
// Monday's scheduled time, and not again on later ticks, after another
// restart or from a second replica; the next Monday runs as usual.
func TestWeeklySummaryMissedAcrossMondayRunsOnceAtStartUp(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		migrated(t, s)
		ctx := context.Background()
		var mu sync.Mutex
		var runs []scheduler.Period
		weekly := scheduler.Task{Name: scheduler.TaskWeeklySummary, Latest: scheduler.Weekly(time.Monday, 9*time.Hour, time.UTC),
			Run: func(_ context.Context, p scheduler.Period) error {
				mu.Lock()
				defer mu.Unlock()
				runs = append(runs, p)
				return nil
			}}
		at := func(day, hour, min int) time.Time { return time.Date(2025, 3, day, hour, min, 0, 0, time.UTC) }
		before := newSched(s, "before", weekly)
		before.Tick(ctx, at(3, 9, 0))  // Monday 3 March: W10
		before.Tick(ctx, at(9, 12, 0)) // Sunday 9 March noon, then down

		back := newSched(s, "back", weekly)
		if n := back.Tick(ctx, at(11, 15, 0)); n != 1 { // Tuesday 11 March 15:00: start-up
			t.Fatalf("start-up tick ran %d tasks, want the missed summary", n)
		}
		back.Tick(ctx, at(11, 15, 1))
		back.Tick(ctx, at(12, 9, 0))
		newSched(s, "second replica", weekly).Tick(ctx, at(12, 9, 5))
		newSched(s, "restarted again", weekly).Tick(ctx, at(13, 10, 0))
		back.Tick(ctx, at(17, 9, 0)) // Monday 17 March: W12

		var got []string
		for _, p := range runs {
			got = append(got, p.Name+" for "+p.At.Format("Mon 2 Jan 15:04")+" run "+p.Now.Format("Mon 2 Jan 15:04"))
		}
		want := []string{
			"2025-W10 for Mon 3 Mar 09:00 run Mon 3 Mar 09:00",
			"2025-W11 for Mon 10 Mar 09:00 run Tue 11 Mar 15:00",
			"2025-W12 for Mon 17 Mar 09:00 run Mon 17 Mar 09:00",
		}
		if !equalRuns(map[string][]string{"weekly": got}, map[string][]string{"weekly": want}) {
			t.Fatalf("summary runs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		recorded, err := s.TaskRuns(ctx, scheduler.TaskWeeklySummary)
		if err != nil || len(recorded) != 3 {
			t.Fatalf("%d recorded runs (%v), want 3", len(recorded), err)
		}
	})
}

func TestOneTaskFailingDoesNotStopOthersAndIsRetried(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		migrated(t, s)
		ctx := context.Background()
		rec := newRecorder()
		rec.fail["flaky"] = 1
		panicky := scheduler.Task{Name: "panicky", Latest: scheduler.Daily(0, time.UTC), Run: func(context.Context, scheduler.Period) error { panic("bug") }}
		sc := newSched(s, "a", rec.task("flaky", scheduler.Daily(0, time.UTC)), panicky, rec.task("steady", scheduler.Daily(0, time.UTC)))
		now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
		if n := sc.Tick(ctx, now); n != 3 {
			t.Fatalf("ran %d tasks, want 3", n)
		}
		sc.Tick(ctx, now.Add(time.Minute)) // inside the retry delay: nothing
		sc.Tick(ctx, now.Add(6*time.Minute))
		want := map[string][]string{"flaky": {"2025-03-03"}, "steady": {"2025-03-03"}}
		if !equalRuns(rec.runs, want) {
			t.Fatalf("runs %v, want %v", rec.runs, want)
		}
		runs, _ := s.TaskRuns(ctx, "panicky")
		if len(runs) != 1 || runs[0].Status != models.TaskFailed || runs[0].Error == "" {
			t.Fatalf("panicky run %+v", runs)
		}
	})
}

func TestDryRunRunsNothing(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	migrated(t, s)
	rec := newRecorder()
	sc := newSched(s, "a", rec.task("daily", scheduler.Daily(0, time.UTC)))
	sc.DryRun = true
	sc.Tick(context.Background(), time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC))
	if len(rec.runs) != 0 {
		t.Fatalf("dry run ran %v", rec.runs)
	}
	if runs, _ := s.TaskRuns(context.Background(), ""); len(runs) != 0 {
		t.Fatalf("dry run recorded %v", runs)
	}
}

func TestStandardTasks(t *testing.T) {
	var got []string
	jobs := scheduler.Jobs{
		Rescore: func(_ context.Context, day time.Time) error {
			got = append(got, "rescore "+day.Format(time.DateOnly))
			return nil
		},
		WeeklySummary: func(_ context.Context, p string, day time.Time) error {
			got = append(got, "summary "+p+" "+day.Format(time.DateOnly))
			return nil
		},
		CriticalDigest: func(_ context.Context, p string, day time.Time) error { got = append(got, "digest "+p); return nil },
	}
	tasks, err := scheduler.StandardTasks(scoring.Default().Schedule, mustLoc(t, "America/New_York"), jobs)
	if err != nil || len(tasks) != 3 {
		t.Fatalf("%d tasks, %v", len(tasks), err)
	}
	// Monday 14:00 UTC is 09:00 in New York (EST): all three are due.
	now := time.Date(2025, 3, 3, 14, 0, 0, 0, time.UTC)
	for _, task := range tasks {
		p, at, _ := task.Latest(now)
		if err := task.Run(context.Background(), scheduler.Period{Name: p, At: at, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"rescore 2025-03-03", "summary 2025-W10 2025-03-03", "digest 2025-03-03"}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := scheduler.StandardTasks(scoring.ScheduleConfig{Rescore: "25:00"}, time.UTC, jobs); err == nil {
		t.Fatal("bad time accepted")
	}
}

func equalRuns(got, want map[string][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			return false
		}
		for i := range w {
			if g[i] != w[i] {
				return false
			}
		}
	}
	return true
}
