package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// statusSinceWant is what current_scores.status_since may hold for each
// account with snapshots: the earliest day of the head's status with no
// other status between, walking back from its latest snapshot over at
// most 366 earlier ones (earliest), or for a run longer than that any day
// from its true start (the triggers carry the first day on from the
// previous head) to the oldest walked (latest).
type sinceRange struct{ earliest, latest string }

func (r sinceRange) holds(d string) bool { return r.earliest <= d && d <= r.latest }

func statusSinceWant(t *testing.T, s *models.Store) map[uint]sinceRange {
	t.Helper()
	var all []models.Snapshot
	if err := s.DB().Order("account_id, day").Find(&all).Error; err != nil {
		t.Fatal(err)
	}
	byAccount := map[uint][]models.Snapshot{}
	for _, sn := range all {
		byAccount[sn.AccountID] = append(byAccount[sn.AccountID], sn)
	}
	want := map[uint]sinceRange{}
	for id, h := range byAccount {
		head := h[len(h)-1]
		r := sinceRange{head.Day, head.Day}
		for i := len(h) - 2; i >= 0 && h[i].Status == head.Status; i-- {
			r.earliest = h[i].Day
			if len(h)-2-i < 366 {
				r.latest = r.earliest
			}
		}
		want[id] = r
	}
	return want
}

// statusSinceGot reads current_scores.status_since of each account with a
// head.
func statusSinceGot(t *testing.T, s *models.Store) map[uint]string {
	t.Helper()
	var rows []models.CurrentScore
	if err := s.DB().Order("account_id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	got := map[uint]string{}
	for _, r := range rows {
		if r.Day != nil {
			got[r.AccountID] = deref(r.StatusSince)
		}
	}
	return got
}

// TestStatusSinceFollowsSnapshots: whatever writes the snapshots (a day's
// batch by upsert or by COPY, moving the heads on, rewriting them, or
// writing days before them; several days of an account in one statement;
// deletes), each head's first day of its status is the one a walk over the
// snapshots finds. A run longer than the walk's bound starts at the
// oldest snapshot walked, and a migration fills the first days of a
// database from before the column.
func TestStatusSinceFollowsSnapshots(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		accounts := []uint{alpha, beta, gamma, delta, eps}
		statuses := []string{"Healthy", "At risk", "Critical"}
		r := rand.New(rand.NewPCG(7, 17))
		mk := func(acct uint, d int) models.Snapshot {
			sn := snap(acct, d, r.IntN(100))
			// Mostly the same status as before: runs of several days.
			sn.Status = statuses[min(r.IntN(5), 2)]
			return sn
		}
		check := func(step string) {
			t.Helper()
			want, got := statusSinceWant(t, s), statusSinceGot(t, s)
			for id, w := range want {
				if !w.holds(got[id]) {
					t.Fatalf("%s: account %d's status began %q, want %q (all: %v, want %v)", step, id, got[id], w, got, want)
				}
			}
		}
		head := -40
		for step := range 120 {
			var batch []models.Snapshot
			var what string
			switch op := r.IntN(10); {
			case op < 5: // the daily rescore: the next day, most accounts
				head++
				for _, a := range accounts {
					if r.IntN(6) > 0 {
						batch = append(batch, mk(a, head))
					}
				}
				what = "new day " + day(head)
			case op < 7: // the day rescored (a pulse, an ingested batch)
				batch = append(batch, mk(accounts[r.IntN(len(accounts))], head))
				what = "same day"
			case op < 8: // a day before the head (a backfill)
				d := head - 1 - r.IntN(10)
				for _, a := range accounts[:1+r.IntN(len(accounts))] {
					batch = append(batch, mk(a, d))
				}
				what = "day before " + day(d)
			case op < 9: // several days of one account in one statement
				a := accounts[r.IntN(len(accounts))]
				for d := head - r.IntN(4); d <= head+1; d++ {
					batch = append(batch, mk(a, d))
				}
				head++
				what = "several days"
			default: // snapshots deleted: one, a day's, or days of one account
				var n int64
				if err := s.DB().Model(&models.Snapshot{}).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				q, args := "DELETE FROM snapshots WHERE id = (SELECT id FROM snapshots ORDER BY account_id, day LIMIT 1 OFFSET ?)", []any{r.IntN(int(max(n, 1)))}
				switch r.IntN(3) {
				case 1:
					q, args = "DELETE FROM snapshots WHERE day = ?", []any{day(head - r.IntN(3))}
				case 2:
					d := head - r.IntN(8)
					q, args = "DELETE FROM snapshots WHERE account_id = ? AND day BETWEEN ? AND ?", []any{accounts[r.IntN(len(accounts))], day(d - r.IntN(4)), day(d)}
				}
				if err := s.DB().Exec(q, args...).Error; err != nil {
					t.Fatal(err)
				}
				check(fmt.Sprintf("step %d: delete", step))
				continue
			}
			var err error
			if r.IntN(2) == 0 {
				err = s.SaveSnapshots(ctx, batch)
			} else { // the COPY path on PostgreSQL
				err = s.WithBulkTx(ctx, func(tx *models.Store) error { return tx.SaveSnapshots(ctx, batch) })
			}
			if err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("step %d: %s", step, what))
		}

		// A run longer than the walk: 400 days of one status, one day at
		// a time, then in one statement.
		long := func(acct uint, from int) []models.Snapshot {
			var out []models.Snapshot
			for d := from; d < from+400; d++ {
				sn := snap(acct, d, 50)
				sn.Status = "Healthy"
				out = append(out, sn)
			}
			return out
		}
		if err := s.DB().Exec("DELETE FROM snapshots").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSnapshots(ctx, long(alpha, 0)); err != nil {
			t.Fatal(err)
		}
		for _, sn := range long(beta, 0) {
			if err := s.SaveSnapshots(ctx, []models.Snapshot{sn}); err != nil {
				t.Fatal(err)
			}
		}
		check("a year and more of one status")
		// PostgreSQL's statement trigger walks the statement's 400 days;
		// SQLite's row triggers see them one at a time, as beta's were.
		wantAlpha := day(399 - 366)
		if s.Dialect() == models.DialectSQLite {
			wantAlpha = day(0)
		}
		if got := statusSinceGot(t, s); got[alpha] != wantAlpha || got[beta] != day(0) {
			t.Errorf("400 days of one status began %q (one statement) and %q (a day at a time); want %q and %q, carried on",
				got[alpha], got[beta], wantAlpha, day(0))
		}

		// A database from before the column, or one whose triggers an
		// older binary put back, which do not keep it (their first days
		// are missing or out of date): the next migration walks them all.
		older := []string{"UPDATE current_scores SET status_since = CASE WHEN account_id = ? THEN NULL ELSE '2000-01-01' END",
			"DROP TRIGGER " + models.CurrentScoresSnapshotsTrigger,
			"CREATE TRIGGER " + models.CurrentScoresSnapshotsTrigger + " AFTER INSERT ON snapshots BEGIN SELECT 1; END",
			"UPDATE schema_state SET fingerprint = 'older'"}
		if s.Dialect() == models.DialectPostgres {
			older[1], older[2] = "SELECT 1", "CREATE OR REPLACE FUNCTION current_scores_snapshots_upsert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"
		}
		for _, q := range older {
			var args []any
			if strings.Contains(q, "?") {
				args = append(args, alpha)
			}
			if err := s.DB().Exec(q, args...).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		got := statusSinceGot(t, s)
		want := statusSinceWant(t, s)
		keys := make([]uint, 0, len(want))
		for id := range want {
			keys = append(keys, id)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, id := range keys {
			if !want[id].holds(got[id]) {
				t.Errorf("after the migration, account %d's status began %q, want %q", id, got[id], want[id])
			}
		}
	})
}

