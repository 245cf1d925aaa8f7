package models_test

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// currentScores reads the heads of current_scores as account -> "day
// score", leaving out the accounts without one, after checking that the
// table has a row for every account, with the account's fields.
func currentScores(t *testing.T, s *models.Store) map[uint]string {
	t.Helper()
	var rows []models.CurrentScore
	if err := s.DB().Order("account_id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var accounts []models.Account
	if err := s.DB().Order("id").Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(accounts) {
		t.Errorf("current_scores has %d rows for %d accounts", len(rows), len(accounts))
	}
	out := map[uint]string{}
	for i, r := range rows {
		if i < len(accounts) {
			a := accounts[i]
			if r.AccountID != a.ID || r.MRRCents != a.MRRCents || deref(r.Owner) != a.Owner ||
				deref(r.RenewalOn) != deref(a.RenewalOn) || deref(r.ChurnedOn) != deref(a.ChurnedOn) {
				t.Errorf("current_scores row %+v does not carry account %+v's fields", r, a)
			}
		}
		if r.SnapshotID != nil {
			out[r.AccountID] = *r.Day + " " + itoa(*r.Score)
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCurrentScoresFollowSnapshots: every way a snapshot or an account is
// written or removed leaves current_scores holding a row per account with
// its fields and its latest snapshot's head, and a migration backfills it
// when it is empty.
func TestCurrentScoresFollowSnapshots(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		check := func(step string, want map[uint]string) {
			t.Helper()
			if got := currentScores(t, s); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: current scores = %v, want %v", step, got, want)
			}
		}
		save := func(snaps ...models.Snapshot) {
			t.Helper()
			if err := s.SaveSnapshots(ctx, snaps); err != nil {
				t.Fatal(err)
			}
		}
		// One statement with several days of one account: the newest wins.
		save(snap(alpha, -2, 50), snap(alpha, -1, 60), snap(beta, -5, 70), snap(gamma, -1, 10))
		want := map[uint]string{alpha: day(-1) + " 60", beta: day(-5) + " 70", gamma: day(-1) + " 10"}
		check("first save", want)

		save(snap(alpha, -1, 61)) // the same day rescored: updated in place
		want[alpha] = day(-1) + " 61"
		check("same day", want)

		save(snap(alpha, -3, 5), snap(beta, -9, 9)) // older days: no change
		check("older days", want)

		// A day rescored within a bulk transaction (the daily rescore's COPY
		// paths): a new day, then the same day again through the staging table.
		for _, score := range []int{40, 41} {
			err := s.WithBulkTx(ctx, func(tx *models.Store) error {
				return tx.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, 0, score), snap(beta, 0, score)})
			})
			if err != nil {
				t.Fatal(err)
			}
			want[alpha], want[beta] = day(0)+" "+itoa(score), day(0)+" "+itoa(score)
			check("bulk", want)
		}

		// Deleting the current snapshot falls back to the latest left;
		// deleting an account's last one removes its row.
		if err := s.DB().Exec("DELETE FROM snapshots WHERE account_id = ? AND day = ?", alpha, day(0)).Error; err != nil {
			t.Fatal(err)
		}
		want[alpha] = day(-1) + " 61"
		check("delete current", want)
		if err := s.DB().Exec("DELETE FROM snapshots WHERE account_id = ? AND day < ?", alpha, day(-1)).Error; err != nil {
			t.Fatal(err)
		}
		check("delete older", want)
		if err := s.DB().Exec("DELETE FROM snapshots WHERE account_id = ?", gamma).Error; err != nil {
			t.Fatal(err)
		}
		delete(want, gamma)
		check("delete all of one", want)

		// An emptied table is backfilled by the next migration.
		if err := s.DB().Exec("DELETE FROM current_scores").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check("backfilled", want)
		var heads []models.CurrentScore
		if err := s.DB().Where("account_id = ?", alpha).Find(&heads).Error; err != nil || len(heads) != 1 {
			t.Fatalf("alpha's current score: %v, %v", heads, err)
		}
		if h := heads[0]; *h.Status != "Stable" || !*h.Known || *h.Computed != 61 || *h.SnapshotID == 0 || h.UpdatedAt.IsZero() {
			t.Errorf("alpha's current score = %+v, want its snapshot's head", h)
		}

		// One statement's snapshots of an account whose row is missing
		// (written while the triggers were off) and of one whose row is
		// there: the first gets a row with its account's fields, the
		// second its head updated.
		if err := s.DB().Exec("DELETE FROM current_scores WHERE account_id = ?", alpha).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, 1, 62), snap(beta, 1, 33)}); err != nil {
			t.Fatal(err)
		}
		want[alpha], want[beta] = day(1)+" 62", day(1)+" 33"
		check("a missing row", want)

		// The account half follows the accounts: an update, a new
		// account (no head yet), a deleted one.
		for _, q := range []string{
			"UPDATE accounts SET owner = 'kim', mrr_cents = 120000, renewal_on = '2025-09-01' WHERE slug = 'alpha'",
			"UPDATE accounts SET churned_on = '2025-06-01', owner = NULL WHERE slug IN ('beta', 'eps')",
			"INSERT INTO accounts (external_id, name, slug) VALUES ('z', 'Zeta', 'zeta')",
			"DELETE FROM snapshots WHERE account_id = (SELECT id FROM accounts WHERE slug = 'delta')",
			"DELETE FROM accounts WHERE slug = 'delta'",
		} {
			if err := s.DB().Exec(q).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		check("accounts changed", want)

		if s.Dialect() == models.DialectPostgres {
			if err := s.DB().Exec("TRUNCATE snapshots").Error; err != nil {
				t.Fatal(err)
			}
			check("truncate", map[uint]string{})
		}
	})
}

