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
// ingestion COPY and INSERT … ON CONFLICT paths, gorm Create, and plain
// DELETE, UPDATE and TRUNCATE. The dataset generator alone turns the insert
// trigger off for its one COPY of millions of rows and rebuilds the
// rollups in the same transaction (ActivityRollupRebuild).
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
const rollupStep = "activity rollups v12: triggers on activities, fillfactor, no parallel scans, backfill when empty, inserters serialized, deferred to one flush per batch, no sequential scans of activities"

// PostgreSQL keeps the rollups with statement-level triggers: each sees the
// statement's rows as a transition table (COPY fills one too) and updates
// the rollups set-based, once per statement rather than once per row.
//
// An insert raises last days and adds the user-days it created to
// activity_days without reading activities in the usual case (rows dated
// on or after their users' last days): a user whose last day the insert
// raised (an UPDATE … WHERE last_day < new day that wrote the row, under
// its row lock) had no activity on the new day before. Its other user-days
// (a statement spanning days, or a past day) are checked against
// activities after their users' keys are locked, in a new statement: in
// READ COMMITTED that takes a new snapshot, one that sees whatever a
// concurrent inserter we waited for committed, while one whose rows we
// cannot see yet has not run its trigger and will wait for our locks. The
// day counts are increments, which commute, so concurrent inserts need no
// other coordination. Stored rows are changed by a plain UPDATE and only
// the missing ones go through INSERT … ON CONFLICT: the upsert locks each
// row before updating it, and cost twice as much on the ingestion
// benchmark, where the last days move for nearly every row. Only the keys
// the UPDATE did not raise are looked up again, to tell the missing ones
// from those stored with a later or the same last day (not certain, and
// not to be locked by the upsert); the ON CONFLICT still catches a key a
// concurrent inserter added after our snapshot.
//
// A delete or update recounts what it touched. It first takes a lock on
// activities that waits for the other writers under way and holds off new
// ones until it commits, so its recounts see every row. Deleting activity
// is rare (corrections, tests); ingestion only inserts.

