package models

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
)

// On PostgreSQL, activities and snapshots are partitioned by month of
// day (RANGE on the text day, which sorts as the date in the database's C
// collation and in any other: every day has the same YYYY-MM-DD shape),
// one table per month, TABLE_YYYY_MM, and a default partition,
// TABLE_default, for a day no month table covers. SQLite keeps one table
// each.
//
// Activities: a month of raw activity older than the retention is dropped
// as one table (PruneActivity) instead of deleted row by row, and a new
// day's rows go to the current month's table, whose primary key is a
// fraction of the whole. The rollup triggers sit on the parent and see the
// rows routed to any partition.
//
// Snapshots: the daily rescore writes one row per account, and its
// (account_id, day) key put each account's row on the leaf page of that
// account's whole history: at 100,000 accounts with a year of snapshots,
// the day's COPY read and dirtied 93,000 leaves of a 2 GB index, and
// wrote 540 MB of WAL (a full-page image of each), 1.3-1.6 s of the
// rescore. In the month's table about nine accounts share a leaf. The
// current_scores triggers sit on the parent.

// partitionStep names the partitioning in the schema fingerprint.
const partitionStep = "activities partitioned by month (PostgreSQL); snapshots likewise"

// monthsAhead is how many months after the current one get their table
// in advance (by the migration and by the daily maintenance).
const monthsAhead = 2

// monthTable is a table partitioned by month on PostgreSQL.
type monthTable struct {
	name  string   // the parent table
	order string   // the order rows are copied in when a plain table is partitioned
	keys  []string // its keys and indexes, built once the rows are in
	// sequence is the sequence its id column draws from, kept across the
	// conversion ("" for none).
	sequence string
}

var (
	activityMonths = monthTable{name: "activities", order: "day, account_id, user_id, feature", keys: []string{
		"ALTER TABLE activities ADD CONSTRAINT activities_pkey PRIMARY KEY (account_id, day, user_id, feature)",
		"CREATE INDEX activity_feature_day ON activities (feature, day)",
	}}
	// The primary key must hold the partition key: (id, day) is as unique
	// as id, which the sequence makes unique.
	snapshotMonths = monthTable{name: "snapshots", order: "day, account_id", sequence: "snapshots_id_seq", keys: []string{
		"ALTER TABLE snapshots ADD CONSTRAINT snapshots_pkey PRIMARY KEY (id, day)",
		snapshotDayIndex,
		"CREATE INDEX snapshot_by_day ON snapshots (day)",
	}}
)

// monthStart is the first day of t's month.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// partition is the table of the month starting at m.
func (t monthTable) partition(m time.Time) string {
	return fmt.Sprintf("%s_%04d_%02d", t.name, m.Year(), int(m.Month()))
}

// defaultPartition holds the rows of days no month table covers.
func (t monthTable) defaultPartition() string { return t.name + "_default" }

// partitionMonthly converts the plain table t into the partitioned one,
// in the migration's transaction: the rows are copied into month tables
// covering every stored day, then the keys and indexes are built on them
// (faster than maintaining them row by row), the old table is dropped and
// the new one takes its name. Triggers on the table are re-created by the
// steps of the migration that own them, which run next; the rows, their
// ids and what other tables derive from them are unchanged. Readers and
// writers of the table wait for the migration's commit (BENCHMARKS.md
// times it). It does nothing on SQLite or when t is partitioned already,
// and reports whether it moved any row (the caller vacuums the table).
func partitionMonthly(db *gorm.DB, t monthTable, now time.Time) (bool, error) {
	if db.Dialector.Name() != DialectPostgres {
		return false, nil
	}
	var kind string
	if err := db.Raw("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(?)", t.name).Scan(&kind).Error; err != nil {
		return false, fmt.Errorf("partition %s: %w", t.name, err)
	}
	if kind != "r" {
		return false, nil
	}
	start := time.Now()
	var span struct{ Lo, Hi *string }
	if err := db.Raw("SELECT MIN(day) AS lo, MAX(day) AS hi FROM " + t.name).Scan(&span).Error; err != nil {
		return false, fmt.Errorf("partition %s: %w", t.name, err)
	}
	from, to := monthStart(now), monthStart(now)
	for _, d := range []*string{span.Lo, span.Hi} {
		if d == nil {
			continue
		}
		day, err := ParseDay(*d)
		if err != nil { // a malformed day: it goes to the default partition
			continue
		}
		from, to = minTime(from, monthStart(day)), maxTime(to, monthStart(day))
	}
	staged := t.name + "_partitioned"
	steps := []string{
		"CREATE TABLE " + staged + " (LIKE " + t.name + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (day)",
		"CREATE TABLE " + t.defaultPartition() + " PARTITION OF " + staged + " DEFAULT",
	}
	for m := from; !m.After(to.AddDate(0, monthsAhead, 0)); m = m.AddDate(0, 1, 0) {
		steps = append(steps, t.createPartitionSQL(staged, m))
	}
	steps = append(steps, "INSERT INTO "+staged+" SELECT * FROM "+t.name+" ORDER BY "+t.order)
	if t.sequence != "" {
		// Owned by the old table's column, the sequence would go with it.
		steps = append(steps, "ALTER SEQUENCE "+t.sequence+" OWNED BY NONE")
	}
	steps = append(steps, "DROP TABLE "+t.name, "ALTER TABLE "+staged+" RENAME TO "+t.name)
	if t.sequence != "" {
		steps = append(steps, "ALTER SEQUENCE "+t.sequence+" OWNED BY "+t.name+".id")
	}
	steps = append(steps, t.keys...)
	// Statistics now, for the migration's later steps (the rollup backfill
	// reads activities); the VACUUM (ANALYZE) after its commit refreshes
	// them with the visibility map.
	steps = append(steps, "ANALYZE "+t.name)
	for _, q := range steps {
		if err := db.Exec(q).Error; err != nil {
			return false, fmt.Errorf("partition %s: %s: %w", t.name, strings.SplitN(q, " (", 2)[0], err)
		}
	}
	if span.Lo == nil {
		return false, nil
	}
	slog.Info("partitioned by month", "table", t.name, "months", monthsBetween(from, to)+1+monthsAhead, "took", time.Since(start).Round(time.Millisecond))
	return true, nil
}

