package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// alertBatch bounds the rows of one alert or outbox statement: 15 columns
// × 1,000 rows stays under both databases' bound-parameter limits, and a
// rescore firing more than 1,000 alerts at once is an outage, not a day.
const alertBatch = 1000

// InsertAlerts stores fired alerts whose dedupe keys are not stored yet, in
// one statement per 1,000 alerts, and returns the ids of the ones this call
// stored by dedupe key: those it owns the delivery of (an alert stored by
// another replica or an earlier run is absent). The rows' IDs are not set.
func (s *Store) InsertAlerts(ctx context.Context, recs []AlertRecord) (map[string]uint, error) {
	out := make(map[string]uint, len(recs))
	for len(recs) > 0 {
		part := recs[:min(alertBatch, len(recs))]
		recs = recs[len(part):]
		var b strings.Builder
		b.WriteString(`INSERT INTO alerts (dedupe_key, account_id, rule, arming, day, from_score, to_score, reason, muted, acked_by, snoozed_by, created_at) VALUES `)
		args := make([]any, 0, 12*len(part))
		for i, a := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?)")
			args = append(args, a.DedupeKey, a.AccountID, a.Rule, a.Arming, a.Day, a.FromScore, a.ToScore, a.Reason, a.Muted,
				a.AckedBy, a.SnoozedBy, a.CreatedAt.UTC())
		}
		// RETURNING lists only the rows inserted, never the conflicting
		// ones (PostgreSQL, and SQLite since 3.35).
		b.WriteString(` ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key`)
		var rows []struct {
			ID        uint
			DedupeKey string
		}
		if err := scanReturning(s.db.WithContext(ctx), &rows, b.String(), args...); err != nil {
			return nil, fmt.Errorf("insert %d alerts: %w", len(part), err)
		}
		for _, r := range rows {
			out[r.DedupeKey] = r.ID
		}
	}
	return out, nil
}

// EnqueueAll stores messages whose dedupe keys are not queued yet, in one
// statement per 1,000 messages; like Enqueue, Status and NextAttemptAt
// default to pending and now. The messages' IDs are not set.
func (s *Store) EnqueueAll(ctx context.Context, msgs []OutboxMessage, now time.Time) error {
	for len(msgs) > 0 {
		part := msgs[:min(alertBatch, len(msgs))]
		msgs = msgs[len(part):]
		var b strings.Builder
		b.WriteString(`INSERT INTO outbox (platform, channel, kind, payload, attachment, attach_name, dedupe_key, alert_id, task_id,
			status, attempts, next_attempt_at, last_error, ref, created_at) VALUES `)
		args := make([]any, 0, 15*len(part))
		for i, m := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,0,?,'','',?)")
			status, next := m.Status, m.NextAttemptAt
			if status == "" {
				status = OutboxPending
			}
			if next.IsZero() {
				next = now
			}
			args = append(args, m.Platform, m.Channel, m.Kind, m.Payload, m.Attachment, m.AttachName, m.DedupeKey, m.AlertID, m.TaskID,
				status, next.UTC(), now.UTC())
		}
		b.WriteString(` ON CONFLICT (dedupe_key) DO NOTHING`)
		if err := s.db.WithContext(ctx).Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("enqueue %d messages: %w", len(part), err)
		}
	}
	return nil
}

// scanReturning runs a statement with many arguments (a batch's INSERT …
// RETURNING) and scans its rows into dest, a pointer to a slice. gorm's
// Raw(…).Scan records the statement to log it, rendering it with every
// argument in place whether or not anything logs it: regular-expression
// replacements over 12,000 arguments, 1.5 s of client CPU on the day plays
// open a task for every account renewing at risk at 100,000 accounts.
func scanReturning(db *gorm.DB, dest any, q string, args ...any) error {
	rows, err := db.Raw(q, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		// gorm scans the current row and every one after it into a slice.
		if err := db.ScanRows(rows, dest); err != nil {
			return err
		}
	}
	return rows.Err()
}
