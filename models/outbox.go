package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Outbox message kinds.
const (
	KindAlert   = "alert"
	KindSummary = "summary"
	KindDigest  = "digest"
	// KindTask is a task's direct message to its owner, kept up to date
	// as the task changes (TaskID set).
	KindTask = "task"
	// KindEscalation tells a manager (or the account's channel) that a
	// task is overdue (TaskID set).
	KindEscalation = "escalation"
	// KindYourDay is a CSM's daily "your day" direct message.
	KindYourDay = "your_day"
)

// ConsolePlatform is the platform name of the console, whose messages
// the console takes itself (TakeInbox).
const ConsolePlatform = "console"

// UserChannel is the outbox channel of a direct message to a chat user
// ("user:U0123"): the platform's adapter opens the conversation with the
// user before it posts, and the console shows it to that user.
func UserChannel(userID string) string { return userChannelPrefix + userID }

// DirectUser is the user a UserChannel names, and false for a channel.
func DirectUser(channel string) (string, bool) {
	user, ok := strings.CutPrefix(channel, userChannelPrefix)
	return user, ok && user != ""
}

const userChannelPrefix = "user:"

// Outbox message statuses. A claimed message is "sending" until its lease
// runs out, so a worker that dies mid-delivery leaves it to another.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxMessage is one message to deliver to one channel of one platform.
// It is written in the transaction that decided to send it, and delivered
// later by the outbox worker; DedupeKey is unique so deciding twice queues
// once. Ref is the platform's id of the posted message: once set, a retry
// updates that message instead of posting another.
type OutboxMessage struct {
	ID            uint      `gorm:"primaryKey"`
	Platform      string    `gorm:"size:16;not null"`
	Channel       string    `gorm:"size:128;not null"`
	Kind          string    `gorm:"size:16;not null"`
	Payload       string    `gorm:"type:text;not null"` // JSON of commands.Reply
	Attachment    []byte    // optional file (the summary chart PNG)
	AttachName    string    `gorm:"size:128"`
	DedupeKey     string    `gorm:"size:200;not null;uniqueIndex"`
	AlertID       *uint     `gorm:"index"`
	TaskID        *uint     `gorm:"index"`
	Status        string    `gorm:"size:16;not null;index:outbox_due,priority:1"`
	Attempts      int       `gorm:"not null;default:0"`
	NextAttemptAt time.Time `gorm:"not null;index:outbox_due,priority:2"`
	LeaseUntil    *time.Time
	LastError     string `gorm:"size:1000"`
	Ref           string `gorm:"size:128"`
	CreatedAt     time.Time
	SentAt        *time.Time
}

// TableName names the table "outbox".
func (OutboxMessage) TableName() string { return "outbox" }

