package models

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