// pgRollupInsertFn is the INSERT trigger. Keys are visited in key order,
// so that two inserters lock the keys they share in the same order. Its
// joins are index probes from the statement's rows: left to itself, the
// planner hashed all of activity_last (190,000 rows at 10,000 accounts) to
// update 6,000 of them, half the trigger's time, so hash and merge joins
// are off inside it. Where a join against a CTE would then be a nested
// loop over it, set operations stand in: EXCEPT (hashed) takes the raised
// keys and updated days out of the upserts, and the uncertain user-days
// are found by grouping. Sequential scans are off too, for the month
// table of today's activity: created ahead of its month, an ANALYZE
// (autovacuum, or a VACUUM ANALYZE of activities) finds it empty, and from
// then on its rows were counted by scanning the whole table once per
// uncertain user-day, as the day filled it (the Segment benchmark's
// uncertain-day counts went from 0.25 to 5.4 ms per statement over four
// runs). The statement's own rows (a transition table, or the pending
// table) have no index and are scanned all the same.
//
// Inside a batch (Store.WithBulkTx) the trigger is deferred: with the
// setting healthbot.rollup_defer on, it only appends its statement's rows
// to the session's temporary table activity_rollup_pending, and the batch
// applies the same body once to all of them before it commits
// (activity_rollup_flush), as if one statement had inserted the whole
// batch. A 100,000-row batch written as twenty 5,000-row COPYs otherwise
// ran the body twenty times, updating each account-day of the batch's
// day in nearly every one: 52 s against 20 s for one statement of the
// same rows, on a machine loaded by other work (BENCHMARKS.md, issue 17).
// The body allows itself work_mem for a batch's sorts, which spilled to
// disk at the default 4 MB.
//
// %[1]s is the function's head, %[2]s the relation holding the new rows,
// %[3]s what runs after the body, %[4]s what runs before it.
const pgRollupInsertFn = `CREATE OR REPLACE FUNCTION %[1]s
LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off SET work_mem = '64MB' AS $fn$
DECLARE
	ua bigint[]; ud text[]; uu text[]; un bigint[];
BEGIN
	%[4]s
	WITH n AS MATERIALIZED (
		SELECT account_id, 'u'::text AS kind, user_id AS key, MAX(day) AS day, MIN(day) = MAX(day) AS one_day
		FROM %[2]s GROUP BY account_id, user_id
		UNION ALL
		SELECT account_id, 'f', feature, MAX(day), true FROM %[2]s WHERE feature <> '' GROUP BY account_id, feature
		ORDER BY 1, 2, 3),
	raised AS (
		UPDATE activity_last l SET last_day = n.day FROM n
		WHERE l.account_id = n.account_id AND l.kind = n.kind AND l.key = n.key AND l.last_day < n.day
		RETURNING l.account_id, l.kind, l.key, l.last_day),
	added AS (
		INSERT INTO activity_last (account_id, kind, key, last_day)
		SELECT account_id, kind, key, day FROM (
			SELECT account_id, kind, key, day FROM n EXCEPT ALL SELECT account_id, kind, key, last_day FROM raised) m
		WHERE NOT EXISTS (SELECT 1 FROM activity_last l WHERE l.account_id = m.account_id AND l.kind = m.kind AND l.key = m.key)
		ORDER BY 1, 2, 3
		ON CONFLICT (account_id, kind, key) DO UPDATE SET last_day = excluded.last_day
		WHERE activity_last.last_day < excluded.last_day
		RETURNING account_id, kind, key, last_day),
	certain AS (
		SELECT account_id, key AS user_id, last_day AS day FROM raised WHERE kind = 'u'
		UNION ALL
		SELECT account_id, key, last_day FROM added WHERE kind = 'u'),
	c AS MATERIALIZED (SELECT day, account_id, COUNT(*) AS n FROM certain GROUP BY day, account_id ORDER BY 1, 2),
	counted AS (
		UPDATE activity_days d SET users = d.users + c.n FROM c WHERE d.day = c.day AND d.account_id = c.account_id
		RETURNING d.day, d.account_id, c.n),
	opened AS (
		INSERT INTO activity_days (day, account_id, users)
		SELECT day, account_id, n FROM (SELECT day, account_id, n FROM c EXCEPT ALL SELECT day, account_id, n FROM counted) m
		ORDER BY 1, 2
		ON CONFLICT (day, account_id) DO UPDATE SET users = activity_days.users + excluded.users)
	SELECT array_agg(d.account_id), array_agg(d.day), array_agg(d.user_id), array_agg(d.n) INTO ua, ud, uu, un
	FROM (SELECT account_id, day, user_id, SUM(n) AS n FROM (
			SELECT account_id, day, user_id, COUNT(*) AS n, false AS certain FROM %[2]s GROUP BY account_id, day, user_id
			UNION ALL
			SELECT account_id, day, user_id, 0, true FROM certain) x
		GROUP BY account_id, day, user_id HAVING NOT bool_or(certain)) d
	-- Nothing is uncertain when every user of the statement was active on one
	-- day of it and had that day certified: the usual ingestion of a new day.
	-- The test is a one-time filter, so the grouping above does not run then.
	WHERE (SELECT COUNT(*) FROM certain) < (SELECT COUNT(*) FROM n WHERE kind = 'u')
	OR EXISTS (SELECT 1 FROM n WHERE NOT one_day);
	IF ua IS NOT NULL THEN
		PERFORM 1 FROM activity_last l
		WHERE l.kind = 'u' AND (l.account_id, l.key) IN (SELECT * FROM unnest(ua, uu))
		ORDER BY l.account_id, l.key FOR UPDATE;
		-- A user-day is new when this statement's rows are all activities holds of it.
		INSERT INTO activity_days (day, account_id, users)
		SELECT v.day, v.account_id, COUNT(*) FROM unnest(ua, ud, uu, un) AS v(account_id, day, user_id, n)
		WHERE (SELECT COUNT(*) FROM activities a WHERE a.account_id = v.account_id AND a.day = v.day AND a.user_id = v.user_id) = v.n
		GROUP BY v.day, v.account_id ORDER BY 1, 2
		ON CONFLICT (day, account_id) DO UPDATE SET users = activity_days.users + excluded.users;
	END IF;
	%[3]s
END
$fn$`

// RollupDeferSetting is the PostgreSQL setting that, on for a
// transaction, defers the insert trigger's work to activity_rollup_flush.
const RollupDeferSetting = "healthbot.rollup_defer"

