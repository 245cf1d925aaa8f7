package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SchemaVersion is the migration level this binary writes and requires;
// bump it when a migration step is added below.
const SchemaVersion = 1

// migrationLockClass is the first key of the PostgreSQL advisory lock that
// serialises migrations ("hbot" in ASCII); the second is a hash of the
// current schema's name, so processes migrating different schemas of one
// database (tests, one schema per tenant) do not wait for each other.
const migrationLockClass = 0x68626f74

// lockMigrationsSQL takes the transaction-scoped lock of the current schema.
const lockMigrationsSQL = "SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))"

// schemaMigration records that a version's migrations completed.
type schemaMigration struct {
	Version   int64 `gorm:"primaryKey;autoIncrement:false"`
	AppliedAt time.Time
}

// TableName keeps the conventional name.
func (schemaMigration) TableName() string { return "schema_migrations" }

// schemaState holds the fingerprint of the models the schema was last
// migrated to (one row, ID 1): a start-up whose models have the same
// fingerprint has nothing to migrate and skips it.
type schemaState struct {
	ID          int    `gorm:"primaryKey;autoIncrement:false"`
	Fingerprint string `gorm:"size:64;not null"`
	MigratedAt  time.Time
}

// TableName names the table "schema_state".
func (schemaState) TableName() string { return "schema_state" }

// Migrate applies the whole schema again, whatever the stored fingerprint
// says: the `healthbot migrate` command, to repair a schema changed by
// hand. Open migrates only when the models changed.
func (s *Store) Migrate(ctx context.Context) error { return s.migrateLocked(ctx, true) }

// migrate brings the schema to this binary's models. When the stored
// fingerprint already matches (every start but the first after an
// upgrade) it costs one query and takes no lock.
func (s *Store) migrate(ctx context.Context) error {
	var stored []string
	// An error here (no schema_state table yet) just means "migrate".
	if err := s.db.WithContext(ctx).Raw("SELECT fingerprint FROM schema_state WHERE id = 1").Scan(&stored).Error; err == nil &&
		len(stored) == 1 && stored[0] == schemaFingerprint {
		return nil
	}
	return s.migrateLocked(ctx, false)
}