// Enqueue stores a message unless its dedupe key is already queued;
// created says whether this call stored it. Status and NextAttemptAt default
// to pending and now.
func (s *Store) Enqueue(ctx context.Context, m *OutboxMessage, now time.Time) (created bool, err error) {
	if m.Status == "" {
		m.Status = OutboxPending
	}
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = now.UTC()
	}
	m.CreatedAt = now.UTC()
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "dedupe_key"}},
		DoNothing: true,
	}).Create(m)
	if res.Error != nil {
		return false, fmt.Errorf("enqueue %s: %w", m.DedupeKey, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ClaimOutbox takes up to limit messages that are due (pending with
// next_attempt_at <= now, or sending with an expired lease), marks them
// sending until now+lease and counts the attempt. On PostgreSQL the rows
// are picked with FOR UPDATE SKIP LOCKED, so concurrent workers on several
// replicas never claim the same message; SQLite has a single writer and its
// transactions take the write lock at BEGIN.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]OutboxMessage, error) {
	now = now.UTC()
	var out []OutboxMessage
	err := s.transaction(ctx, s.db.WithContext(ctx), laneChat, func(tx *gorm.DB) error {
		// The console shows its messages itself (TakeInbox), between a
		// user's commands: no worker delivers them.
		q := tx.Where("((status = ? AND next_attempt_at <= ?) OR (status = ? AND lease_until < ?)) AND platform <> ?",
			OutboxPending, now, OutboxSending, now, ConsolePlatform).Order("id").Limit(limit)
		if s.dialect == DialectPostgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&out).Error; err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]uint, len(out))
		until := now.Add(lease)
		for i := range out {
			ids[i] = out[i].ID
			out[i].Status = OutboxSending
			out[i].Attempts++
			out[i].LeaseUntil = &until
		}
		return tx.Model(&OutboxMessage{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": OutboxSending, "lease_until": until, "attempts": gorm.Expr("attempts + 1"),
		}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return out, nil
}

// ErrLeaseLost is returned when a worker records the outcome of a claim
// that is no longer its own: its lease ran out and another worker claimed
// the message (or recorded it sent) meanwhile.
var ErrLeaseLost = errors.New("outbox lease lost to another worker")

// A claim is fenced by the message's attempt count: every ClaimOutbox
// increments it, so (id, attempts) names one claim, and a worker whose
// lease was taken over holds a stale count that no longer matches.

// RenewLease extends the claim (id, attempt) to now+lease, right before a
// send, and reports whether the claim is still this worker's. False means
// another worker has claimed the message since (or it was recorded sent):
// the caller must not post it. The check and the extension are one
// UPDATE, so no claim can slip in between.
func (s *Store) RenewLease(ctx context.Context, id uint, attempt int, now time.Time, lease time.Duration) (bool, error) {
	res := s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND attempts = ? AND status = ?", id, attempt, OutboxSending).
		Update("lease_until", now.UTC().Add(lease))
	if res.Error != nil {
		return false, fmt.Errorf("renew outbox %d lease: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkSent records a delivered message and its platform reference. It is
// not fenced by the claim: the message reached the platform whoever owns
// the claim now, and recording it stops the owner from posting it again
// (its RenewLease fails). A message already recorded sent keeps its first
// reference.
func (s *Store) MarkSent(ctx context.Context, id uint, ref string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ? AND status <> ?", id, OutboxSent).Updates(map[string]any{
		"status": OutboxSent, "ref": ref, "sent_at": now.UTC(), "lease_until": nil, "last_error": "",
	}).Error
	if err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	return nil
}

// MarkRetry puts the claimed message (id, attempt) back for another attempt
// at next. A non-empty ref (the platform took the message although the
// call failed) is kept so the retry updates rather than posts again. It
// returns ErrLeaseLost, changing nothing, when the claim is no longer the
// caller's.
func (s *Store) MarkRetry(ctx context.Context, id uint, attempt int, ref string, next time.Time, lastErr string) error {
	fields := map[string]any{
		"status": OutboxPending, "next_attempt_at": next.UTC(), "lease_until": nil, "last_error": truncate(lastErr, 1000),
	}
	if ref != "" {
		fields["ref"] = ref
	}
	return s.settle(ctx, "for retry", id, attempt, fields)
}

// MarkFailed records that the claimed message (id, attempt) cannot be
// delivered; it is not retried. It returns ErrLeaseLost, changing
// nothing, when the claim is no longer the caller's.
func (s *Store) MarkFailed(ctx context.Context, id uint, attempt int, lastErr string) error {
	return s.settle(ctx, "failed", id, attempt, map[string]any{
		"status": OutboxFailed, "lease_until": nil, "last_error": truncate(lastErr, 1000),
	})
}

// settle applies fields to the message if the claim (id, attempt) is
// still current.
func (s *Store) settle(ctx context.Context, what string, id uint, attempt int, fields map[string]any) error {
	res := s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND attempts = ? AND status = ?", id, attempt, OutboxSending).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("mark outbox %d %s: %w", id, what, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("mark outbox %d %s: %w", id, what, ErrLeaseLost)
	}
	return nil
}

// RequeueUpdate replaces the payload of an alert's queued or delivered
// messages (except on skipPlatform, which updated its own copy in place)
// and makes them due now: a delivered one is then updated on its platform
// through its Ref, a pending one is simply posted with the new content.
func (s *Store) RequeueUpdate(ctx context.Context, alertID uint, skipPlatform, payload string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("alert_id = ? AND platform <> ? AND status IN ?", alertID, skipPlatform, []string{OutboxPending, OutboxSent}).
		Updates(map[string]any{"payload": payload, "status": OutboxPending, "next_attempt_at": now.UTC()}).Error
	if err != nil {
		return fmt.Errorf("requeue alert %d messages: %w", alertID, err)
	}
	return nil
}

// OutboxMessages lists queued messages of a kind ("" = all), oldest first.
func (s *Store) OutboxMessages(ctx context.Context, kind string) ([]OutboxMessage, error) {
	var out []OutboxMessage
	q := s.db.WithContext(ctx).Order("id")
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

// OutboxCounts counts messages per status, for readiness and metrics.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
