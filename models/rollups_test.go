package models_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// rollupAccounts is how many accounts the rollup tests write activity for.
const rollupAccounts = 6

// createRollupAccounts stores accounts 1 to n, which the rollup tests
// write activity for.
func createRollupAccounts(t *testing.T, s *models.Store, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		mustCreate(t, s, &models.Account{ExternalID: fmt.Sprintf("r%d", i), Name: "R", Slug: fmt.Sprintf("r%d", i)})
	}
}

// randomActivity returns n activity rows of the rollup test accounts, some
// of them repeats, dated from T-40 to T+3, with an empty user and empty
// features among them.
func randomActivity(r *rand.Rand, n int) []models.Activity {
	users := []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", ""}
	features := []string{"", "reports", "export", "dash", "admin"}
	rows := make([]models.Activity, 0, n)
	for len(rows) < n {
		if len(rows) > 0 && r.IntN(10) == 0 {
			rows = append(rows, rows[r.IntN(len(rows))])
			continue
		}
		rows = append(rows, models.Activity{
			AccountID: uint(1 + r.IntN(rollupAccounts)),
			Day:       day(r.IntN(44) - 40),
			UserID:    users[r.IntN(len(users))],
			Feature:   features[r.IntN(len(features))],
		})
	}
	return rows
}

