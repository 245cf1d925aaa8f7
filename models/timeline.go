package models

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// maxTimelineRows bounds each kind of event AccountTimeline reads: a
// picture cannot show more apart, and an account flooded with ingested
// touches must not make a chart read them all.
const maxTimelineRows = 500

// Timeline is what happened to an account over some days, as a chart
// draws it: only the columns it needs, oldest first.
type Timeline struct {
	Pulses  []Pulse       // Day, Colour, Reason
	Touches []Touch       // Day, Kind, Exec
	Alerts  []AlertRecord // Day, Rule; muted alerts (fired while snoozed, never posted) left out
}

// AccountTimeline reads the account's pulses, touches and alerts with
// from <= day <= to: three indexed range reads, each of at most
// maxTimelineRows rows (the latest ones when there are more).
func (s *Store) AccountTimeline(ctx context.Context, accountID uint, from, to time.Time) (Timeline, error) {
	var tl Timeline
	lo, hi := dayKey(from), dayKey(to)
	err := s.orm(ctx).Model(&Pulse{}).Select("day, colour, reason").
		Where("account_id = ? AND day >= ? AND day <= ?", accountID, lo, hi).
		Order("day DESC, id DESC").Limit(maxTimelineRows).Find(&tl.Pulses).Error
	if err != nil {
		return Timeline{}, fmt.Errorf("timeline of account %d: pulses: %w", accountID, err)
	}
	err = s.orm(ctx).Model(&Touch{}).Select("day, kind, exec").
		Where("account_id = ? AND day >= ? AND day <= ?", accountID, lo, hi).
		Order("day DESC, id DESC").Limit(maxTimelineRows).Find(&tl.Touches).Error
	if err != nil {
		return Timeline{}, fmt.Errorf("timeline of account %d: touches: %w", accountID, err)
	}
	err = s.orm(ctx).Model(&AlertRecord{}).Select("day, rule").
		Where("account_id = ? AND day >= ? AND day <= ? AND muted = ?", accountID, lo, hi, false).
		Order("day DESC, id DESC").Limit(maxTimelineRows).Find(&tl.Alerts).Error
	if err != nil {
		return Timeline{}, fmt.Errorf("timeline of account %d: alerts: %w", accountID, err)
	}
	slices.Reverse(tl.Pulses)
	slices.Reverse(tl.Touches)
	slices.Reverse(tl.Alerts)
	return tl, nil
}

// ChurnedAccountNames lists the accounts churned on or before day asOf,
// by name, with only ID, Slug and Name set: what finding a churned
// account by what a user typed reads once no active account matched.
func (s *Store) ChurnedAccountNames(ctx context.Context, asOf time.Time) ([]Account, error) {
	var out []Account
	err := s.orm(ctx).Model(&Account{}).Select("id, slug, name").
		Where("churned_on IS NOT NULL AND churned_on <= ?", dayKey(asOf)).
		Order("name, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("churned account names: %w", err)
	}
	return out, nil
}
