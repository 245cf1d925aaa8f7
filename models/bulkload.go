package models

// SQLiteBulkLoad is what a bulk loader of a SQLite database (models/gen)
// runs around writing millions of rows in one transaction. before drops
// the insert triggers of the activity rollups and of current_scores,
// which would otherwise run for every row (the generator wrote 4,700
// rows/s with them); after rebuilds both from the rows, set-based, and
// re-creates the triggers, so the database is then as the triggers would
// have left it. PostgreSQL loaders disable the same triggers instead
// (ActivityRollupInsertTrigger, CurrentScoresRebuild).
func SQLiteBulkLoad() (before, after []string) {
	before = []string{
		"DROP TRIGGER IF EXISTS " + ActivityRollupInsertTrigger,
		"DROP TRIGGER IF EXISTS " + CurrentScoresAccountsTrigger,
		"DROP TRIGGER IF EXISTS " + CurrentScoresSnapshotsTrigger,
	}
	after = append(ActivityRollupRebuild(), "DELETE FROM current_scores", currentBackfill[DialectSQLite])
	after = append(after, sqliteRollupDDL()...)
	after = append(after, sqliteCurrentDDL()...)
	return before, after
}