// rollupRows reads a query's rows as strings, for comparing tables.
func rollupRows(t *testing.T, s *models.Store, q string) []string {
	t.Helper()
	rows, err := s.DB().Raw(q).Rows()
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, c, d string
		if err := rows.Scan(&a, &b, &c, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, a+"|"+b+"|"+c+"|"+d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// checkRollups folds the queued activity (PostgreSQL), checks the queue
// is empty, and compares both rollup tables with a recount from
// activities.
func checkRollups(t *testing.T, s *models.Store, step string) {
	t.Helper()
	if _, err := s.FoldActivityRollups(context.Background(), 0); err != nil {
		t.Fatalf("after %s: %v", step, err)
	}
	var queued int64
	if err := s.DB().Raw("SELECT COUNT(*) FROM " + models.RollupQueueTable).Scan(&queued).Error; err != nil || queued != 0 {
		t.Fatalf("after %s: %d rows still queued after the fold (%v)", step, queued, err)
	}
	for _, c := range []struct{ table, got, want string }{
		{"activity_days",
			"SELECT day, account_id, users, '' FROM activity_days",
			"SELECT day, account_id, COUNT(DISTINCT user_id), '' FROM activities GROUP BY day, account_id"},
		{"activity_last",
			`SELECT account_id, kind, "key", last_day FROM activity_last`,
			`SELECT account_id, 'u', user_id, MAX(day) FROM activities GROUP BY account_id, user_id
			UNION ALL SELECT account_id, 'f', feature, MAX(day) FROM activities WHERE feature <> '' GROUP BY account_id, feature`},
	} {
		got, want := rollupRows(t, s, c.got), rollupRows(t, s, c.want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after %s: %s differs from a recount\n got %v\nwant %v", step, c.table, got, want)
		}
	}
}

// checkActivityPaths compares, for several as-of days around the activity,
// the rollup path with the raw path: the rollups give every account's
// figures except those of accounts with activity dated after the day,
// which they list (and decline altogether when more than MaxLaterDays
// days are after it). It also compares AllSignals with each account's
// Signals.
func checkActivityPaths(t *testing.T, s *models.Store, step string) {
	t.Helper()
	ctx := context.Background()
	short := scoring.Default()
	short.Windows.DAUDays, short.Windows.MAUDays, short.Windows.AdoptionDays = 1, 7, 3
	listed := scoring.Default()
	listed.ValueFeatures = []string{"reports", "dash", "nowhere"}
	for _, n := range []int{-41, -20, -1, 0, 1, 3, 5} {
		asOf := dayT(n)
		var laterDays int
		var wantLater []uint
		// The later days the rollups know of: those of folded rows.
		if err := s.DB().Raw(`SELECT COUNT(DISTINCT day) FROM (SELECT account_id, day, user_id, feature FROM activities
			EXCEPT SELECT account_id, day, user_id, feature FROM `+models.RollupQueueTable+`) f WHERE day > ?`, day(n)).Scan(&laterDays).Error; err != nil {
			t.Fatal(err)
		}
		// Accounts with queued activity are read from their raw rows too.
		if err := s.DB().Raw("SELECT account_id FROM activities WHERE day > ? UNION SELECT account_id FROM "+models.RollupQueueTable+" ORDER BY account_id",
			day(n)).Scan(&wantLater).Error; err != nil {
			t.Fatal(err)
		}
		for name, cfg := range map[string]scoring.Config{"default": scoring.Default(), "short windows": short, "listed features": listed} {
			raw, fast, later, declined, err := s.ActivityBothWays(ctx, cfg, *asOf)
			if err != nil {
				t.Fatal(err)
			}
			if wantDeclined := laterDays > models.MaxLaterDays; declined != wantDeclined {
				t.Errorf("after %s, as of %s, %s: declined %v, want %v (%d later days)", step, day(n), name, declined, wantDeclined, laterDays)
			}
			if declined {
				for id, f := range fast {
					if f != (models.ActivityFigures{}) {
						t.Errorf("after %s, as of %s, %s: declined rollups set account %d to %+v", step, day(n), name, id, f)
					}
				}
			} else {
				sort.Slice(later, func(i, j int) bool { return later[i] < later[j] })
				if fmt.Sprint(later) != fmt.Sprint(wantLater) {
					t.Errorf("after %s, as of %s, %s: rollups left accounts %v to the raw rows, want %v", step, day(n), name, later, wantLater)
				}
				isLater := map[uint]bool{}
				for _, id := range later {
					isLater[id] = true
				}
				for id := range raw {
					if !isLater[id] && fast[id] != raw[id] {
						t.Errorf("after %s, as of %s, %s, account %d: rollups %+v, raw rows %+v", step, day(n), name, id, fast[id], raw[id])
					}
				}
			}
			all := map[uint]scoring.Signals{}
			err = s.AllSignals(ctx, cfg, *asOf, func(sig scoring.Signals) error { all[sig.AccountID] = sig; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != rollupAccounts {
				t.Fatalf("AllSignals: %d accounts, want %d", len(all), rollupAccounts)
			}
			for id, sig := range all {
				one, err := s.Signals(ctx, cfg, id, *asOf)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(one, sig) {
					t.Errorf("after %s, as of %s, %s, account %d:\n   Signals %s\nAllSignals %s", step, day(n), name, id, show(one), show(sig))
				}
				if f := raw[id]; f != (models.ActivityFigures{sig.ActiveUserDays7, sig.MAU, sig.ValueFeaturesUsed30}) {
					t.Errorf("after %s, as of %s, %s, account %d: AllSignals %d/%d/%d, raw rows %+v", step, day(n), name, id,
						sig.ActiveUserDays7, sig.MAU, sig.ValueFeaturesUsed30, f)
				}
			}
		}
	}
}

// The rollups equal a recount of activities after every kind of write, by
// every writer: COPY and INSERT … ON CONFLICT through InsertActivity, gorm
// Create, DELETE, UPDATE and TRUNCATE; and the activity signals read from
// them equal those read from the raw rows.
func TestActivityRollupsFollowEveryWrite(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(7, 11))
		createRollupAccounts(t, s, rollupAccounts)
		checkRollups(t, s, "nothing")
		checkActivityPaths(t, s, "nothing")

		insert := func(step string, bulk bool, rows []models.Activity) {
			t.Helper()
			with := s.WithTx
			if bulk {
				with = s.WithBulkTx // COPY on PostgreSQL, until a stored row turns up
			}
			err := with(ctx, func(tx *models.Store) error {
				// Two calls, so the second can meet the first's rows.
				if _, err := tx.InsertActivity(ctx, rows[:len(rows)/2]); err != nil {
					return err
				}
				_, err := tx.InsertActivity(ctx, rows[len(rows)/2:])
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if step == "a bulk insert" {
				// Read before the fold: PostgreSQL queued the rows, and the
				// readers take the queued accounts from their raw rows.
				var n struct{ Queued, Stored int64 }
				if err := s.DB().Raw("SELECT (SELECT COUNT(*) FROM " + models.RollupQueueTable + ") AS queued, (SELECT COUNT(*) FROM activities) AS stored").
					Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				if s.Dialect() == models.DialectPostgres && (n.Queued == 0 || n.Queued != n.Stored) {
					t.Fatalf("%s: %d rows queued, want the %d stored", step, n.Queued, n.Stored)
				}
				checkActivityPaths(t, s, step+", queued")
			}
			checkRollups(t, s, step)
		}
		insert("a bulk insert", true, randomActivity(r, 300))
		checkActivityPaths(t, s, "a bulk insert")
		insert("an insert", false, randomActivity(r, 300))
		insert("a bulk insert of stored rows", true, randomActivity(r, 300))
		checkActivityPaths(t, s, "inserts")

		mustCreate(t, s, &models.Activity{AccountID: 1, Day: day(-50), UserID: "late", Feature: "reports"})
		var fresh []models.Activity
		seen := map[models.Activity]bool{}
		for _, a := range randomActivity(r, 40) {
			a.UserID += "-c"
			if !seen[a] {
				seen[a] = true
				fresh = append(fresh, a)
			}
		}
		mustCreate(t, s, &fresh)
		checkRollups(t, s, "gorm Create")

		db := s.DB()
		for _, q := range []struct {
			step string
			sql  string
			args []any
		}{
			{"deleting one user", "DELETE FROM activities WHERE user_id = ?", []any{"u3"}},
			{"deleting a feature of one account", "DELETE FROM activities WHERE account_id = ? AND feature = ?", []any{2, "reports"}},
			{"deleting the latest days", "DELETE FROM activities WHERE day > ?", []any{day(0)}},
			{"deleting one row", "DELETE FROM activities WHERE account_id = ? AND day = ? AND user_id = ? AND feature = ?",
				[]any{1, day(-50), "late", "reports"}},
			{"renaming users", "UPDATE activities SET user_id = user_id || 'x' WHERE account_id = ?", []any{3}},
			// One day at a time, so no two moved rows share a key.
			{"moving a day into the past", "UPDATE activities SET day = ? WHERE account_id = ? AND day = (SELECT MAX(day) FROM activities WHERE account_id = ?)",
				[]any{day(-60), 4, 4}},
			{"moving a user's day into the future", "UPDATE activities SET day = ? WHERE account_id = ? AND user_id = ? AND day = (SELECT MAX(day) FROM activities WHERE account_id = ? AND user_id = ?)",
				[]any{day(2), 5, "u1", 5, "u1"}},
			{"renaming a feature", "UPDATE activities SET feature = ? WHERE feature = ?", []any{"exports", "export"}},
		} {
			if err := db.Exec(q.sql, q.args...).Error; err != nil {
				t.Fatalf("%s: %v", q.step, err)
			}
			checkRollups(t, s, q.step)
		}
		checkActivityPaths(t, s, "deletes and updates")

		truncate := "TRUNCATE activities"
		if s.Dialect() == models.DialectSQLite {
			truncate = "DELETE FROM activities" // SQLite has no TRUNCATE; this is its truncate
		}
		if err := db.Exec(truncate).Error; err != nil {
			t.Fatal(err)
		}
		checkRollups(t, s, "truncate")
		var n int64
		if err := db.Raw("SELECT (SELECT COUNT(*) FROM activity_days) + (SELECT COUNT(*) FROM activity_last)").Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("after truncate: %d rollup rows (%v), want none", n, err)
		}
		checkActivityPaths(t, s, "truncate")
		insert("an insert after truncate", true, randomActivity(r, 100))
		checkActivityPaths(t, s, "an insert after truncate")
		if s.Dialect() == models.DialectPostgres {
			// One statement truncating activities and a rollup.
			if err := db.Exec("TRUNCATE activities, activity_last").Error; err != nil {
				t.Fatal(err)
			}
			checkRollups(t, s, "truncating activities and activity_last")
		}
	})
}

// The PostgreSQL insert trigger skips looking for uncertain user-days when
// every user of a statement was active on one day of it and had that day
// certified by raising the user's last day. Each statement here breaks that
// for one user only: a past day that is new or already held, a user whose
// last day is that day already, and a user active on two days of the
// statement whose only key was raised (as many certified days as users).
func TestActivityRollupsOneDayStatements(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		createRollupAccounts(t, s, rollupAccounts)
		rows := func(d int, users ...string) []models.Activity {
			var out []models.Activity
			for acct := 1; acct <= 3; acct++ {
				for _, u := range users {
					user, feature, _ := strings.Cut(u, "/")
					out = append(out, models.Activity{AccountID: uint(acct), Day: day(d), UserID: user, Feature: feature})
				}
			}
			return out
		}
		for _, c := range []struct {
			step string
			rows []models.Activity
		}{
			{"the first days", append(append(rows(0, "now/reports"), rows(2, "later/x")...), rows(-1, "past/reports")...)},
			{"a past day, new for one user and held for another", rows(-1, "later/reports", "past/export", "fresh/reports")},
			{"the last day again", rows(2, "now/dash", "later/dash")},
			{"a past day of users raised before", rows(1, "later/dash", "now/x")},
			{"two days of one new user", append(rows(3, "two/reports"), rows(4, "two/reports")...)},
			{"two days of one stored user", append(rows(-3, "past/x"), rows(5, "past/x")...)},
		} {
			for _, bulk := range []bool{false, true} {
				with := s.WithTx
				if bulk {
					with = s.WithBulkTx
				}
				err := with(ctx, func(tx *models.Store) error {
					_, err := tx.InsertActivity(ctx, c.rows)
					return err
				})
				if err != nil {
					t.Fatalf("%s (bulk %v): %v", c.step, bulk, err)
				}
				checkRollups(t, s, fmt.Sprintf("%s (bulk %v)", c.step, bulk))
				// The second round writes the same rows for other accounts.
				for i := range c.rows {
					c.rows[i].AccountID += 3
				}
			}
		}
	})
}