// rollupPending is the session's temporary table of inserted activity rows
// whose rollups are deferred (ON COMMIT DELETE ROWS: it is empty outside a
// batch). A delete, update or truncate of activities flushes or drops it
// first, so the recounts they make see rollups that include every row.
const rollupPending = "pg_temp.activity_rollup_pending"

// rollupDeferred starts the insert trigger: when deferred, it only keeps
// the statement's rows for the flush.
const rollupDeferred = `IF current_setting('` + RollupDeferSetting + `', true) = 'on' THEN
		INSERT INTO ` + rollupPending + ` SELECT account_id, day, user_id, feature FROM new_rows;
		RETURN NULL;
	END IF;`

// pgRollupSerializeFn is a BEFORE INSERT statement trigger: it lets one
// inserting transaction at a time per schema write activities, from its
// first statement until it commits. The rollup rows an insert trigger
// writes (account-days, keys) stay locked until the commit, so two
// ingestions whose later statements met each other's earlier ones in the
// opposite order deadlocked, where without rollups they never waited for
// each other unless they inserted the same rows. Taken before the
// statement inserts anything, the lock is never awaited while holding a
// row another inserter waits for. It is an advisory lock (keyed like the
// migration lock, another class) because every self-conflicting table lock
// mode also conflicts with (auto)vacuum and analyze of the rollups.
const pgRollupSerializeFn = `CREATE OR REPLACE FUNCTION activity_rollup_serialize() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	PERFORM pg_advisory_xact_lock(1751282292, hashtext(current_schema()));
	RETURN NULL;
END
$fn$`

// pgRollupRecountFn is the DELETE and UPDATE trigger (%[2]s is its name,
// %[1]s the rows it touched): the last day of every touched user and
// feature recomputed (dropped when none is left), and every touched day
// recounted (dropped when empty). The MATERIALIZED CTEs run each recount
// once per key, where an inlined subquery would run in both the WHERE and
// the SET of an upsert.
const pgRollupRecountFn = `CREATE OR REPLACE FUNCTION %[2]s() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	IF current_setting('` + RollupDeferSetting + `', true) = 'on' THEN
		PERFORM activity_rollup_flush();
	END IF;
	LOCK TABLE activities IN SHARE ROW EXCLUSIVE MODE;
	WITH m AS MATERIALIZED (
		SELECT k.account_id, k.kind, k.key, CASE k.kind
			WHEN 'u' THEN (SELECT MAX(a.day) FROM activities a WHERE a.account_id = k.account_id AND a.user_id = k.key)
			ELSE (SELECT MAX(a.day) FROM activities a WHERE a.account_id = k.account_id AND a.feature = k.key) END AS day
		FROM (SELECT account_id, 'u' AS kind, user_id AS key FROM %[1]s src
		      UNION SELECT account_id, 'f', feature FROM %[1]s src WHERE feature <> '') k),
	kept AS (
		INSERT INTO activity_last (account_id, kind, key, last_day)
		SELECT account_id, kind, key, day FROM m WHERE day IS NOT NULL ORDER BY 1, 2, 3
		ON CONFLICT (account_id, kind, key) DO UPDATE SET last_day = excluded.last_day
		WHERE activity_last.last_day <> excluded.last_day)
	DELETE FROM activity_last l USING m
	WHERE l.account_id = m.account_id AND l.kind = m.kind AND l.key = m.key AND m.day IS NULL;
	WITH m AS MATERIALIZED (
		SELECT p.day, p.account_id,
			(SELECT COUNT(DISTINCT a.user_id) FROM activities a WHERE a.account_id = p.account_id AND a.day = p.day) AS n
		FROM (SELECT DISTINCT day, account_id FROM %[1]s src) p),
	kept AS (
		INSERT INTO activity_days (day, account_id, users)
		SELECT day, account_id, n FROM m WHERE n > 0 ORDER BY 1, 2
		ON CONFLICT (day, account_id) DO UPDATE SET users = excluded.users
		WHERE activity_days.users <> excluded.users)
	DELETE FROM activity_days d USING m
	WHERE d.day = m.day AND d.account_id = m.account_id AND m.n = 0;
	RETURN NULL;
END
$fn$`

