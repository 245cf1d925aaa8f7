package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// ProcessedEvent records that a platform event (a Slack Events API
// event_id, a Discord interaction id, the digest of a signed Slack command
// or click under platform "slack-request") was taken in by some replica,
// so a platform retry or a replayed request that reaches another replica
// is dropped there too.
// (Platform, EventID) is the primary key, hence unique.
type ProcessedEvent struct {
	Platform string    `gorm:"primaryKey;size:16"`
	EventID  string    `gorm:"primaryKey;size:128"`
	SeenAt   time.Time `gorm:"not null;index"`
}

// FirstSeen records the event and reports whether this call was the first
// to do so, on any replica: one INSERT … ON CONFLICT DO NOTHING, decided
// by the database's unique key (RowsAffected 1 = first).
func (s *Store) FirstSeen(ctx context.Context, platform, id string, now time.Time) (bool, error) {
	ev := ProcessedEvent{Platform: platform, EventID: id, SeenAt: now.UTC()}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ev)
	if res.Error != nil {
		return false, fmt.Errorf("record %s event %s: %w", platform, id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// PruneProcessedEvents deletes events seen before the given time (platforms
// retry within minutes, so a day's worth is plenty) and returns how many.
func (s *Store) PruneProcessedEvents(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("seen_at < ?", before.UTC()).Delete(&ProcessedEvent{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune processed events: %w", res.Error)
	}
	return res.RowsAffected, nil
}
