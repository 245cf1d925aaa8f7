package models_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestLatestSnapshotHeads covers every way an account's latest snapshot
// is found: on the newest day (an early write rescored it), on the day
// before (the last daily rescore), by a probe further back (not scored
// for days), or not at all (never scored); churned accounts are left out.
func TestLatestSnapshotHeads(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		withProfile := snap(alpha, 0, 44)
		withProfile.Profile, withProfile.ModelVersion = "smb", "abc123"
		if err := s.SaveSnapshots(ctx, []models.Snapshot{
			// the last full day, T-1
			snap(alpha, -1, 60), snap(gamma, -1, 10), snap(delta, -1, 30),
			// beta last scored at T-6, eps never
			snap(beta, -6, 70), snap(beta, -9, 71),
			// T: a pulse rescored alpha before the daily run; T+1 is ignored
			withProfile, snap(delta, 1, 1),
		}); err != nil {
			t.Fatal(err)
		}
		heads, err := s.LatestSnapshotHeads(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		got := map[uint]string{}
		for id, h := range heads {
			got[id] = h.Day
			if h.Subscores != "" || h.Details != "" {
				t.Errorf("head of %d carries JSON: %+v", id, h)
			}
		}
		want := map[uint]string{alpha: day(0), delta: day(-1), beta: day(-6)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("latest days = %v, want %v", got, want)
		}
		if h := heads[alpha]; h.Score != 44 || h.Profile != "smb" || h.ModelVersion != "abc123" || !h.Known {
			t.Errorf("alpha's head = %+v, want score 44, profile smb", h)
		}
		if h, err := s.History(ctx, alpha, asOf, asOf); err != nil || len(h) != 1 || !h[0].UpdatedAt.Equal(heads[alpha].UpdatedAt) || h[0].UpdatedAt.IsZero() {
			t.Errorf("alpha's head updated at %v, its row's %v (%v)", heads[alpha].UpdatedAt, h, err)
		}
		// The summary's bars count the same heads in the database.
		// Beta, probed, is counted from a bound on its day on, not after.
		for _, since := range []string{day(-30), day(-7), day(-6), day(-5), day(-1), day(0)} {
			counts, err := s.LatestStatusCounts(ctx, asOf, since)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for _, h := range heads {
				if h.Day >= since {
					want[h.Status]++
				}
			}
			if !reflect.DeepEqual(counts, want) {
				t.Errorf("LatestStatusCounts(since %s) = %v, want %v", since, counts, want)
			}
		}
		// A day before any snapshot has none; the full rows agree with the heads.
		if none, err := s.LatestSnapshotHeads(ctx, asOf.AddDate(0, 0, -20)); err != nil || len(none) != 0 {
			t.Errorf("heads at T-20 = %v, %v; want none", none, err)
		}
		// HistoryHeads is History without the JSON.
		hist, err := s.History(ctx, beta, asOf.AddDate(0, 0, -30), asOf)
		if err != nil {
			t.Fatal(err)
		}
		heads2, err := s.HistoryHeads(ctx, beta, asOf.AddDate(0, 0, -30), asOf)
		if err != nil || len(heads2) != len(hist) || len(hist) != 2 {
			t.Fatalf("HistoryHeads = %v, %v; History = %v", heads2, err, hist)
		}
		for i := range hist {
			h := hist[i]
			h.Subscores, h.Details = "", ""
			if h.Day != heads2[i].Day || h.Score != heads2[i].Score || h.Status != heads2[i].Status || heads2[i].Subscores != "" {
				t.Errorf("HistoryHeads[%d] = %+v, want %+v", i, heads2[i], h)
			}
		}
		full, err := s.LatestSnapshots(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint
		for _, sn := range full {
			ids = append(ids, sn.AccountID)
			if sn.Day != want[sn.AccountID] || sn.Subscores != "{}" {
				t.Errorf("LatestSnapshots row %+v, want day %s with its subscores", sn, want[sn.AccountID])
			}
		}
		if w := []uint{alpha, beta, delta}; !reflect.DeepEqual(ids, w) {
			t.Errorf("LatestSnapshots accounts = %v, want %v in id order", ids, w)
		}
	})
}

// TestCriticalSince: the first day of the unbroken Critical run that ends
// with an account's latest snapshot, bounded by from; none when the latest
// is not Critical.
func TestCriticalSince(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		crit := func(acct uint, n int) models.Snapshot {
			sn := snap(acct, n, 30)
			sn.Status = "Critical"
			return sn
		}
		if err := s.SaveSnapshots(ctx, []models.Snapshot{
			crit(alpha, -5), snap(alpha, -4, 50), crit(alpha, -3), crit(alpha, -2), crit(alpha, 0), crit(alpha, 1),
			crit(beta, -2), snap(beta, -1, 60),
			crit(eps, -20), crit(eps, -12), crit(eps, -1),
		}); err != nil {
			t.Fatal(err)
		}
		got, err := s.CriticalSince(ctx, asOf.AddDate(0, 0, -10), asOf, []uint{alpha, beta, eps, delta})
		if err != nil {
			t.Fatal(err)
		}
		// eps has been Critical since T-20, but the window starts at T-10:
		// its first snapshot in it is T-1. T+1 is after the day.
		if want := map[uint]string{alpha: day(-3), eps: day(-1)}; !reflect.DeepEqual(got, want) {
			t.Errorf("CriticalSince = %v, want %v", got, want)
		}
	})
}

// TestOrgUsageFromRollups: the period's distinct users, read from the
// activity_last rollup with the accounts that have later activity counted
// from their rows, equal the raw count for a period ending today, before
// a day of later rows, and long ago (more than three later days: raw rows
// for all); on PostgreSQL, both with the fixture's activity still queued
// for the rollups (its accounts counted from their rows) and folded.
func TestOrgUsageFromRollups(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		var queued int64
		if err := s.DB().Raw("SELECT COUNT(*) FROM " + models.RollupQueueTable).Scan(&queued).Error; err != nil {
			t.Fatal(err)
		}
		if s.Dialect() == models.DialectPostgres && queued == 0 {
			t.Fatal("the fixture's activity is not queued: the queued case is not tested")
		}
		for _, fold := range []bool{false, true} {
			if fold {
				if _, err := s.FoldActivityRollups(ctx, 0); err != nil {
					t.Fatal(err)
				}
			}
			checkOrgUsage(t, s, fold)
		}
	})
}

func checkOrgUsage(t *testing.T, s *models.Store, folded bool) {
	t.Helper()
	ctx := context.Background()
	for _, n := range []int{1, 0, -1, -6, -29, -60} {
		to := asOf.AddDate(0, 0, n)
		in, err := s.OrgInputs(ctx, to.AddDate(0, 0, -29), to)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		err = s.DB().Raw(`SELECT COUNT(*) FROM (SELECT DISTINCT activities.account_id, activities.user_id FROM activities
			JOIN accounts ON accounts.id = activities.account_id
			WHERE (accounts.churned_on IS NULL OR accounts.churned_on > ?) AND activities.day >= ? AND activities.day <= ?) u`,
			day(n), day(n-29), day(n)).Scan(&want).Error
		if err != nil {
			t.Fatal(err)
		}
		if in.MAU != want {
			t.Errorf("folded %v: MAU of the 30 days to T%+d = %d, want %d", folded, n, in.MAU, want)
		}
	}
}
