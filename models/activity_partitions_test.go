package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"gorm.io/gorm"
)

// monthsActivity is activity of the rollup test accounts on the 10th and
// 20th of each of the months after first, with users that recur.
func monthsActivity(first time.Time, months int) []models.Activity {
	var rows []models.Activity
	for m := 0; m < months; m++ {
		for _, d := range []int{9, 19} {
			day := first.AddDate(0, m, d).Format(models.DayLayout)
			for a := 1; a <= rollupAccounts; a++ {
				for u := 0; u < 3; u++ {
					rows = append(rows, models.Activity{AccountID: uint(a), Day: day, UserID: fmt.Sprintf("u%d", (m+u)%5), Feature: []string{"", "reports"}[u%2]})
				}
			}
		}
	}
	return rows
}

// TestActivityPartitionsAndRetention writes activity over five months,
// checks that PostgreSQL keeps it in month tables, then prunes it with a
// cut in the fourth month: whole months before it go (PostgreSQL; SQLite
// deletes the days before the cut itself), the rest stays, and the
// rollups match what is left and keep following new writes.
func TestActivityPartitionsAndRetention(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		createRollupAccounts(t, s, rollupAccounts)
		first := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
		if err := s.WithBulkTx(ctx, func(tx *models.Store) error {
			_, err := tx.InsertActivity(ctx, monthsActivity(first, 5))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, s, "five months")
		pg := s.Dialect() == models.DialectPostgres
		if pg {
			// The migration made the months of the clock (this year's),
			// not 2025-11..2026-03: those rows went to the default
			// partition; maintenance moves them into their own months.
			if _, err := s.MaintainActivity(ctx, first.AddDate(0, 4, 0), 0); err != nil {
				t.Fatal(err)
			}
			rows := rollupRows(t, s, "SELECT c.relname, '', '', '' FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('activities') AND c.relname IN ('activities_2025_11', 'activities_2026_03', 'activities_2026_05')")
			if len(rows) != 3 {
				t.Fatalf("month tables %v, want 2025_11, 2026_03 and 2026_05", rows)
			}
			var inDefault int64
			if err := s.DB().Raw("SELECT COUNT(*) FROM activities_default WHERE day >= '2025-11-01'").Scan(&inDefault).Error; err != nil || inDefault != 0 {
				t.Fatalf("default partition holds %d rows of covered months (%v)", inDefault, err)
			}
			checkRollups(t, s, "months moved out of the default partition")
		}
		cut := time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)
		got, err := s.PruneActivity(ctx, cut)
		if err != nil {
			t.Fatal(err)
		}
		var lo string
		if err := s.DB().Raw("SELECT MIN(day) FROM activities").Scan(&lo).Error; err != nil {
			t.Fatal(err)
		}
		want := "2026-02-20" // SQLite: the days before the cut
		if pg {
			want = "2026-02-10" // whole months before the cut's month
			if len(got.Dropped) != 3 || got.Before != "2026-02-01" {
				t.Errorf("pruned %+v, want 2025_11..2026_01 dropped before 2026-02-01", got)
			}
		}
		if lo != want {
			t.Errorf("earliest day left %s, want %s (%+v)", lo, want, got)
		}
		checkRollups(t, s, "pruned")
		if err := s.WithBulkTx(ctx, func(tx *models.Store) error {
			_, err := tx.InsertActivity(ctx, monthsActivity(first.AddDate(0, 4, 0), 2))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, s, "written after pruning")
	})
}

// TestMigrationPartitionsActivityInPlace turns a database whose
// activities is one plain table (as before partitioning) into the
// partitioned one by migrating it again: the rows, the rollups and the
// triggers that keep them all survive.
func TestMigrationPartitionsActivityInPlace(t *testing.T) {
	// PostgreSQL only: SQLite keeps one activities table.
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	createRollupAccounts(t, s, rollupAccounts)
	db := s.DB()
	execAll(t, db,
		"DROP TABLE activities",
		`CREATE TABLE activities (account_id bigint NOT NULL, day varchar(10) NOT NULL, user_id varchar(128) NOT NULL,
			feature varchar(128) NOT NULL, PRIMARY KEY (account_id, day, user_id, feature))`,
		"CREATE INDEX activity_feature_day ON activities (feature, day)",
	)
	if err := s.Migrate(ctx); err != nil { // the rollup triggers, on the plain table
		t.Fatal(err)
	}
	// Migrate partitioned it already; undo that to start from a plain table with rows.
	var kind string
	if err := db.Raw("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('activities')").Scan(&kind).Error; err != nil || kind != "p" {
		t.Fatalf("after Migrate: relkind %q (%v), want p", kind, err)
	}
	rows := monthsActivity(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 3)
	if _, err := s.InsertActivity(ctx, rows); err != nil {
		t.Fatal(err)
	}
	execAll(t, db,
		"CREATE TABLE activities_plain AS SELECT * FROM activities",
		"DROP TABLE activities",
		"ALTER TABLE activities_plain RENAME TO activities",
		"ALTER TABLE activities ADD PRIMARY KEY (account_id, day, user_id, feature)",
		"CREATE INDEX activity_feature_day ON activities (feature, day)",
	)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Raw("SELECT COUNT(*) FROM activities_2026_02").Scan(&n).Error; err != nil || n != int64(len(rows)/3) {
		t.Fatalf("activities_2026_02 holds %d rows (%v), want %d", n, err, len(rows)/3)
	}
	checkRollups(t, s, "migrated")
	if _, err := s.InsertActivity(ctx, monthsActivity(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 2)); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, s, "written after the migration")
}

