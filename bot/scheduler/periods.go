package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// Task names, as recorded in task_runs.
const (
	TaskRescore        = "rescore"
	TaskWeeklySummary  = "weekly_summary"
	TaskCriticalDigest = "critical_digest"
	TaskPruneEvents    = "prune_events"
	TaskYourDay        = "your_day"
)

// PruneEventsAt is when, after local midnight, the processed-event ids
// are pruned: a quiet hour, before the default 06:00 rescore.
const PruneEventsAt = 3*time.Hour + 30*time.Minute

// EventRetention is how long processed platform event ids are kept.
// Platforms retry within minutes; a week leaves time to look into a
// message answered twice.
const EventRetention = 7 * 24 * time.Hour

// Daily returns a Latest function for a task run every day at offset
// (from local midnight) in loc; periods are named by the local date.
func Daily(offset time.Duration, loc *time.Location) func(now time.Time) (string, time.Time, bool) {
	return func(now time.Time) (string, time.Time, bool) {
		local := now.In(loc)
		at := atOffset(local, offset, loc)
		if at.After(now) {
			at = atOffset(local.AddDate(0, 0, -1), offset, loc)
		}
		return at.In(loc).Format("2006-01-02"), at, true
	}
}

// Weekly returns a Latest function for a task run every week on day at
// offset in loc; periods are named by ISO week ("2025-W10").
func Weekly(day time.Weekday, offset time.Duration, loc *time.Location) func(now time.Time) (string, time.Time, bool) {
	return func(now time.Time) (string, time.Time, bool) {
		local := now.In(loc)
		back := (int(local.Weekday()) - int(day) + 7) % 7
		at := atOffset(local.AddDate(0, 0, -back), offset, loc)
		if at.After(now) {
			at = atOffset(local.AddDate(0, 0, -back-7), offset, loc)
		}
		y, w := at.In(loc).ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w), at, true
	}
}

// atOffset is the instant offset after the local midnight of day, built
// from the wall clock so a DST change does not shift the hour.
func atOffset(day time.Time, offset time.Duration, loc *time.Location) time.Time {
	y, m, d := day.Date()
	h := int(offset / time.Hour)
	mi := int(offset % time.Hour / time.Minute)
	return time.Date(y, m, d, h, mi, 0, 0, loc)
}

// Jobs is the work behind the standard tasks; the app wires it to the
// commands service (Rescore) and to the summary and digest builders.
type Jobs struct {
	// Rescore scores every account as of day (midnight UTC of the local
	// date) and, through the OnRescore hook, evaluates and queues alerts.
	Rescore func(ctx context.Context, day time.Time) error
	// WeeklySummary queues the weekly summary of the ISO week period
	// (e.g. "2025-W10") as of day.
	WeeklySummary func(ctx context.Context, period string, day time.Time) error
	// CriticalDigest queues the day's digest of Critical accounts.
	CriticalDigest func(ctx context.Context, period string, day time.Time) error
	// PruneEvents deletes the processed platform event ids (Slack event
	// ids, Discord interaction ids) seen before the given instant.
	PruneEvents func(ctx context.Context, before time.Time) error
	// YourDay queues each CSM's "your day" direct message for day.
	YourDay func(ctx context.Context, day time.Time) error
}

// StandardTasks builds the task table of the schedule config: the daily
// rescore, the weekly summary, the daily critical digest and the daily
// "your day" messages, each at its configured time in loc, and the daily
// pruning of processed event ids at
// PruneEventsAt, which is housekeeping and so not in the schedule config.
// An empty time or a nil job leaves a task out.
func StandardTasks(sc scoring.ScheduleConfig, loc *time.Location, jobs Jobs) ([]Task, error) {
	if loc == nil {
		loc = time.UTC
	}
	var tasks []Task
	day := func(p Period) time.Time {
		y, m, d := p.At.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if sc.Rescore != "" && jobs.Rescore != nil {
		off, err := scoring.ParseDaily(sc.Rescore)
		if err != nil {
			return nil, fmt.Errorf("schedule rescore %q: %w", sc.Rescore, err)
		}
		tasks = append(tasks, Task{Name: TaskRescore, Latest: Daily(off, loc), Run: func(ctx context.Context, p Period) error {
			return jobs.Rescore(ctx, day(p))
		}})
	}
	if sc.WeeklySummary != "" && jobs.WeeklySummary != nil {
		wd, off, err := scoring.ParseWeekly(sc.WeeklySummary)
		if err != nil {
			return nil, fmt.Errorf("schedule weekly_summary %q: %w", sc.WeeklySummary, err)
		}
		tasks = append(tasks, Task{Name: TaskWeeklySummary, Latest: Weekly(wd, off, loc), Run: func(ctx context.Context, p Period) error {
			return jobs.WeeklySummary(ctx, p.Name, day(p))
		}})
	}
	if sc.CriticalDigest != "" && jobs.CriticalDigest != nil {
		off, err := scoring.ParseDaily(sc.CriticalDigest)
		if err != nil {
			return nil, fmt.Errorf("schedule critical_digest %q: %w", sc.CriticalDigest, err)
		}
		tasks = append(tasks, Task{Name: TaskCriticalDigest, Latest: Daily(off, loc), Run: func(ctx context.Context, p Period) error {
			return jobs.CriticalDigest(ctx, p.Name, day(p))
		}})
	}
	if sc.YourDay != "" && jobs.YourDay != nil {
		off, err := scoring.ParseDaily(sc.YourDay)
		if err != nil {
			return nil, fmt.Errorf("schedule your_day %q: %w", sc.YourDay, err)
		}
		tasks = append(tasks, Task{Name: TaskYourDay, Latest: Daily(off, loc), Run: func(ctx context.Context, p Period) error {
			return jobs.YourDay(ctx, day(p))
		}})
	}
	if jobs.PruneEvents != nil {
		// Measured from the scheduled time, not the clock, so a run
		// retried later in the day deletes the same ids.
		tasks = append(tasks, Task{Name: TaskPruneEvents, Latest: Daily(PruneEventsAt, loc), Run: func(ctx context.Context, p Period) error {
			return jobs.PruneEvents(ctx, p.At.Add(-EventRetention))
		}})
	}
	return tasks, nil
}
