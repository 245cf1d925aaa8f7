package models

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// snapshotDayIndex is the unique (account_id, day) index of snapshots on
// PostgreSQL, holding beside its key what a card reads of each day's head
// (RecentHeads: known, score, status, profile, model version). A card's
// month of heads is then read from the index alone (where the table's
// pages are all visible, as vacuum leaves them) instead of 30 table
// pages, one a day: cold, a card's p50 at 100,000 accounts was 5.8-5.9
// ms reading them from the table, 2.8-3.0 ms from the index
// (BENCHMARKS.md). It is 189 MB a month at 100,000 accounts against 123
// MB, and the daily rescore's COPY into it cost no more, measured in a
// month's table empty and full. SQLite keeps gorm's plain index (it has
// no INCLUDE).
const snapshotDayIndex = "CREATE UNIQUE INDEX snapshot_day ON snapshots (account_id, day) INCLUDE (known, score, status, profile, model_version)"

// snapshotDayStep names the covering index in the schema fingerprint.
const snapshotDayStep = "snapshot_day covers the heads a card reads (PostgreSQL)"

// coverSnapshotDay replaces a plain snapshot_day index, as earlier
// versions built it, with snapshotDayIndex, in the migration's
// transaction: built under another name, the old one dropped, the new
// one renamed, so gorm still finds the index its model names. Writers of
// snapshots wait for the build (22 s at 100,000 accounts with a year of
// snapshots); readers do not.
func coverSnapshotDay(db *gorm.DB) error {
	if db.Dialector.Name() != DialectPostgres {
		return nil
	}
	var def []string
	if err := db.Raw("SELECT pg_get_indexdef(c.oid) FROM pg_class c WHERE c.oid = to_regclass('snapshot_day')").Scan(&def).Error; err != nil {
		return fmt.Errorf("cover snapshot_day: %w", err)
	}
	if len(def) == 1 && strings.Contains(def[0], " INCLUDE ") {
		return nil
	}
	for _, q := range []string{
		"SET LOCAL maintenance_work_mem = '256MB'",
		strings.Replace(snapshotDayIndex, "INDEX snapshot_day ", "INDEX snapshot_day_covering ", 1),
		"DROP INDEX IF EXISTS snapshot_day",
		"ALTER INDEX snapshot_day_covering RENAME TO snapshot_day",
	} {
		if err := db.Exec(q).Error; err != nil {
			return fmt.Errorf("cover snapshot_day: %w", err)
		}
	}
	return nil
}
