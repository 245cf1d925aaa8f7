package models

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// The activity rollups (ActivityDay, ActivityLast) let a rescore read a few
// hundred thousand small rows instead of 30 days of raw activity with three
// distinct counts per account. They are kept exact by triggers on
// activities, so every writer is covered without knowing about them: the
// ingestion COPY and INSERT … ON CONFLICT paths, gorm Create, the dataset
// generator's COPY, and plain DELETE, UPDATE and TRUNCATE.
//
// activity_days holds, per (day, account), the number of distinct users
// active that day; activity_last holds, per account and user ("u") or
// non-empty feature ("f"), the latest day it was active. With no activity
// after day T, the users active in [A, T] are exactly the "u" rows whose
// last day is in [A, T] (and likewise features), and the user-days of a
// window are the sum of activity_days over it (see activityFromRollups).

// rollupStep names the current trigger definitions in the schema
// fingerprint: change it whenever a trigger body below changes, so every
// database re-creates them on its next start.
const rollupStep = "activity rollups v1: triggers on activities, backfill when empty"

// PostgreSQL keeps the rollups with statement-level triggers: each sees the
// statement's rows as a transition table (COPY fills one too) and updates
// the rollups set-based, once per statement rather than once per row.
//
// Exactness under concurrent writers: the touched rollup rows are locked
// first, in key order (INSERT … ON CONFLICT DO UPDATE … WHERE false locks a
// stored row without writing it, and a new one is inserted as a
// placeholder that a concurrent inserter waits on). The recount that
// follows is a new statement, so in READ COMMITTED it takes a new snapshot,
// one that sees whatever a writer we waited for committed. Inserts only
// ever raise a last day, so that upsert needs no recount.

// pgRollupLockDays locks (or creates, with 0 users) the activity_days rows of
// every (day, account) in %[1]s, then recounts their users.
const pgRollupLockDays = `INSERT INTO activity_days (day, account_id, users)
	SELECT DISTINCT day, account_id, 0 FROM %[1]s src ORDER BY day, account_id
	ON CONFLICT (day, account_id) DO UPDATE SET users = activity_days.users WHERE false;
	UPDATE activity_days d SET users = c.n
	FROM (SELECT p.day, p.account_id,
	        (SELECT COUNT(DISTINCT a.user_id) FROM activities a WHERE a.account_id = p.account_id AND a.day = p.day) AS n
	      FROM (SELECT DISTINCT day, account_id FROM %[1]s src) p) c
	WHERE d.day = c.day AND d.account_id = c.account_id AND d.users <> c.n;
`

// pgRollupKeys lists the (account, kind, key) rollup keys of the rows of %[1]s.
const pgRollupKeys = `(SELECT account_id, 'u' AS kind, user_id AS key FROM %[1]s src
	UNION SELECT account_id, 'f', feature FROM %[1]s src WHERE feature <> '')`

// pgRollupInsertFn is the INSERT trigger: recount the touched days, raise
// the last days of the inserted rows' users and features.
const pgRollupInsertFn = `CREATE OR REPLACE FUNCTION activity_rollup_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	` + pgRollupLockDays + `
	INSERT INTO activity_last (account_id, kind, key, last_day)
	SELECT account_id, 'u', user_id, MAX(day) FROM new_rows GROUP BY account_id, user_id
	UNION ALL
	SELECT account_id, 'f', feature, MAX(day) FROM new_rows WHERE feature <> '' GROUP BY account_id, feature
	ORDER BY 1, 2, 3
	ON CONFLICT (account_id, kind, key) DO UPDATE SET last_day = excluded.last_day
	WHERE activity_last.last_day < excluded.last_day;
	RETURN NULL;
END
$fn$`