// migrateLocked is idempotent and runs in one transaction, so two
// processes starting together take turns: PostgreSQL holds a
// transaction-scoped advisory lock keyed by the current schema on that one
// connection (DDL is transactional there, and the lock cannot leak into the
// pool as a session lock could if its unlock failed); SQLite's BEGIN
// IMMEDIATE (_txlock) takes the write lock, and the other process waits for
// it through busy_timeout. Unless force, the fingerprint is checked again
// under the lock: the process that waited finds the work done.
func (s *Store) migrateLocked(ctx context.Context, force bool) error {
	var backfilled []string
	err := s.transaction(ctx, s.db.WithContext(ctx), laneChat, func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec(lockMigrationsSQL, migrationLockClass).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if !force && tx.Migrator().HasTable(&schemaState{}) {
			var stored []string
			if err := tx.Model(&schemaState{}).Where("id = 1").Pluck("fingerprint", &stored).Error; err != nil {
				return err
			}
			if len(stored) == 1 && stored[0] == schemaFingerprint {
				return nil
			}
		}
		var err error
		backfilled, err = applyMigrations(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(backfilled) > 0 && s.dialect == DialectPostgres {
		// A backfill (or a table's rows moved into month tables) leaves
		// pages not yet all-visible, so the rescore's index-only scans
		// would visit the heap until autovacuum came by, and
		// current_scores without statistics.
		// VACUUM cannot run in the transaction.
		if err := s.db.WithContext(ctx).Exec("VACUUM (ANALYZE) " + strings.Join(backfilled, ", ")).Error; err != nil {
			return fmt.Errorf("migrate: vacuum backfilled tables: %w", err)
		}
	}
	return nil
}

// applyMigrations brings the schema to SchemaVersion and the models of
// this binary, and records both. It returns the tables it backfilled (the
// activity rollups, current_scores) or partitioned (activities, snapshots).
func applyMigrations(db *gorm.DB) (backfilled []string, err error) {
	if err := db.AutoMigrate(&schemaMigration{}, &schemaState{}); err != nil {
		return nil, err
	}
	if err := db.AutoMigrate(AllModels()...); err != nil {
		return nil, err
	}
	if err := dropObsoleteIndexes(db); err != nil {
		return nil, err
	}
	for _, t := range []monthTable{activityMonths, snapshotMonths} {
		moved, err := partitionMonthly(db, t, time.Now().UTC())
		if err != nil {
			return nil, err
		}
		if moved {
			backfilled = append(backfilled, t.name)
		}
	}
	if err := coverSnapshotDay(db); err != nil {
		return nil, err
	}
	rollups, err := ensureActivityRollups(db)
	if err != nil {
		return nil, err
	}
	if rollups {
		backfilled = append(backfilled, "activity_days", "activity_last")
	}
	current, err := ensureCurrentScores(db)
	if err != nil {
		return nil, err
	}
	if current {
		backfilled = append(backfilled, "current_scores")
	}
	for _, q := range append(auditGuardDDL(db.Dialector.Name()), auditAccountsIndexDDL(db.Dialector.Name())...) {
		if err := db.Exec(q).Error; err != nil {
			return nil, fmt.Errorf("audit trail tables: %w", err)
		}
	}
	var n int64
	if err := db.Model(&schemaMigration{}).Where("version = ?", SchemaVersion).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		if err := db.Create(&schemaMigration{Version: SchemaVersion, AppliedAt: time.Now().UTC()}).Error; err != nil {
			return nil, err
		}
	}
	return backfilled, db.Save(&schemaState{ID: 1, Fingerprint: schemaFingerprint, MigratedAt: time.Now().UTC()}).Error
}

// obsoleteIndexes were created by earlier versions and are replaced by
// others (activity_day_feature by activity_feature_day), or no longer
// pay for their upkeep (activity_last_kind_day, see ActivityLast).
var obsoleteIndexes = []struct {
	model any
	name  string
}{{&Activity{}, "activity_day_feature"}, {&ActivityLast{}, "activity_last_kind_day"}}

// dropObsoleteIndexes removes them where they still exist, so writes do not
// keep maintaining indexes no query uses.
func dropObsoleteIndexes(db *gorm.DB) error {
	m := db.Migrator()
	for _, ix := range obsoleteIndexes {
		if m.HasIndex(ix.model, ix.name) {
			if err := m.DropIndex(ix.model, ix.name); err != nil {
				return fmt.Errorf("drop index %s: %w", ix.name, err)
			}
		}
	}
	return nil
}

// schemaFingerprint is the fingerprint of everything applyMigrations
// applies, computed once per process.
var schemaFingerprint = func() string {
	var extra []string
	for _, ix := range obsoleteIndexes {
		extra = append(extra, "drop index "+reflect.TypeOf(ix.model).Elem().Name()+"."+ix.name)
	}
	extra = append(extra, fmt.Sprintf("schema version %d", SchemaVersion), rollupStep, auditStep, partitionStep, currentScoresStep, snapshotDayStep)
	all := append([]any{&schemaMigration{}, &schemaState{}}, AllModels()...)
	return fingerprintOf(all, extra)
}()

// fingerprintOf hashes what gorm derives a schema from: each model's type
// and table name, and each field's name, Go type and gorm tag (embedded
// structs walked), then the extra migration steps. It is computed from the
// models themselves, so adding a field, an index or a table changes it
// without anyone remembering to bump a number.
func fingerprintOf(models []any, extra []string) string {
	h := sha256.New()
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			fmt.Fprintf(h, "  %s %s %q\n", f.Name, f.Type, f.Tag.Get("gorm"))
		}
	}
	for _, m := range models {
		t := reflect.TypeOf(m)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		table := ""
		if tn, ok := m.(interface{ TableName() string }); ok {
			table = tn.TableName()
		}
		fmt.Fprintf(h, "model %s.%s table %q\n", t.PkgPath(), t.Name(), table)
		walk(t)
	}
	sorted := append([]string(nil), extra...)
	sort.Strings(sorted)
	for _, e := range sorted {
		fmt.Fprintf(h, "step %s\n", e)
	}
	return hex.EncodeToString(h.Sum(nil))
}
