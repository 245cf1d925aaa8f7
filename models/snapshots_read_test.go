package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"gorm.io/gorm"
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
		// A stream's rescore and the weekly summary ask for thousands of
		// ids (arrays of MaxSubset on PostgreSQL, every account's kept on
		// SQLite): the same answer.
		many := []uint{alpha, beta, gamma}
		for id := uint(100_000); len(many) < 6000; id++ {
			many = append(many, id)
		}
		lots, err := s.PreviousSnapshots(ctx, asOf, many)
		if err != nil {
			t.Fatal(err)
		}
		if len(lots) != 2 || lots[alpha].Day != day(-1) || lots[beta].Day != day(-10) {
			t.Errorf("PreviousSnapshots(6,000 ids) = %+v, want alpha's and beta's", lots)
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
		heads, err := s.PreviousSnapshotHeads(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if len(heads) != len(all) {
			t.Errorf("heads: %d accounts, snapshots: %d", len(heads), len(all))
		}
		for id, full := range all {
			full.Subscores, full.Details = "", ""
			if heads[id] != full {
				t.Errorf("account %d: head %+v, want the snapshot without its JSON %+v", id, heads[id], full)
			}
		}
		probed, err := s.PreviousSnapshots(ctx, asOf, []uint{alpha, beta, gamma, delta, eps, 998, 999})
		if err != nil {
			t.Fatal(err)
		}
		check("by id", probed)
		// A list too long to bind id by id (SQLite takes 32,766
		// parameters) reads every account's and keeps those asked for.
		long := []uint{alpha, beta, gamma, delta, eps, 998, 999}
		for id := uint(10000); len(long) < 40000; id++ {
			long = append(long, id)
		}
		many, err := s.PreviousSnapshots(ctx, asOf, long)
		if err != nil {
			t.Fatal(err)
		}
		check("by a long id list", many)
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

// The daily rescore asks for yesterday's snapshots, the newest day in the
// table, which the planner's statistics do not know until the table is
// analyzed again (weeks of daily rescores with autovacuum's defaults). Its
// estimate for yesterday is then about one row, and the query must not
// depend on it: with NOT EXISTS it became a nested-loop anti-join that
// rescanned yesterday's rows once per account (quadratic: 7.5 s at 10,000
// accounts). Nor may it depend on a large estimate: NOT IN is hashed only
// while the ids fit in hash_mem, and rescans them per account beyond. The
// accounts without a snapshot yesterday must come from a set operation
// (EXCEPT, hashed or sorted), with stale statistics and with fresh ones
// and a work_mem too small to hash.
func TestPreviousSnapshotsAllPlan(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	db := s.DB().WithContext(ctx)
	const accounts, days = 2000, 30
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	key := func(i int) string { return start.AddDate(0, 0, i).Format(models.DayLayout) }
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO accounts (external_id, name, slug) SELECT 'a' || i, 'Account ' || i, 'account-' || i FROM generate_series(1, ?) i`, accounts)
	insertDays := func(from, to int, everyNth int) {
		exec(`INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details)
			SELECT a.id, to_char(?::date + d, 'YYYY-MM-DD'), true, 70, 70, 'Stable', '{}', '{}'
			FROM accounts a CROSS JOIN generate_series(?::int, ?::int) d WHERE a.id % ? <> 0`, key(0), from, to, everyNth)
	}
	insertDays(0, days-2, 1000000)
	exec("ANALYZE accounts, snapshots")
	yesterday := key(days - 1)
	insertDays(days-1, days-1, 20) // scored after the last ANALYZE; 1 account in 20 was not

	explain := func(db *gorm.DB, q string, args ...any) string {
		t.Helper()
		rows, err := db.Raw("EXPLAIN "+q, args...).Rows()
		if err != nil {
			t.Fatalf("explain: %v", err)
		}
		defer rows.Close()
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		return plan.String()
	}
	queries := map[string]string{"snapshots": models.PreviousSnapshotsAllSQL, "heads": models.PreviousSnapshotHeadsAllSQL}
	checkPlans := func(db *gorm.DB, when string) {
		t.Helper()
		for name, q := range queries {
			plan := explain(db, q, map[string]any{"y": yesterday})
			if !strings.Contains(plan, "SetOp Except") || strings.Contains(plan, "Anti Join") || strings.Contains(plan, "SubPlan") {
				t.Errorf("%s: previous %s plan does not find the accounts without yesterday by a set operation:\n%s", when, name, plan)
			}
		}
	}
	// The premise: the statistics do not know yesterday.
	if p := explain(db, "SELECT * FROM snapshots WHERE day = ?", yesterday); !strings.Contains(p, "rows=1 ") {
		t.Fatalf("expected a stale estimate of one row for yesterday, got:\n%s", p)
	}
	checkPlans(db, "stale statistics")
	errUndo := errors.New("undo")
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, q := range []string{"ANALYZE accounts, snapshots", "SET LOCAL work_mem = '64kB'"} {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		checkPlans(tx, "fresh statistics, work_mem 64kB")
		return errUndo // and the statistics are stale again
	})
	if !errors.Is(err, errUndo) {
		t.Fatal(err)
	}
	full, err := s.PreviousSnapshots(ctx, start.AddDate(0, 0, days), nil)
	if err != nil {
		t.Fatal(err)
	}
	heads, err := s.PreviousSnapshotHeads(ctx, start.AddDate(0, 0, days))
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]map[uint]models.Snapshot{"snapshots": full, "heads": heads} {
		if len(got) != accounts {
			t.Fatalf("previous %s: %d accounts, want %d", name, len(got), accounts)
		}
		for id, sn := range got {
			want := yesterday
			if id%20 == 0 {
				want = key(days - 2)
			}
			if sn.Day != want {
				t.Fatalf("account %d: previous %s of %s, want %s", id, name, sn.Day, want)
			}
		}
	}
}