// pgRollupRecountFn is the DELETE and UPDATE trigger (%[2]s is its name,
// %[1]s the rows it touched): recount the touched days and drop the
// empty ones, recompute the last day of every touched user and feature
// and drop those with no activity left. Keys are locked (or created with
// an empty last day as a placeholder) before the recompute, as days are.
const pgRollupRecountFn = `CREATE OR REPLACE FUNCTION %[2]s() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	` + pgRollupLockDays + `
	DELETE FROM activity_days d USING (SELECT DISTINCT day, account_id FROM %[1]s src) p
	WHERE d.day = p.day AND d.account_id = p.account_id AND d.users = 0;
	INSERT INTO activity_last (account_id, kind, key, last_day)
	SELECT account_id, kind, key, '' FROM ` + pgRollupKeys + ` k ORDER BY 1, 2, 3
	ON CONFLICT (account_id, kind, key) DO UPDATE SET last_day = activity_last.last_day WHERE false;
	UPDATE activity_last l SET last_day = m.d
	FROM (SELECT k.account_id, k.kind, k.key, COALESCE(CASE k.kind
	        WHEN 'u' THEN (SELECT MAX(a.day) FROM activities a WHERE a.account_id = k.account_id AND a.user_id = k.key)
	        ELSE (SELECT MAX(a.day) FROM activities a WHERE a.account_id = k.account_id AND a.feature = k.key) END, '') AS d
	      FROM ` + pgRollupKeys + ` k) m
	WHERE l.account_id = m.account_id AND l.kind = m.kind AND l.key = m.key AND l.last_day <> m.d;
	DELETE FROM activity_last l USING ` + pgRollupKeys + ` k
	WHERE l.account_id = k.account_id AND l.kind = k.kind AND l.key = k.key AND l.last_day = '';
	RETURN NULL;
END
$fn$`

// pgRollupTruncateFn empties the rollups with activities.
const pgRollupTruncateFn = `CREATE OR REPLACE FUNCTION activity_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	TRUNCATE activity_days, activity_last;
	RETURN NULL;
END
$fn$`

// pgRollupDDL creates the functions and triggers, replacing earlier ones.
func pgRollupDDL() []string {
	both := "(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)"
	return []string{
		fmt.Sprintf(pgRollupInsertFn, "new_rows"),
		fmt.Sprintf(pgRollupRecountFn, "old_rows", "activity_rollup_delete"),
		fmt.Sprintf(pgRollupRecountFn, both, "activity_rollup_update"),
		pgRollupTruncateFn,
		"DROP TRIGGER IF EXISTS activity_rollup_insert ON activities",
		`CREATE TRIGGER activity_rollup_insert AFTER INSERT ON activities
		REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_insert()`,
		"DROP TRIGGER IF EXISTS activity_rollup_delete ON activities",
		`CREATE TRIGGER activity_rollup_delete AFTER DELETE ON activities
		REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_delete()`,
		"DROP TRIGGER IF EXISTS activity_rollup_update ON activities",
		`CREATE TRIGGER activity_rollup_update AFTER UPDATE ON activities
		REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_update()`,
		"DROP TRIGGER IF EXISTS activity_rollup_truncate ON activities",
		`CREATE TRIGGER activity_rollup_truncate AFTER TRUNCATE ON activities
		FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_truncate()`,
	}
}

// SQLite has row-level triggers only; it runs one writer at a time, so
// each row's change is applied as a delta: a day gains a user when the
// inserted row is the user's first that day and loses one when the deleted
// row was the last, and a last day is raised by an insert and recomputed
// only when the deleted row carried it.

// sqliteLastInsert raises the last day of %[1]s (a user or feature of NEW).
const sqliteLastInsert = `INSERT INTO activity_last (account_id, kind, "key", last_day)
	SELECT NEW.account_id, '%[2]s', %[1]s, NEW.day WHERE %[3]s
	ON CONFLICT (account_id, kind, "key") DO UPDATE SET last_day = excluded.last_day
	WHERE excluded.last_day > activity_last.last_day;
`

// sqliteLastDelete drops or recomputes the last day of OLD's user or
// feature (%[1]s, in the activities column %[3]s) when OLD carried it.
const sqliteLastDelete = `DELETE FROM activity_last
	WHERE account_id = OLD.account_id AND kind = '%[2]s' AND "key" = %[1]s AND last_day = OLD.day
	AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.account_id = OLD.account_id AND a.%[3]s = %[1]s);
	UPDATE activity_last SET last_day = (SELECT MAX(a.day) FROM activities a WHERE a.account_id = OLD.account_id AND a.%[3]s = %[1]s)
	WHERE account_id = OLD.account_id AND kind = '%[2]s' AND "key" = %[1]s AND last_day = OLD.day;
`

