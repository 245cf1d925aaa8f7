package models

import (
	"context"
	"fmt"
	"time"
)

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
