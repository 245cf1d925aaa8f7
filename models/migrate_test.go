package models_test

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

type fpV1 struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"size:64"`
}

type fpV2 struct { // fpV1 with one more field
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"size:64"`
	Note string
}

type fpV3 struct { // fpV1 with one more index
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"size:64;index"`
}

// The fingerprint follows the models: a field, a tag or a step more
// changes it; the same models give the same one.
func TestSchemaFingerprint(t *testing.T) {
	base := models.FingerprintOf([]any{&fpV1{}}, nil)
	if again := models.FingerprintOf([]any{&fpV1{}}, nil); again != base {
		t.Fatal("same models, different fingerprints")
	}
	for name, fp := range map[string]string{
		"field": models.FingerprintOf([]any{&fpV2{}}, nil),
		"index": models.FingerprintOf([]any{&fpV3{}}, nil),
		"step":  models.FingerprintOf([]any{&fpV1{}}, []string{"drop index x"}),
		"model": models.FingerprintOf([]any{&fpV1{}, &models.CSM{}}, nil),
	} {
		if fp == base {
			t.Errorf("a new %s leaves the fingerprint unchanged", name)
		}
	}
	if len(models.SchemaFingerprint) != 64 {
		t.Errorf("schema fingerprint %q", models.SchemaFingerprint)
	}
}

// Opening a database already at this binary's models costs one query and
// no lock; a changed fingerprint (an upgrade) migrates again.
func TestOpenSkipsMigrationWhenUpToDate(t *testing.T) {
	modelstest.ForEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		open := func() (*models.Store, int) {
			t.Helper()
			var s *models.Store
			n, err := models.CountQueries(ctx, func(ctx context.Context) error {
				var err error
				s, err = models.Open(ctx, dsn, time.UTC)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s, n
		}
		first, fresh := open()
		_, again := open()
		if again != 1 || fresh <= again {
			t.Errorf("Open: %d statements on a fresh database, %d on a migrated one; want 1 on a migrated one", fresh, again)
		}
		// An older binary's fingerprint: the next Open migrates and stores ours.
		if err := first.DB().Exec("UPDATE schema_state SET fingerprint = 'older'").Error; err != nil {
			t.Fatal(err)
		}
		if _, n := open(); n <= 1 {
			t.Errorf("Open after an upgrade: %d statements, want a migration", n)
		}
		var fp string
		if err := first.DB().Raw("SELECT fingerprint FROM schema_state WHERE id = 1").Scan(&fp).Error; err != nil || fp != models.SchemaFingerprint {
			t.Errorf("stored fingerprint %q (%v), want %q", fp, err, models.SchemaFingerprint)
		}
		if err := first.Ready(ctx); err != nil {
			t.Error(err)
		}
	})
}

// The migration lock is per schema: holding schema A's does not hold
// schema B's, so tests with a schema each migrate side by side.
func TestMigrationLockIsPerSchema(t *testing.T) {
	a, b := modelstest.PostgresDSN(t), modelstest.PostgresDSN(t)
	ctx := context.Background()
	conn := func(dsn string) *sql.Conn {
		t.Helper()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	holder := conn(a)
	if _, err := holder.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", models.MigrationLockClass); err != nil {
		t.Fatal(err)
	}
	try := func(dsn string) bool {
		t.Helper()
		c := conn(dsn)
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		var ok bool
		if err := tx.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema()))", models.MigrationLockClass).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if try(a) {
		t.Error("schema A's migration lock taken twice")
	}
	if !try(b) {
		t.Error("schema B's migration lock held by schema A's migration")
	}
	// And a whole Open of schema B completes while A's lock is held.
	s, err := models.Open(ctx, b, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
}

// An older schema upgrades in place: snapshots gain profile and
// model_version (its rows read "" and keep their scores), the metrics
// table appears, and a binary that does not know the new columns can
// still write snapshots (their defaults fill them); current_scores is
// created and filled.
func TestMigrationAddsModelColumnsInPlace(t *testing.T) {
	modelstest.ForEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openDSN(t, dsn)
		db := s.DB()
		// Before current_scores: no table, no triggers keeping it.
		pg := s.Dialect() == models.DialectPostgres
		for _, table := range []string{"accounts", "snapshots"} {
			for _, event := range []string{"insert", "update", "delete", "truncate"} {
				q := "DROP TRIGGER current_scores_" + table + "_" + event
				if pg {
					q += " ON " + table
				} else if event == "truncate" {
					continue
				}
				if err := db.Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		s2 := execThenReopen(t, s, dsn,
			"DROP TABLE current_scores",
			"DROP TABLE metrics",
			"ALTER TABLE snapshots DROP COLUMN profile",
			"ALTER TABLE snapshots DROP COLUMN model_version",
			"UPDATE schema_state SET fingerprint = 'older'",
			"INSERT INTO accounts (external_id, name, slug) VALUES ('a', 'A', 'a')",
			"INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details) VALUES (1, '2025-06-29', true, 71, 71, 'Stable', '{\"usage\":67}', '')",
		)
		// What an older binary writes: no profile, no version.
		if err := s2.DB().Exec("INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details) VALUES (1, '2025-06-30', true, 72, 72, 'Stable', '{}', '')").Error; err != nil {
			t.Fatalf("an older binary's insert: %v", err)
		}
		hist, err := s2.History(ctx, 1, asOf.AddDate(0, 0, -1), asOf)
		if err != nil || len(hist) != 2 || hist[0].Score != 71 || hist[0].Profile != "" || hist[1].ModelVersion != "" {
			t.Fatalf("history after the upgrade: %+v, %v", hist, err)
		}
		if _, err := s2.UpsertMetrics(ctx, []models.Metric{{AccountID: 1, Name: "seats_active", Day: "2025-06-30", Value: 3}}); err != nil {
			t.Errorf("metrics after the upgrade: %v", err)
		}
		prev, err := s2.PreviousSnapshots(ctx, asOf.AddDate(0, 0, 1), nil)
		if err != nil || prev[1].Score != 72 || prev[1].Profile != "" {
			t.Errorf("previous snapshots after the upgrade: %+v, %v", prev, err)
		}
		// current_scores was created and backfilled, and its triggers took
		// the older binary's insert.
		if got := currentScores(t, s2); !reflect.DeepEqual(got, map[uint]string{1: "2025-06-30 72"}) {
			t.Errorf("current scores after the upgrade = %v, want account 1 at 2025-06-30, 72", got)
		}
	})
}