func sqliteRollupDDL() []string {
	lastInsert := fmt.Sprintf(sqliteLastInsert, "NEW.user_id", "u", "true") +
		fmt.Sprintf(sqliteLastInsert, "NEW.feature", "f", "NEW.feature <> ''")
	lastDelete := fmt.Sprintf(sqliteLastDelete, "OLD.user_id", "u", "user_id") +
		fmt.Sprintf(sqliteLastDelete, "OLD.feature", "f", "feature")
	return []string{
		"DROP TRIGGER IF EXISTS activity_rollup_insert",
		`CREATE TRIGGER activity_rollup_insert AFTER INSERT ON activities BEGIN
	INSERT INTO activity_days (day, account_id, users)
	SELECT NEW.day, NEW.account_id, 1
	WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.account_id = NEW.account_id AND a.day = NEW.day
		AND a.user_id = NEW.user_id AND a.feature <> NEW.feature)
	ON CONFLICT (day, account_id) DO UPDATE SET users = activity_days.users + 1;
	` + lastInsert + `END`,
		"DROP TRIGGER IF EXISTS activity_rollup_delete",
		`CREATE TRIGGER activity_rollup_delete AFTER DELETE ON activities BEGIN
	UPDATE activity_days SET users = users - 1
	WHERE day = OLD.day AND account_id = OLD.account_id
	AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.account_id = OLD.account_id AND a.day = OLD.day AND a.user_id = OLD.user_id);
	DELETE FROM activity_days WHERE day = OLD.day AND account_id = OLD.account_id AND users <= 0;
	` + lastDelete + `END`,
		// An update moves a row: both days are recounted outright (a delta
		// would have to tell whether OLD's user-day survives in NEW), then
		// OLD's keys are handled as a delete's and NEW's as an insert's.
		"DROP TRIGGER IF EXISTS activity_rollup_update",
		`CREATE TRIGGER activity_rollup_update AFTER UPDATE ON activities BEGIN
	DELETE FROM activity_days WHERE day = OLD.day AND account_id = OLD.account_id;
	INSERT OR REPLACE INTO activity_days (day, account_id, users)
	SELECT day, account_id, COUNT(DISTINCT user_id) FROM activities
	WHERE (account_id = OLD.account_id AND day = OLD.day) OR (account_id = NEW.account_id AND day = NEW.day)
	GROUP BY day, account_id;
	` + lastDelete + lastInsert + `END`,
	}
}

// rollupBackfill fills empty rollups from activities, set-based. Distinct
// (account, day, user) first and then a count per day is the cheap shape:
// both steps stream in primary-key order, where COUNT(DISTINCT) would sort
// each group.
var rollupBackfill = struct{ days, last string }{
	days: `INSERT INTO activity_days (day, account_id, users)
	SELECT day, account_id, COUNT(*) FROM (SELECT DISTINCT account_id, day, user_id FROM activities) u
	GROUP BY account_id, day`,
	last: `INSERT INTO activity_last (account_id, kind, "key", last_day)
	SELECT account_id, 'u', user_id, MAX(day) FROM activities GROUP BY account_id, user_id
	UNION ALL
	SELECT account_id, 'f', feature, MAX(day) FROM activities WHERE feature <> '' GROUP BY account_id, feature`,
}

// ensureActivityRollups (re)creates the rollup triggers and backfills each
// rollup table that is empty while activities is not: a database migrated
// from before the rollups, or one whose rollups were emptied by hand. It
// runs inside the migration's transaction; creating a trigger locks
// activities against writes until it commits, so the backfill and the
// triggers see the same rows. It reports whether it backfilled anything.
func ensureActivityRollups(db *gorm.DB) (bool, error) {
	ddl := sqliteRollupDDL()
	if db.Dialector.Name() == DialectPostgres {
		ddl = pgRollupDDL()
	}
	for _, q := range ddl {
		if err := db.Exec(q).Error; err != nil {
			return false, fmt.Errorf("activity rollup triggers: %s: %w", strings.SplitN(strings.TrimSpace(q), "\n", 2)[0], err)
		}
	}
	var empty struct{ Activities, Days, Last bool }
	err := db.Raw(`SELECT
		NOT EXISTS (SELECT 1 FROM activities) AS activities,
		NOT EXISTS (SELECT 1 FROM activity_days) AS days,
		NOT EXISTS (SELECT 1 FROM activity_last) AS last`).Scan(&empty).Error
	if err != nil {
		return false, fmt.Errorf("activity rollups: %w", err)
	}
	if empty.Activities {
		return false, nil
	}
	filled := false
	for _, step := range []struct {
		empty bool
		name  string
		sql   string
	}{{empty.Days, "activity_days", rollupBackfill.days}, {empty.Last, "activity_last", rollupBackfill.last}} {
		if !step.empty {
			continue
		}
		if err := db.Exec(step.sql).Error; err != nil {
			return false, fmt.Errorf("backfill %s: %w", step.name, err)
		}
		if db.Dialector.Name() == DialectPostgres {
			// Statistics now, or the first rescore plans against an empty table.
			if err := db.Exec("ANALYZE " + step.name).Error; err != nil {
				return false, fmt.Errorf("backfill %s: analyze: %w", step.name, err)
			}
		}
		filled = true
	}
	return filled, nil
}