// TestStatusSinceBesideAConcurrentWriter: a write that walks while another
// transaction holds the account's current_scores row waits for it, then
// walks what that one committed: a day before the head turned Critical by
// the first shortens the head's run for the second too.
func TestStatusSinceBesideAConcurrentWriter(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if s.Dialect() != models.DialectPostgres {
			return // SQLite has one writer at a time
		}
		ctx := context.Background()
		seedFixture(t, s)
		var days []models.Snapshot
		for d := -5; d <= -1; d++ {
			sn := snap(alpha, d, 80)
			sn.Status = "Healthy"
			days = append(days, sn)
		}
		if err := s.SaveSnapshots(ctx, days); err != nil {
			t.Fatal(err)
		}
		first := s.DB().Begin()
		defer first.Rollback()
		if err := first.Exec("UPDATE snapshots SET status = 'Critical' WHERE account_id = ? AND day = ?", alpha, day(-3)).Error; err != nil {
			t.Fatal(err)
		}
		second := make(chan error, 1)
		go func() {
			second <- s.DB().Exec("UPDATE snapshots SET score = 81 WHERE account_id = ? AND day = ?", alpha, day(-4)).Error
		}()
		// The second waits for the first's lock on alpha's row.
		time.Sleep(300 * time.Millisecond)
		select {
		case err := <-second:
			t.Fatalf("the second write did not wait for the first: %v", err)
		default:
		}
		if err := first.Commit().Error; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		if got := statusSinceGot(t, s)[alpha]; got != day(-2) {
			t.Errorf("Healthy since %q after a concurrent write made %s Critical, want %q", got, day(-3), day(-2))
		}
	})
}
