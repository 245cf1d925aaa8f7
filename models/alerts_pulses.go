package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LatestPulseBy returns, keyed by account, each account's latest pulse
// recorded on a day from from to to (inclusive), latest by day, then time,
// then id: the pulse the scoring signals take. One query whatever the
// number of accounts, for the alert rules of a whole rescore.
func (s *Store) LatestPulseBy(ctx context.Context, from, to time.Time) (map[uint]Pulse, error) {
	out := map[uint]Pulse{}
	var (
		p               Pulse
		at              storedTime
		day, colour, by internedText
	)
	dest := []any{&p.ID, &p.AccountID, &at, &day, &colour, &p.Reason, &p.Note, &by}
	// Scanned a row at a time into the map (eachRow), not into a slice by
	// gorm first, whose reflection cost about 30 allocations a pulse (0.33
	// M of the weekly summary's 5.7 M an op at 100,000 accounts).
	err := s.portfolioRead(ctx, func(db *gorm.DB) error {
		clear(out)
		return eachRowOf(db, `SELECT id, account_id, at, day, colour, COALESCE(reason, ''), COALESCE(note, ''), COALESCE("by", '') FROM (
		SELECT pulses.*, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY `+s.latestOrder()+`) AS rn
		FROM pulses WHERE day >= ? AND day <= ?) latest WHERE rn = 1`,
			[]any{from.Format(DayLayout), to.Format(DayLayout)}, func(rows rowScanner) error {
				if err := rows.Scan(dest...); err != nil {
					return err
				}
				p.At, p.Day, p.Colour, p.By = at.t, day.s, colour.s, by.s
				out[p.AccountID] = p
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("latest pulse by account: %w", err)
	}
	return out, nil
}
