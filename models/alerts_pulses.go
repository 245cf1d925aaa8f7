package models

import (
	"context"
	"fmt"
	"time"
)

// LatestPulses returns each account's latest pulse recorded on a day from
// from to to (inclusive), for the summary's pulse section. One query.
func (s *Store) LatestPulses(ctx context.Context, from, to time.Time) ([]Pulse, error) {
	var out []Pulse
	err := s.db.WithContext(ctx).Raw(`SELECT p.* FROM pulses p JOIN (
		SELECT account_id, MAX(at) AS at FROM pulses WHERE day >= ? AND day <= ? GROUP BY account_id
	) m ON p.account_id = m.account_id AND p.at = m.at ORDER BY p.account_id, p.id`,
		from.Format(DayLayout), to.Format(DayLayout)).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("latest pulses: %w", err)
	}
	return out, nil
}

// LatestPulseBy returns, keyed by account, each account's latest pulse
// recorded on a day from from to to (inclusive), latest by day, then time,
// then id: the pulse the scoring signals take. One query whatever the
// number of accounts, for the alert rules of a whole rescore.
func (s *Store) LatestPulseBy(ctx context.Context, from, to time.Time) (map[uint]Pulse, error) {
	var rows []Pulse
	err := s.orm(ctx).Raw(`SELECT id, account_id, at, day, colour, reason, note, "by" FROM (
		SELECT pulses.*, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY `+s.latestOrder()+`) AS rn
		FROM pulses WHERE day >= ? AND day <= ?) latest WHERE rn = 1`,
		from.Format(DayLayout), to.Format(DayLayout)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("latest pulse by account: %w", err)
	}
	out := make(map[uint]Pulse, len(rows))
	for _, p := range rows {
		out[p.AccountID] = p
	}
	return out, nil
}