// TestScorePageCurrentAndSearched: a list read from current_scores is the
// list found by searching the snapshots (taken when a snapshot is dated
// after the day asked about), stats and rows alike, and so are the heads
// of LatestSnapshotHeads.
func TestScorePageCurrentAndSearched(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		low := snap(beta, -6, 20)
		low.Status, low.Known = "At risk", true
		unknown := snap(delta, -1, 0)
		unknown.Known, unknown.Status = false, "No data"
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, -1, 60), snap(alpha, 0, 44), low, unknown, snap(gamma, -1, 10)}); err != nil {
			t.Fatal(err)
		}
		type page struct {
			Rows     []string
			Stats    models.ScoreStats
			Unscored []uint
		}
		readPage := func(limit int, money bool) page {
			t.Helper()
			rows, st, unscored, err := s.ScorePage(ctx, asOf, models.ScoreFilter{}, limit, money)
			if err != nil {
				t.Fatal(err)
			}
			p := page{Stats: st, Unscored: unscored}
			for _, r := range rows {
				p.Rows = append(p.Rows, r.Account.Slug+" "+r.Head.Day+" "+itoa(r.Head.Score)+" "+r.Head.Status)
			}
			sort.Strings(p.Rows) // in no order: the caller ranks them
			return p
		}
		read := func() page { return readPage(2, true) }
		// Ranked without MRR, alpha and beta tie on 44: a list of one keeps
		// every row tied with the last.
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(beta, 0, 44)}); err != nil {
			t.Fatal(err)
		}
		tiedCurrent := readPage(1, false)
		if len(tiedCurrent.Rows) != 2 {
			t.Errorf("list of 1 with a tie at the limit = %v, want alpha and beta", tiedCurrent.Rows)
		}
		if err := s.DB().Exec("DELETE FROM snapshots WHERE account_id = ? AND day = ?", beta, day(0)).Error; err != nil {
			t.Fatal(err)
		}
		current := read()
		heads, err := s.LatestSnapshotHeads(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"alpha " + day(0) + " 44 Stable", "beta " + day(-6) + " 20 At risk"}
		if !reflect.DeepEqual(current.Rows, want) || current.Stats.Stale != 2 || current.Stats.Oldest != day(-6) ||
			current.Stats.Count["Stable"] != 1 || current.Stats.Count["At risk"] != 1 || len(current.Unscored) != 1 {
			t.Errorf("list from current scores = %+v, want rows %v, 2 stale since %s, eps unscored", current, want, day(-6))
		}
		// A snapshot ahead of the day: the snapshots are searched instead.
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, 3, 1)}); err != nil {
			t.Fatal(err)
		}
		if searched := read(); !reflect.DeepEqual(searched, current) {
			t.Errorf("searched list = %+v\nwant the current one %+v", searched, current)
		}
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(beta, 0, 44)}); err != nil {
			t.Fatal(err)
		}
		if tiedSearched := readPage(1, false); !reflect.DeepEqual(tiedSearched.Rows, tiedCurrent.Rows) {
			t.Errorf("searched list with a tie = %v, want the current one %v", tiedSearched.Rows, tiedCurrent.Rows)
		}
		if err := s.DB().Exec("DELETE FROM snapshots WHERE account_id = ? AND day = ?", beta, day(0)).Error; err != nil {
			t.Fatal(err)
		}
		// LatestSnapshotHeads likewise: from current_scores, then searched.
		searched, err := s.LatestSnapshotHeads(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []map[uint]models.Snapshot{heads, searched} {
			for id, h := range m {
				h.UpdatedAt = h.UpdatedAt.UTC() // the same instant, read by two drivers' paths
				m[id] = h
			}
		}
		if len(heads) != 3 || !reflect.DeepEqual(heads, searched) {
			t.Errorf("heads from current scores = %+v\nsearched = %+v", heads, searched)
		}
	})
}

