package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

func TestPreviousSnapshots(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		err := s.SaveSnapshots(ctx, []models.Snapshot{
			snap(alpha, -3, 60), snap(alpha, -1, 65), snap(alpha, 0, 70), snap(alpha, 2, 80),
			snap(beta, -10, 40),
			snap(gamma, 0, 10), // only on the day itself: no previous one
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.PreviousSnapshots(ctx, asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint]string{alpha: day(-1), beta: day(-10)}
		if len(got) != len(want) {
			t.Errorf("PreviousSnapshots = %d accounts, want %d: %+v", len(got), len(want), got)
		}
		for id, d := range want {
			if got[id].Day != d || got[id].AccountID != id {
				t.Errorf("account %d: previous %+v, want day %s", id, got[id], d)
			}
		}
		if got[alpha].Score != 65 {
			t.Errorf("alpha previous score = %d, want 65", got[alpha].Score)
		}
		one, err := s.PreviousSnapshots(ctx, asOf, []uint{beta, gamma})
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 1 || one[beta].Day != day(-10) {
			t.Errorf("PreviousSnapshots(beta, gamma) = %+v, want beta's only", one)
		}
		if none, err := s.PreviousSnapshots(ctx, asOf, []uint{}); err != nil || len(none) != 0 {
			t.Errorf("PreviousSnapshots(no ids) = %v, %v; want empty", none, err)
		}
	})
}

// PreviousSnapshots for every account reads yesterday's snapshots as a
// range and probes only the accounts without one: the answer must be the
// same as probing each account, for accounts scored yesterday, scored
// only earlier, scored only on or after the day, and never scored, and
// must leave out a snapshot whose account does not exist.
func TestPreviousSnapshotsAllMatchesProbes(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		err := s.SaveSnapshots(ctx, []models.Snapshot{
			snap(alpha, -40, 20), snap(alpha, -2, 61), snap(alpha, -1, 66), snap(alpha, 0, 71), // yesterday and before
			snap(beta, -30, 35), snap(beta, -2, 41), snap(beta, 0, 50), snap(beta, 1, 55), // nothing yesterday: the day before
			snap(gamma, 0, 10), snap(gamma, 3, 12), // only on or after the day
			snap(delta, -1, 80), // yesterday only
			// eps: never scored
			snap(999, -1, 5), snap(998, -3, 5), // accounts that do not exist
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint]struct {
			day   string
			score int
		}{alpha: {day(-1), 66}, beta: {day(-2), 41}, delta: {day(-1), 80}}
		check := func(name string, got map[uint]models.Snapshot) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("%s: %d accounts, want %d: %+v", name, len(got), len(want), got)
			}
			for id, w := range want {
				g := got[id]
				if g.AccountID != id || g.Day != w.day || g.Score != w.score || g.ID == 0 || g.Status != "Stable" || g.Subscores != "{}" {
					t.Errorf("%s: account %d previous %+v, want day %s score %d", name, id, g, w.day, w.score)
				}
			}
		}
		all, err := s.PreviousSnapshots(ctx, asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		check("every account", all)
		probed, err := s.PreviousSnapshots(ctx, asOf, []uint{alpha, beta, gamma, delta, eps, 998, 999})
		if err != nil {
			t.Fatal(err)
		}
		check("by id", probed)
		for id, p := range probed {
			if all[id] != p {
				t.Errorf("account %d: every account gives %+v, by id %+v", id, all[id], p)
			}
		}
		// The day is taken at its own calendar date, whatever its zone.
		zoned := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 23, 30, 0, 0, time.FixedZone("UTC-10", -10*3600))
		again, err := s.PreviousSnapshots(ctx, zoned, nil)
		if err != nil {
			t.Fatal(err)
		}
		check("zoned day", again)
		// Inside a bulk transaction, as the daily rescore reads it.
		err = s.WithBulkTx(ctx, func(tx *models.Store) error {
			in, err := tx.PreviousSnapshots(ctx, asOf, nil)
			check("bulk transaction", in)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// A day with no snapshot yesterday for anyone: every account probed.
		later, err := s.PreviousSnapshots(ctx, asOf.AddDate(0, 0, 10), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(later) != 4 || later[alpha].Day != day(0) || later[beta].Day != day(1) || later[gamma].Day != day(3) || later[delta].Day != day(-1) {
			t.Errorf("PreviousSnapshots(T+10) = %+v", later)
		}
	})
}
