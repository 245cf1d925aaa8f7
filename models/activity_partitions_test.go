package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
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
	for _, q := range []string{
		"DROP TABLE activities",
		`CREATE TABLE activities (account_id bigint NOT NULL, day varchar(10) NOT NULL, user_id varchar(128) NOT NULL,
			feature varchar(128) NOT NULL, PRIMARY KEY (account_id, day, user_id, feature))`,
		"CREATE INDEX activity_feature_day ON activities (feature, day)",
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
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
	for _, q := range []string{
		"CREATE TABLE activities_plain AS SELECT * FROM activities",
		"DROP TABLE activities",
		"ALTER TABLE activities_plain RENAME TO activities",
		"ALTER TABLE activities ADD PRIMARY KEY (account_id, day, user_id, feature)",
		"CREATE INDEX activity_feature_day ON activities (feature, day)",
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
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