// TestPreviousHeadsFromCurrentScores: on a new day the daily rescore's
// previous heads come from current_scores, and equal what a search of the
// snapshots gives (which it falls back to once a snapshot is dated on or
// after the day).
func TestPreviousHeadsFromCurrentScores(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		unknown := snap(delta, -1, 0)
		unknown.Known, unknown.Status = false, "No data"
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, -2, 60), snap(alpha, -1, 44), snap(beta, -6, 20), unknown}); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Exec("UPDATE accounts SET churned_on = ? WHERE id = ?", day(-3), beta).Error; err != nil {
			t.Fatal(err)
		}
		heads := func() map[uint]models.Snapshot {
			t.Helper()
			m, err := s.PreviousSnapshotHeads(ctx, asOf)
			if err != nil {
				t.Fatal(err)
			}
			for id, h := range m {
				h.UpdatedAt = h.UpdatedAt.UTC() // the same instant, read by two drivers' paths
				m[id] = h
			}
			return m
		}
		current := heads()
		if len(current) != 3 || current[alpha].Score != 44 || current[alpha].Day != day(-1) || current[beta].Day != day(-6) ||
			current[delta].Known || current[alpha].ID == 0 {
			t.Errorf("previous heads from current scores = %+v, want alpha's of %s, beta's (churned since) and delta's unknown", current, day(-1))
		}
		// Today's first write: the snapshots are searched from now on.
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(gamma, 0, 70)}); err != nil {
			t.Fatal(err)
		}
		if searched := heads(); !reflect.DeepEqual(searched, current) {
			t.Errorf("searched previous heads = %+v\nwant those from current scores %+v", searched, current)
		}
	})
}

// A database migrated by the first version of current_scores (heads only,
// triggers named current_scores_insert and so on) is repaired by the next
// migration: those triggers dropped, the table refilled with account fields.
func TestCurrentScoresFirstVersionUpgraded(t *testing.T) {
	modelstest.ForEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openDSN(t, dsn)
		seedFixture(t, s)
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, -1, 60), snap(beta, -2, 70)}); err != nil {
			t.Fatal(err)
		}
		db := s.DB()
		if err := db.Exec("UPDATE accounts SET owner = 'kim', mrr_cents = 5000, renewal_on = '2025-09-01' WHERE slug = 'alpha'").Error; err != nil {
			t.Fatal(err)
		}
		stmts := []string{"CREATE TRIGGER current_scores_insert AFTER INSERT ON snapshots BEGIN UPDATE current_scores SET owner = NULL; END"}
		if s.Dialect() == models.DialectPostgres {
			stmts = []string{
				"CREATE FUNCTION current_scores_upsert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE current_scores SET owner = NULL; RETURN NULL; END $$",
				"CREATE TRIGGER current_scores_insert AFTER INSERT ON snapshots FOR EACH STATEMENT EXECUTE FUNCTION current_scores_upsert()",
			}
		}
		stmts = append(stmts, "UPDATE current_scores SET owner = NULL, mrr_cents = 0, renewal_on = NULL", "UPDATE schema_state SET fingerprint = 'older'")
		s2 := execThenReopen(t, s, dsn, stmts...)
		if err := s2.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, 0, 61)}); err != nil {
			t.Fatal(err)
		}
		// currentScores checks every row's account fields against accounts.
		want := map[uint]string{alpha: day(0) + " 61", beta: day(-2) + " 70"}
		if got := currentScores(t, s2); !reflect.DeepEqual(got, want) {
			t.Errorf("current scores after the upgrade = %v, want %v", got, want)
		}
	})
}

// execThenReopen runs stmts on s's database, failing the test at the first
// error, then opens dsn again (closed when the test ends): what the next
// start of the binary finds.
func execThenReopen(t *testing.T, s *models.Store, dsn string, stmts ...string) *models.Store {
	t.Helper()
	for _, q := range stmts {
		if err := s.DB().Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return openDSN(t, dsn)
}

// openDSN opens a Store on dsn, closed when the test ends.
func openDSN(t *testing.T, dsn string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), dsn, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestCurrentScoresStorage: on PostgreSQL current_scores keeps free space
// for the daily rescore's HOT updates and is scanned without parallel
// workers, whose start cost the lists more than the scan itself.
func TestCurrentScoresStorage(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	var opts []string
	err := s.DB().Raw("SELECT unnest(reloptions) FROM pg_class WHERE oid = 'current_scores'::regclass").Scan(&opts).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fillfactor=50", "parallel_workers=0"} {
		if !slices.Contains(opts, want) {
			t.Errorf("current_scores options %v, want %s among them", opts, want)
		}
	}
}