// Writers of the same accounts and days at once leave exact rollups: on
// PostgreSQL a statement's trigger waits for the rollup rows another open
// transaction touched, and recounts only after it committed (a recount
// from the statement's own snapshot would miss that transaction's rows).
// Each case holds one transaction open after its write while the other
// writes.
func TestActivityRollupsConcurrentWriters(t *testing.T) {
	days := func(user, feature string, from, to int) []models.Activity {
		var out []models.Activity
		for acct := 1; acct <= 3; acct++ {
			for d := from; d <= to; d++ {
				out = append(out, models.Activity{AccountID: uint(acct), Day: day(d), UserID: user, Feature: feature})
			}
		}
		return out
	}
	rows := func(user, feature string) []models.Activity { return days(user, feature, -2, 0) }
	insertDays := func(user, feature string, from, to int) func(ctx context.Context, tx *models.Store) error {
		return func(ctx context.Context, tx *models.Store) error {
			_, err := tx.InsertActivity(ctx, days(user, feature, from, to))
			return err
		}
	}
	insert := func(user, feature string) func(ctx context.Context, tx *models.Store) error {
		return insertDays(user, feature, -2, 0)
	}
	deleteUser := func(user string) func(ctx context.Context, tx *models.Store) error {
		return func(ctx context.Context, tx *models.Store) error {
			return tx.DB().WithContext(ctx).Exec("DELETE FROM activities WHERE user_id = ?", user).Error
		}
	}
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		// "late" was last active after the days written below, so its
		// rows on them are past days: their user-days are checked against
		// activities, under the key's lock, not told by its last day.
		var late []models.Activity
		for acct := 1; acct <= 3; acct++ {
			late = append(late, models.Activity{AccountID: uint(acct), Day: day(1), UserID: "late", Feature: "reports"})
		}
		if _, err := s.InsertActivity(ctx, append(append(rows("old", "reports"), rows("gone", "dash")...), late...)); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name          string
			first, second func(ctx context.Context, tx *models.Store) error
		}{
			{"insert, insert", insert("a", "reports"), insert("b", "export")},
			{"bulk insert, insert", insert("c", "reports"), insert("d", "reports")},
			{"insert, delete", insert("e", "admin"), deleteUser("gone")},
			{"delete, insert", deleteUser("a"), insert("f", "dash")},
			{"past days, past days", insert("late", "export"), insert("late", "admin")},
			// A user neither has stored: the second inserter's keys turn up
			// only when its upsert meets the first's, and it must neither
			// fail nor count the days twice; one day later, it raises them.
			{"new user, new user", insert("n", "reports"), insert("n", "dash")},
			{"new user, its next day", insert("m", "reports"), insertDays("m", "dash", 1, 1)},
		} {
			started := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				with := s.WithTx
				if c.name == "bulk insert, insert" {
					with = s.WithBulkTx
				}
				done <- with(ctx, func(tx *models.Store) error {
					err := c.first(ctx, tx)
					close(started)
					time.Sleep(300 * time.Millisecond) // commit only once the second writer is waiting
					return err
				})
			}()
			<-started
			if err := s.WithTx(ctx, func(tx *models.Store) error { return c.second(ctx, tx) }); err != nil {
				t.Fatalf("%s: second: %v", c.name, err)
			}
			if err := <-done; err != nil {
				t.Fatalf("%s: first: %v", c.name, err)
			}
			checkRollups(t, s, c.name)
		}
	})
}

