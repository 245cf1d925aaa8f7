package main

import (
	"context"
	"time"

	"github.com/healthbot/healthbot/bot/scheduler"
)

// setupScheduler runs the schedule of the health model (daily rescore,
// critical digest, weekly summary, "your day") at their times in HEALTHBOT_TIMEZONE,
// and prunes the processed platform and connector event ids daily, with
// the activity past HEALTHBOT_ACTIVITY_RETENTION_DAYS (models.MaintainActivity), and keeps the
// month tables of activities and snapshots ahead (MaintainSnapshots). Replicas share the
// work through the task_runs table, so each period runs once.
func (m *Main) setupScheduler(ctx context.Context, w *wiring) error {
	tasks, err := scheduler.StandardTasks(m.config.Schedule, m.loc, scheduler.Jobs{
		Rescore: func(ctx context.Context, day time.Time) error {
			_, err := m.service.Rescore(ctx, day)
			return err
		},
		WeeklySummary:  m.alerter.QueueWeeklySummary,
		CriticalDigest: m.alerter.QueueCriticalDigest,
		YourDay:        m.service.QueueYourDay,
		PruneEvents: func(ctx context.Context, before time.Time) error {
			n, err := m.store.PruneProcessedEvents(ctx, before)
			if err != nil {
				return err
			}
			m.log.Info("pruned processed event ids", "deleted", n, "seen_before", before)
			// The same retention outlasts the longest vendor retries
			// (Stripe's, three days).
			if n, err = m.store.PruneConnectorEvents(ctx, before); err != nil {
				return err
			}
			m.log.Info("pruned connector event ids", "deleted", n, "received_before", before)
			// Activity: next months' tables, and the retention.
			p, err := m.store.MaintainActivity(ctx, m.Now(), m.retention)
			if err != nil {
				return err
			}
			m.log.Info("maintained activity", "retention_days", m.retention, "kept_from", p.Before,
				"months_dropped", p.Dropped, "rows_deleted", p.Deleted, "months_created", p.MonthsMade)
			// Snapshots: next months' tables (history is kept).
			made, err := m.store.MaintainSnapshots(ctx, m.Now())
			if err != nil {
				return err
			}
			m.log.Info("maintained snapshots", "months_created", made)
			return nil
		},
	})
	if err != nil {
		return usagef("HEALTHBOT_CONFIG: %v", err)
	}
	if len(tasks) == 0 {
		m.log.Info("scheduler not configured: every schedule time is empty")
		return nil
	}
	s := scheduler.New(m.store, m.log.With("part", "scheduler"), tasks...)
	s.Now = m.Now
	w.tasks = append(w.tasks, task{"scheduler", s.Run})
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = t.Name
	}
	m.log.Info("scheduler started", "tasks", names, "timezone", m.loc.String())
	return nil
}
