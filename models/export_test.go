package models

import (
	"context"

	"gorm.io/gorm"
)

// Internals for the models_test package's migration tests.
var (
	FingerprintOf               = fingerprintOf
	SchemaFingerprint           = schemaFingerprint
	MigrationLockClass          = migrationLockClass
	PreviousSnapshotsAllSQL     = previousSnapshotsAllSQL(fullSnapshot)
	PreviousSnapshotHeadsAllSQL = previousSnapshotsAllSQL(snapshotHead)
)

// LogEveryQuery makes s log every statement as a slow one, so a test can
// read what the slow-query log shows.
func LogEveryQuery(s *Store) { s.stats.slow.Store(0) }

// PortfolioSetting reads a setting (SHOW name) the way a read over every
// account runs its statements (portfolioRead).
func PortfolioSetting(ctx context.Context, s *Store, name string) (string, error) {
	var v string
	err := s.portfolioRead(ctx, func(db *gorm.DB) error { return db.Raw("SHOW " + name).Scan(&v).Error })
	return v, err
}