// pgRollupTruncateFn empties the rollups with activities. A rollup the
// same statement truncated too (TRUNCATE activities, activity_days) is
// empty already and must be left alone: truncating it again from here
// fails, as it is in use by that statement.
const pgRollupTruncateFn = `CREATE OR REPLACE FUNCTION activity_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	IF current_setting('` + RollupDeferSetting + `', true) = 'on' THEN
		TRUNCATE ` + rollupPending + `;
	END IF;
	IF EXISTS (SELECT 1 FROM activity_days) THEN
		TRUNCATE activity_days;
	END IF;
	IF EXISTS (SELECT 1 FROM activity_last) THEN
		TRUNCATE activity_last;
	END IF;
	RETURN NULL;
END
$fn$`

// pgRollupDDL creates the functions and triggers, replacing earlier ones.
// The rollups' pages keep free space (fillfactor) so that the updates of
// ingestion, a new last day for each active user and a new count for each
// active account-day, are HOT: the new row version goes to the same page
// and no index is touched. Without it every such update also inserted
// into the primary key, which made the triggers cost as much as the
// ingestion they follow. A changed fillfactor applies to pages written
// from then on. The rescore reads the rollups (a few hundred thousand
// small rows) without parallel workers: on the 2-core machine of
// BENCHMARKS.md a parallel scan of activity_last took 105-150 ms where one
// process took 67-70 ms, the workers competing with the rescore itself.
func pgRollupDDL() []string {
	both := "(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)"
	return []string{
		"ALTER TABLE activity_days SET (fillfactor = 80, parallel_workers = 0)",
		"ALTER TABLE activity_last SET (fillfactor = 70, parallel_workers = 0)",
		pgRollupSerializeFn,
		fmt.Sprintf(pgRollupInsertFn, "activity_rollup_insert() RETURNS trigger", "new_rows", "RETURN NULL;", rollupDeferred),
		fmt.Sprintf(pgRollupInsertFn, "activity_rollup_flush() RETURNS void", rollupPending, "TRUNCATE "+rollupPending+";", ""),
		fmt.Sprintf(pgRollupRecountFn, "old_rows", "activity_rollup_delete"),
		fmt.Sprintf(pgRollupRecountFn, both, "activity_rollup_update"),
		pgRollupTruncateFn,
		"DROP TRIGGER IF EXISTS activity_rollup_serialize ON activities",
		`CREATE TRIGGER activity_rollup_serialize BEFORE INSERT ON activities
		FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_serialize()`,
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
// each group. Days are written in day order so that a window of days is a
// run of adjacent heap pages, as it is for days the triggers add one
// ingestion day at a time (a 7-day window read 5,700 pages of a table
// backfilled in account order).
var rollupBackfill = struct{ days, last string }{
	days: `INSERT INTO activity_days (day, account_id, users)
	SELECT day, account_id, COUNT(*) FROM (SELECT DISTINCT account_id, day, user_id FROM activities) u
	GROUP BY account_id, day ORDER BY day, account_id`,
	last: `INSERT INTO activity_last (account_id, kind, "key", last_day)
	SELECT account_id, 'u', user_id, MAX(day) FROM activities GROUP BY account_id, user_id
	UNION ALL
	SELECT account_id, 'f', feature, MAX(day) FROM activities WHERE feature <> '' GROUP BY account_id, feature`,
}

// ActivityRollupInsertTrigger names the PostgreSQL trigger that keeps the
// rollups as activity is inserted. A bulk loader writing millions of rows
// in one statement (models/gen) disables it for the load and runs
// ActivityRollupRebuild in the same transaction: for such a statement the
// trigger checks most user-days one by one, while the rebuild takes
// seconds.
const ActivityRollupInsertTrigger = "activity_rollup_insert"

// ActivityRollupRebuild lists the statements that recompute both rollups
// from activities, on either database.
func ActivityRollupRebuild() []string {
	return []string{"DELETE FROM activity_days", "DELETE FROM activity_last", rollupBackfill.days, rollupBackfill.last}
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
		// On PostgreSQL the caller vacuums and analyzes what was filled
		// once the migration commits (migrateLocked), so the first rescore
		// does not plan against an empty table.
		if err := db.Exec(step.sql).Error; err != nil {
			return false, fmt.Errorf("backfill %s: %w", step.name, err)
		}
		filled = true
	}
	return filled, nil
}