func (t monthTable) createPartitionSQL(parent string, m time.Time) string {
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')",
		t.partition(m), parent, m.Format(DayLayout), m.AddDate(0, 1, 0).Format(DayLayout))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// MaintainSnapshots creates on PostgreSQL the month tables of snapshots
// for the current month and the next monthsAhead, and of any month with
// rows in the default partition, moving those rows to it (the daily job
// of `serve`, with MaintainActivity); it reports how many it made and does
// nothing on SQLite.
func (s *Store) MaintainSnapshots(ctx context.Context, now time.Time) (int, error) {
	return s.maintainMonths(ctx, snapshotMonths, now)
}

// maintainMonths creates the month tables of t for now's month, the
// months ahead, and any month with rows in the default partition
// (written before a table covered it), so that those rows live with their
// month too.
func (s *Store) maintainMonths(ctx context.Context, t monthTable, now time.Time) (int, error) {
	if s.dialect != DialectPostgres {
		return 0, nil
	}
	var stray []string
	if err := s.orm(ctx).Raw("SELECT DISTINCT substr(day, 1, 7) FROM " + t.defaultPartition() + " WHERE day ~ '^[0-9]{4}-[0-9]{2}-'").Scan(&stray).Error; err != nil {
		return 0, fmt.Errorf("%s partitions: %w", t.name, err)
	}
	months := monthsFor(now, now)
	for _, v := range stray {
		if m, err := time.Parse("2006-01", v); err == nil {
			months = append(months, m)
		}
	}
	return s.ensureMonths(ctx, t, months)
}

// EnsureMonthTables creates on PostgreSQL the month tables of
// activities and snapshots from the month of from to monthsAhead months
// after the month of to, those missing, and reports how many it made; it
// does nothing on SQLite. A loader of past days (models/gen) calls it
// first, so that its rows go to their months' tables rather than the
// default partitions.
func (s *Store) EnsureMonthTables(ctx context.Context, from, to time.Time) (int, error) {
	if s.dialect != DialectPostgres {
		return 0, nil
	}
	made := 0
	for _, t := range []monthTable{activityMonths, snapshotMonths} {
		n, err := s.ensureMonths(ctx, t, monthsFor(from, to))
		made += n
		if err != nil {
			return made, err
		}
	}
	return made, nil
}

// monthsFor lists the starts of the months from from's to monthsAhead
// months after to's: the month tables a span of days needs, with those
// made in advance.
func monthsFor(from, to time.Time) []time.Time {
	var months []time.Time
	for m := monthStart(from); !m.After(monthStart(to).AddDate(0, monthsAhead, 0)); m = m.AddDate(0, 1, 0) {
		months = append(months, m)
	}
	return months
}

// ensureMonths creates the month tables of t for months (month starts)
// that are missing. A month whose rows sit in the default partition (no
// table covered it when they were written) gets them moved to its new
// table first, which leaves what triggers derive from them as it is: the
// rows stay, and a statement on a partition fires none of the parent's
// statement triggers.
func (s *Store) ensureMonths(ctx context.Context, t monthTable, months []time.Time) (int, error) {
	made := 0
	for _, m := range months {
		name := t.partition(m)
		var exists bool
		if err := s.orm(ctx).Raw("SELECT to_regclass(?) IS NOT NULL", name).Scan(&exists).Error; err != nil {
			return made, fmt.Errorf("%s partitions: %w", t.name, err)
		}
		if exists {
			continue
		}
		lo, hi := m.Format(DayLayout), m.AddDate(0, 1, 0).Format(DayLayout)
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// Readers and writers wait while the month moves (rare: only
			// rows written before a table covered their month, such as a
			// backfill, are moved, once). Writers without the lock: a row
			// written to the default partition between the copy and the
			// delete below would be deleted without being copied, and a
			// COPY that had planned its routing before the attach would
			// send rows to the default partition after it, where they now
			// violate its constraint. Readers without it: a query that
			// waited for the attach read the new month table with a
			// snapshot taken before the move and missed its rows (a card
			// counted one value feature of two). The check is repeated
			// under the lock, for a replica that made the month meanwhile.
			if err := tx.Exec("LOCK TABLE " + t.name + " IN ACCESS EXCLUSIVE MODE").Error; err != nil {
				return err
			}
			var made bool
			if err := tx.Raw("SELECT to_regclass(?) IS NOT NULL", name).Scan(&made).Error; err != nil || made {
				return err
			}
			for _, q := range []string{
				"CREATE TABLE " + name + " (LIKE " + t.name + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
				"INSERT INTO " + name + " SELECT * FROM " + t.defaultPartition() + " WHERE day >= '" + lo + "' AND day < '" + hi + "'",
				"DELETE FROM " + t.defaultPartition() + " WHERE day >= '" + lo + "' AND day < '" + hi + "'",
				"ALTER TABLE " + t.name + " ATTACH PARTITION " + name + " FOR VALUES FROM ('" + lo + "') TO ('" + hi + "')",
			} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return made, fmt.Errorf("%s partition %s: %w", t.name, name, err)
		}
		made++
	}
	return made, nil
}
