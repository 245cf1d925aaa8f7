package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Task run statuses.
const (
	TaskRunning = "running"
	TaskDone    = "done"
	TaskFailed  = "failed"
)

// TaskRun records one scheduled task's run for one period (a day, an ISO
// week). (Task, Period) is the primary key: whoever inserts the row first
// runs the period, so neither a restart nor a second replica runs it again.
// A run whose owner died (lease expired) or that failed (after its retry
// delay, up to a few attempts) may be claimed again.
type TaskRun struct {
	Task       string `gorm:"primaryKey;size:64"`
	Period     string `gorm:"primaryKey;size:32"`
	Status     string `gorm:"size:16;not null"`
	Owner      string `gorm:"size:128"`
	Attempts   int    `gorm:"not null;default:0"`
	StartedAt  time.Time
	LeaseUntil time.Time // a running claim, or a failed run's retry time
	FinishedAt *time.Time
	Error      string `gorm:"size:1000"`
}

// MaxTaskAttempts is how many times a failing period is tried.
const MaxTaskAttempts = 5

// ClaimTask claims (task, period) for owner until now+lease. It returns
// true when the caller must run the period: nobody ran it yet, or its last
// runner died or failed and may be retried. The claim is one INSERT … ON
// CONFLICT DO NOTHING, then one conditional UPDATE: the database decides,
// on PostgreSQL and SQLite alike.
func (s *Store) ClaimTask(ctx context.Context, task, period, owner string, now time.Time, lease time.Duration) (bool, error) {
	now = now.UTC()
	run := TaskRun{Task: task, Period: period, Status: TaskRunning, Owner: owner, Attempts: 1, StartedAt: now, LeaseUntil: now.Add(lease)}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&run)
	if res.Error != nil {
		return false, fmt.Errorf("claim %s %s: %w", task, period, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	res = s.db.WithContext(ctx).Model(&TaskRun{}).
		Where("task = ? AND period = ? AND status IN ? AND lease_until < ? AND attempts < ?",
			task, period, []string{TaskRunning, TaskFailed}, now, MaxTaskAttempts).
		Updates(map[string]any{
			"status": TaskRunning, "owner": owner, "started_at": now, "lease_until": now.Add(lease),
			"attempts": gormExprAdd1,
		})
	if res.Error != nil {
		return false, fmt.Errorf("reclaim %s %s: %w", task, period, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FinishTask records the end of a claimed run. A failed run may be
// claimed again after retry.
func (s *Store) FinishTask(ctx context.Context, task, period, owner string, runErr error, now time.Time, retry time.Duration) error {
	now = now.UTC()
	fields := map[string]any{"status": TaskDone, "finished_at": now, "error": ""}
	if runErr != nil {
		fields = map[string]any{"status": TaskFailed, "finished_at": now, "error": truncate(runErr.Error(), 1000), "lease_until": now.Add(retry)}
	}
	err := s.db.WithContext(ctx).Model(&TaskRun{}).Where("task = ? AND period = ? AND owner = ?", task, period, owner).Updates(fields).Error
	if err != nil {
		return fmt.Errorf("finish %s %s: %w", task, period, err)
	}
	return nil
}

// TaskRuns lists the runs of a task ("" = all), by task then period.
func (s *Store) TaskRuns(ctx context.Context, task string) ([]TaskRun, error) {
	var out []TaskRun
	q := s.db.WithContext(ctx).Order("task, period")
	if task != "" {
		q = q.Where("task = ?", task)
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list task runs: %w", err)
	}
	return out, nil
}

var gormExprAdd1 = gorm.Expr("attempts + 1")
