package models

// Internals for the models_test package's migration tests.
var (
	FingerprintOf               = fingerprintOf
	SchemaFingerprint           = schemaFingerprint
	MigrationLockClass          = migrationLockClass
	PreviousSnapshotsAllSQL     = previousSnapshotsAllSQL(fullSnapshot)
	PreviousSnapshotHeadsAllSQL = previousSnapshotsAllSQL(snapshotHead)
)