// TestMigrationPartitionsSnapshotsInPlace turns a database whose
// snapshots is one plain table (as before partitioning) into the
// partitioned one by migrating it again: the rows keep their ids, the
// sequence goes on from where it was, current_scores is left as it was
// and its triggers follow the new table; a month written before its
// table existed is moved out of the default partition by the daily
// maintenance.
func TestMigrationPartitionsSnapshotsInPlace(t *testing.T) {
	// PostgreSQL only: SQLite keeps one snapshots table.
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	seedFixture(t, s)
	db := s.DB()
	var kind string
	if err := db.Raw("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('snapshots')").Scan(&kind).Error; err != nil || kind != "p" {
		t.Fatalf("after Migrate: relkind %q (%v), want p", kind, err)
	}
	if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, -70, 10), snap(alpha, -35, 20), snap(alpha, -1, 30), snap(beta, -40, 40)}); err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, AccountID uint
		Day           string
		Score         int
	}
	read := func() []row {
		t.Helper()
		var rows []row
		if err := db.Raw("SELECT id, account_id, day, score FROM snapshots ORDER BY id").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before, current := read(), currentScores(t, s)
	execAll(t, db,
		"CREATE TABLE snapshots_plain AS SELECT * FROM snapshots",
		"ALTER SEQUENCE snapshots_id_seq OWNED BY NONE",
		"DROP TABLE snapshots",
		"ALTER TABLE snapshots_plain RENAME TO snapshots",
		"ALTER TABLE snapshots ADD PRIMARY KEY (id)",
		"ALTER TABLE snapshots ALTER COLUMN id SET DEFAULT nextval('snapshots_id_seq')",
		"ALTER SEQUENCE snapshots_id_seq OWNED BY snapshots.id",
		"CREATE UNIQUE INDEX snapshot_day ON snapshots (account_id, day)",
		"CREATE INDEX snapshot_by_day ON snapshots (day)",
	)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Raw("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('snapshots')").Scan(&kind).Error; err != nil || kind != "p" {
		t.Fatalf("after the migration: relkind %q (%v), want p", kind, err)
	}
	if after := read(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("rows after the migration %v, want %v", after, before)
	}
	var n int64
	month := asOf.AddDate(0, 0, -35)
	table := fmt.Sprintf("snapshots_%04d_%02d", month.Year(), int(month.Month()))
	if err := db.Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error; err != nil || n != 2 {
		t.Fatalf("%s holds %d rows (%v), want alpha's and beta's", table, n, err)
	}
	if got := currentScores(t, s); fmt.Sprint(got) != fmt.Sprint(current) {
		t.Errorf("current scores after the migration %v, want %v", got, current)
	}
	// New rows draw ids after the old ones and reach current_scores.
	if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(beta, 0, 50)}); err != nil {
		t.Fatal(err)
	}
	rows := read()
	if last := rows[len(rows)-1]; last.AccountID != beta || last.ID <= before[len(before)-1].ID {
		t.Errorf("new snapshot %+v, want beta's with an id after %d", last, before[len(before)-1].ID)
	}
	current[beta] = day(0) + " 50"
	if got := currentScores(t, s); fmt.Sprint(got) != fmt.Sprint(current) {
		t.Errorf("current scores after a new snapshot %v, want %v", got, current)
	}
	// A month no table covers goes to the default partition, and the
	// daily maintenance gives it its table.
	far := time.Date(2031, 1, 15, 0, 0, 0, 0, time.UTC)
	farSnap := snap(gamma, 0, 60)
	farSnap.Day = far.Format(models.DayLayout)
	if err := s.SaveSnapshots(ctx, []models.Snapshot{farSnap}); err != nil {
		t.Fatal(err)
	}
	made, err := s.MaintainSnapshots(ctx, far)
	if err != nil || made != 3 {
		t.Fatalf("maintenance made %d month tables (%v), want 2031-01..03", made, err)
	}
	if err := db.Raw("SELECT COUNT(*) FROM snapshots_2031_01").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("snapshots_2031_01 holds %d rows (%v), want gamma's", n, err)
	}
	if err := db.Raw("SELECT COUNT(*) FROM snapshots_default").Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("snapshots_default holds %d rows (%v), want none", n, err)
	}
	current[gamma] = farSnap.Day + " 60"
	if got := currentScores(t, s); fmt.Sprint(got) != fmt.Sprint(current) {
		t.Errorf("current scores after the move %v, want %v", got, current)
	}
}

// execAll runs each statement on db in turn, failing the test at the
// first error.
func execAll(t *testing.T, db *gorm.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