// A database with activity from before the rollups gets them backfilled
// when it is next opened, and the rescore reads them.
func TestMigrationBackfillsActivityRollups(t *testing.T) {
	modelstest.ForEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := models.Open(ctx, dsn, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		// Back to a schema from before the rollups: no triggers, no
		// tables, an older fingerprint.
		drop := []string{"DROP TRIGGER activity_rollup_insert", "DROP TRIGGER activity_rollup_delete", "DROP TRIGGER activity_rollup_update"}
		if s.Dialect() == models.DialectPostgres {
			drop = []string{"DROP TRIGGER activity_rollup_insert ON activities", "DROP TRIGGER activity_rollup_delete ON activities",
				"DROP TRIGGER activity_rollup_update ON activities", "DROP TRIGGER activity_rollup_truncate ON activities"}
		}
		drop = append(drop, "DROP TABLE activity_days", "DROP TABLE activity_last", "UPDATE schema_state SET fingerprint = 'before rollups'")
		for _, q := range drop {
			if err := s.DB().Exec(q).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		createRollupAccounts(t, s, rollupAccounts)
		rows := randomActivity(rand.New(rand.NewPCG(3, 5)), 400)
		if _, err := s.InsertActivity(ctx, rows); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()

		s, err = models.Open(ctx, dsn, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		var n int64
		if err := s.DB().Raw("SELECT COUNT(*) FROM activity_last").Scan(&n).Error; err != nil || n == 0 {
			t.Fatalf("activity_last after migration: %d rows (%v), want a backfill", n, err)
		}
		checkRollups(t, s, "the backfill")
		checkActivityPaths(t, s, "the backfill")
		// and the triggers are back
		if _, err := s.InsertActivity(ctx, randomActivity(rand.New(rand.NewPCG(9, 9)), 100)); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, s, "an insert after the backfill")
	})
}

