package models

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// ActivityFigures are the three activity signals of one account.
type ActivityFigures struct{ UserDays7, MAU, Used30 int }

// MaxLaterDays is maxLaterDays, for the tests of the rollups' fallback.
const MaxLaterDays = maxLaterDays

// ActivityBothWays computes the activity signals of every account as of
// asOf from the raw rows and from the rollups; later lists the accounts
// the rollups left to the raw rows (activity dated after asOf), and
// declined says the rollups declined altogether (activity on more than
// MaxLaterDays days after asOf), which must leave every figure of rollups
// zero.
func (s *Store) ActivityBothWays(ctx context.Context, cfg scoring.Config, asOf time.Time) (raw, rollups map[uint]ActivityFigures, later []uint, declined bool, err error) {
	db := s.orm(ctx)
	w := s.window(cfg, asOf, 0)
	features, _, err := valueFeatures(db, cfg, w)
	if err != nil {
		return nil, nil, nil, false, err
	}
	var ids []uint
	if err := db.Raw("SELECT id FROM accounts").Scan(&ids).Error; err != nil {
		return nil, nil, nil, false, err
	}
	run := func(f func(m map[uint]*scoring.Signals) error) (map[uint]ActivityFigures, error) {
		m := map[uint]*scoring.Signals{}
		for _, id := range ids {
			m[id] = &scoring.Signals{AccountID: id}
		}
		if err := f(m); err != nil {
			return nil, err
		}
		out := map[uint]ActivityFigures{}
		for id, sig := range m {
			out[id] = ActivityFigures{sig.ActiveUserDays7, sig.MAU, sig.ValueFeaturesUsed30}
		}
		return out, nil
	}
	raw, err = run(func(m map[uint]*scoring.Signals) error { return activityFromRows(db, w, features, nil, m) })
	if err != nil {
		return nil, nil, nil, false, fmt.Errorf("raw: %w", err)
	}
	rollups, err = run(func(m map[uint]*scoring.Signals) error {
		var err error
		later, declined, err = activityFromRollups(db, w, features, m)
		return err
	})
	if err != nil {
		return nil, nil, nil, false, fmt.Errorf("rollups: %w", err)
	}
	return raw, rollups, later, declined, nil
}
