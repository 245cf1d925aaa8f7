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