// AllSignals costs one query more, no more, as of a day with activity
// dated after it: the rollup query lists the accounts that have some, and
// their raw rows are read in one more.
func TestAllSignalsRawPathCostsOneQuery(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		createRollupAccounts(t, s, rollupAccounts)
		if _, err := s.InsertActivity(ctx, randomActivity(rand.New(rand.NewPCG(1, 2)), 100)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FoldActivityRollups(ctx, 0); err != nil { // else every account is read raw
			t.Fatal(err)
		}
		count := func(n int) int {
			got, err := models.CountQueries(ctx, func(ctx context.Context) error {
				return s.AllSignals(ctx, scoring.Default(), *dayT(n), func(scoring.Signals) error { return nil })
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		latest, past := count(3), count(0) // randomActivity reaches T+3
		if past != latest+1 {
			t.Errorf("AllSignals: %d queries as of the latest day, %d as of an earlier one; want one more", latest, past)
		}
		t.Logf("AllSignals: %d queries from the rollups, %d from the raw rows", latest, past)
	})
}

// The fold probes activities by index only: today's month table, found
// empty by an ANALYZE before the day began, was otherwise scanned whole
// once per uncertain user-day as it filled.
func TestActivityRollupTriggersProbeByIndex(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	var fn []struct{ Config, Src string }
	err := s.DB().Raw(`SELECT array_to_string(proconfig, ',') AS config, prosrc AS src FROM pg_proc
		WHERE proname = 'activity_rollup_fold' AND pronamespace = current_schema()::regnamespace`).Scan(&fn).Error
	if err != nil || len(fn) != 1 {
		t.Fatalf("fold function: %v, %v", fn, err)
	}
	for _, want := range []string{"enable_hashjoin=off", "enable_mergejoin=off"} {
		if !strings.Contains(fn[0].Config, want) {
			t.Errorf("function settings %q: want %s", fn[0].Config, want)
		}
	}
	// Sequential scans off for the probes of activities only (see
	// pgRollupFoldFn), and back as they were after them.
	off := strings.Index(fn[0].Src, "set_config('enable_seqscan', 'off', true)")
	probe := strings.Index(fn[0].Src, "FROM activities a WHERE")
	back := strings.Index(fn[0].Src, "set_config('enable_seqscan', seqscan, true)")
	if off < 0 || probe < off || back < probe {
		t.Errorf("the fold does not turn sequential scans off around its probes of activities, and only there:\n%s", fn[0].Src)
	}
}
