package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SchemaVersion is the migration level this binary writes and requires;
// bump it when a migration step is added below.
const SchemaVersion = 1

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations across processes ("hbot" in ASCII).
const migrationLockKey = 0x68626f74

// schemaMigration records that a version's migrations completed.
type schemaMigration struct {
	Version   int64 `gorm:"primaryKey;autoIncrement:false"`
	AppliedAt time.Time
}

// TableName keeps the conventional name.
func (schemaMigration) TableName() string { return "schema_migrations" }

// Migrate applies the schema again; Open already does, so this is for the
// `healthbot migrate` command and tests.
func (s *Store) Migrate(ctx context.Context) error { return s.migrate(ctx) }

// migrate is idempotent and runs in one transaction, so two processes
// starting together take turns: PostgreSQL holds a transaction-scoped
// advisory lock on that one connection (DDL is transactional there, and the
// lock cannot leak into the pool as a session lock could if its unlock
// failed); SQLite's BEGIN IMMEDIATE (_txlock) takes the write lock, and the
// other process waits for it through busy_timeout.
func (s *Store) migrate(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		return applyMigrations(tx)
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// applyMigrations brings the schema to SchemaVersion and records it.
func applyMigrations(db *gorm.DB) error {
	if err := db.AutoMigrate(&schemaMigration{}); err != nil {
		return err
	}
	if err := db.AutoMigrate(AllModels()...); err != nil {
		return err
	}
	if err := dropObsoleteIndexes(db); err != nil {
		return err
	}
	var n int64
	if err := db.Model(&schemaMigration{}).Where("version = ?", SchemaVersion).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return db.Create(&schemaMigration{Version: SchemaVersion, AppliedAt: time.Now().UTC()}).Error
}

// obsoleteIndexes were created by earlier versions and are replaced by
// others (activity_day_feature by activity_feature_day).
var obsoleteIndexes = []struct {
	model any
	name  string
}{{&Activity{}, "activity_day_feature"}}

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
