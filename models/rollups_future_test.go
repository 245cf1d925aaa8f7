package models_test

import (
	"context"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// One activity row dated far in the future (9999-12-31, as a bad feed once
// sent) must not switch the whole portfolio off the rollups: only its own
// account is read from the raw rows, and its figures as of T still count
// what happened up to T. The rollups of the other accounts are tampered
// with (a hundred users added to each of their days), so a figure that
// shows the tampering was read from the rollups, one that does not from
// the raw rows.
func TestFutureActivityDegradesOnlyItsAccount(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		createRollupAccounts(t, s, 3)
		var rows []models.Activity
		for id := uint(1); id <= 3; id++ {
			rows = append(rows,
				models.Activity{AccountID: id, Day: day(-2), UserID: "u1", Feature: "reports"},
				models.Activity{AccountID: id, Day: day(0), UserID: "u2", Feature: "export"},
				models.Activity{AccountID: id, Day: day(-20), UserID: "u3"})
		}
		if _, err := s.InsertActivity(ctx, rows); err != nil {
			t.Fatal(err)
		}
		// Folded, so that only the future row below takes an account off
		// the rollups (a queued row would too).
		if _, err := s.FoldActivityRollups(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Exec("UPDATE activity_days SET users = users + 100 WHERE account_id <> 1").Error; err != nil {
			t.Fatal(err)
		}
		// u1 of account 1 was active at T-2 and "again" in 9999: as of T
		// it is still one of the 30 days' users, as is the feature.
		bad := models.Activity{AccountID: 1, Day: "9999-12-31", UserID: "u1", Feature: "reports"}
		if _, err := s.InsertActivity(ctx, []models.Activity{bad}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FoldActivityRollups(ctx, 0); err != nil {
			t.Fatal(err)
		}
		got := map[uint]scoring.Signals{}
		err := s.AllSignals(ctx, scoring.Default(), *dayT(0), func(sig scoring.Signals) error {
			got[sig.AccountID] = sig
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if g := got[1]; g.ActiveUserDays7 != 2 || g.MAU != 3 || g.ValueFeaturesUsed30 != 2 {
			t.Errorf("account 1 (the future row's): user-days %d, MAU %d, features %d; want 2, 3, 2 from its raw rows",
				g.ActiveUserDays7, g.MAU, g.ValueFeaturesUsed30)
		}
		for _, id := range []uint{2, 3} {
			if g := got[id]; g.ActiveUserDays7 != 202 || g.MAU != 3 || g.ValueFeaturesUsed30 != 2 {
				t.Errorf("account %d: user-days %d, MAU %d, features %d; want 202 (the tampered rollups), 3, 2: "+
					"one future row of another account took it off the rollups", id, g.ActiveUserDays7, g.MAU, g.ValueFeaturesUsed30)
			}
		}
	})
}
