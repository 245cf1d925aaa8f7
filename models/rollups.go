package models

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// The activity rollups (ActivityDay, ActivityLast) let a rescore read a few
// hundred thousand small rows instead of 30 days of raw activity with three
// distinct counts per account. They are kept by triggers on activities, so
// every writer is covered without knowing about them: the ingestion COPY
// and INSERT … ON CONFLICT paths, gorm Create, and plain DELETE, UPDATE and
// TRUNCATE. The dataset generator alone turns the insert trigger off for
// its one COPY of millions of rows and rebuilds the rollups in the same
// transaction (ActivityRollupRebuild).
//
// On PostgreSQL an insert only queues its rows (activity_rollup_queue);
// folding them into the rollups (activity_rollup_fold, Store.FoldActivity-
// Rollups) is left to the work after the commit: the rescore of the
// batch's accounts, the daily rescore, an import's end. Folding cost
// 2.0-2.8 s of a 3.0 s 100,000-row batch, one index probe and one row
// written per key, and kept ingestion at an eighth of a raw COPY's rate;
// folded later, the keys of several batches of one day are written once.
// The rollups stay exact for readers all the same: rollups plus queue are
// the activity, and a reader takes the accounts with queued rows from
// their raw rows, as it does those with activity dated after its day
// (activityFromRollups, orgUsage).
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
const rollupStep = "activity rollups v15: triggers on activities, fillfactor, no parallel scans, backfill when empty, inserters serialized, inserts queued and folded after the commit beside ingestion, no sequential scans of activities"

// PostgreSQL keeps the rollups with statement-level triggers: each sees the
// statement's rows as a transition table (COPY fills one too). The insert
// trigger appends them to activity_rollup_queue, a heap without indexes;
// activity_rollup_fold applies the queue to the rollups set-based, as if
// one statement had inserted every queued row, and empties it.
//
// The fold raises last days and adds the user-days it created to
// activity_days without reading activities in the usual case (rows dated
// on or after their users' last days): a user whose last day the fold
// raised (an UPDATE … WHERE last_day < new day that wrote the row) had no
// activity on the new day before. Its other user-days (queued rows
// spanning days, or a past day) are checked against activities. That
// holds because the rollups are always those of the activity minus the
// queue, as the fold sees both: folds run one at a time, and each reads
// one snapshot taken after the previous fold committed (a repeatable-read
// transaction that locked the queue first, Store.FoldActivityRollups), so
// every row it counts in activities is either folded already or in the
// queue it folds; rows committed meanwhile stay queued for the next fold.
// Ingestion goes on while a fold runs. A fold in a read-committed
// transaction (a trigger's, retention's), whose statements each take a
// snapshot of their own, holds inserters off instead. Stored rows are
// changed by a plain UPDATE and only the missing ones go through INSERT …
// ON CONFLICT: the upsert locks each row before updating it, and cost
// twice as much on the ingestion benchmark, where the last days move for
// nearly every row. Only the keys the UPDATE did not raise are looked up
// again, to tell the missing ones from those stored with a later or the
// same last day.
//
// A delete or update recounts what it touched. Before it runs, it locks
// activities against other writers (which waits for those under way) and
// folds the queue, so its recounts start from rollups that include every
// row and no queued row of what it deletes is folded in afterwards.
// Deleting activity is rare (corrections, tests); ingestion only inserts.

// pgRollupFoldFn is the fold. Keys are visited in key order, so the
// rollups' pages are met in order. Its joins are index probes from the
// queued rows: left to itself, the planner hashed
// all of activity_last (190,000 rows at 10,000 accounts) to update 6,000
// of them, half the work, so hash and merge joins are off inside it. Where
// a join against a CTE would then be a nested loop over it, set operations
// stand in: EXCEPT (hashed) takes the raised keys and updated days out of
// the upserts, and the uncertain user-days are found by grouping.
// Sequential scans are off while the uncertain user-days are counted in
// activities, for the month table of today's activity: created ahead of
// its month, an ANALYZE (autovacuum, or a VACUUM ANALYZE of activities)
// finds it empty, and from then on its rows were counted by scanning the
// whole table once per uncertain user-day, as the day filled it (the
// Segment benchmark's uncertain-day counts went from 0.25 to 5.4 ms per
// statement over four runs). Only there: with them off for the whole
// function, each statement reading the queue (which has no index to use
// instead) took 8 ms to plan, 170 ms in a new session, so a fold of an
// empty queue cost a rescore up to 175 ms, and one of 100,000 rows took
// 1.9-2.5 s instead of 1.4-1.8 s. The fold allows itself work_mem for a
// batch's sorts, which spilled to disk at the default 4 MB. It returns
// how many queued rows it folded. The queue is emptied by DELETE, not TRUNCATE: TRUNCATE
// would wait for every open transaction that read the queue (a rescore
// holds its lock to its commit) while holding the inserters' lock, and
// would make the queue look empty to a transaction whose snapshot is
// older. Store.FoldActivityRollups vacuums it after the commit.
const pgRollupFoldFn = `CREATE OR REPLACE FUNCTION activity_rollup_fold() RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_hashjoin = off SET enable_mergejoin = off SET work_mem = '64MB' AS $fn$
DECLARE
	ua bigint[]; ud text[]; uu text[]; un bigint[]; folded bigint; seqscan text;
BEGIN
	-- Activities before the queue, in the order a delete's trigger takes them.
	IF current_setting('transaction_isolation') NOT IN ('repeatable read', 'serializable') THEN
		LOCK TABLE activities IN SHARE ROW EXCLUSIVE MODE;
	END IF;
	LOCK TABLE activity_rollup_queue IN SHARE UPDATE EXCLUSIVE MODE;
	IF NOT EXISTS (SELECT 1 FROM activity_rollup_queue) THEN
		RETURN 0;
	END IF;
	WITH n AS MATERIALIZED (
		SELECT account_id, 'u'::text AS kind, user_id AS key, MAX(day) AS day, MIN(day) = MAX(day) AS one_day
		FROM activity_rollup_queue GROUP BY account_id, user_id
		UNION ALL
		SELECT account_id, 'f', feature, MAX(day), true FROM activity_rollup_queue WHERE feature <> '' GROUP BY account_id, feature
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
			SELECT account_id, day, user_id, COUNT(*) AS n, false AS certain FROM activity_rollup_queue GROUP BY account_id, day, user_id
			UNION ALL
			SELECT account_id, day, user_id, 0, true FROM certain) x
		GROUP BY account_id, day, user_id HAVING NOT bool_or(certain)) d
	-- Nothing is uncertain when every queued user was active on one day and
	-- had that day certified: the usual ingestion of a new day. The test is
	-- a one-time filter, so the grouping above does not run then.
	WHERE (SELECT COUNT(*) FROM certain) < (SELECT COUNT(*) FROM n WHERE kind = 'u')
	OR EXISTS (SELECT 1 FROM n WHERE NOT one_day);
	IF ua IS NOT NULL THEN
		-- A user-day is new when the queued rows are all activities holds of it.
		seqscan := current_setting('enable_seqscan');
		PERFORM set_config('enable_seqscan', 'off', true);
		INSERT INTO activity_days (day, account_id, users)
		SELECT v.day, v.account_id, COUNT(*) FROM unnest(ua, ud, uu, un) AS v(account_id, day, user_id, n)
		WHERE (SELECT COUNT(*) FROM activities a WHERE a.account_id = v.account_id AND a.day = v.day AND a.user_id = v.user_id) = v.n
		GROUP BY v.day, v.account_id ORDER BY 1, 2
		ON CONFLICT (day, account_id) DO UPDATE SET users = activity_days.users + excluded.users;
		PERFORM set_config('enable_seqscan', seqscan, true);
	END IF;
	DELETE FROM activity_rollup_queue;
	GET DIAGNOSTICS folded = ROW_COUNT;
	RETURN folded;
END
$fn$`

// rollupLock is the lock that lets one inserting transaction at a time
// per schema write activities (pgRollupSerializeFn).
const rollupLock = "pg_advisory_xact_lock(1751282292, hashtext(current_schema()))"

// pgRollupQueueFn is the INSERT trigger: it queues the statement's rows
// for the fold.
const pgRollupQueueFn = `CREATE OR REPLACE FUNCTION activity_rollup_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	INSERT INTO activity_rollup_queue SELECT account_id, day, user_id, feature FROM new_rows;
	RETURN NULL;
END
$fn$`

// pgRollupFoldFirstFn is the BEFORE DELETE and BEFORE UPDATE statement
// trigger. It locks activities against inserters (waiting for those under
// way) before it folds, and holds them off until its commit, so the
// recount that follows sees every row.
const pgRollupFoldFirstFn = `CREATE OR REPLACE FUNCTION activity_rollup_fold_first() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	LOCK TABLE activities IN SHARE ROW EXCLUSIVE MODE;
	PERFORM activity_rollup_fold();
	RETURN NULL;
END
$fn$`

// RollupQueueTable holds the activity rows inserted on PostgreSQL since
// the last fold (pgRollupFoldFn). SQLite has it too, always empty, so the
// readers' statements are the same on both.
const RollupQueueTable = "activity_rollup_queue"

// pgRollupSerializeFn is a BEFORE INSERT statement trigger: it lets one
// inserting transaction at a time per schema write activities, from its
// first statement until it commits. Two ingestions at once whose later
// statements met each other's earlier rows in the opposite order would
// wait for each other; so did the rollup rows the insert trigger wrote
// when it kept the rollups itself. Taken before the statement inserts
// anything, the lock is never awaited while holding a row another inserter
// waits for. It is an advisory lock (keyed like the migration lock,
// another class) because every self-conflicting table lock mode also
// conflicts with (auto)vacuum and analyze of the rollups.
const pgRollupSerializeFn = `CREATE OR REPLACE FUNCTION activity_rollup_serialize() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	PERFORM ` + rollupLock + `;
	RETURN NULL;
END
$fn$`

// pgRollupRecountFn is the AFTER DELETE and AFTER UPDATE trigger (%[2]s is
// its name, %[1]s the rows it touched), run on rollups the BEFORE trigger
// brought up to date (pgRollupFoldFirstFn): the last day of every touched user and
// feature recomputed (dropped when none is left), and every touched day
// recounted (dropped when empty). The MATERIALIZED CTEs run each recount
// once per key, where an inlined subquery would run in both the WHERE and
// the SET of an upsert.
const pgRollupRecountFn = `CREATE OR REPLACE FUNCTION %[2]s() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
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

// pgRollupTruncateFn empties the rollups and the queue with activities
// (the queue by DELETE, see pgRollupFoldFn). A rollup the same statement
// truncated too (TRUNCATE activities, activity_days) is empty already and
// must be left alone: truncating it again from here fails, as it is in
// use by that statement.
const pgRollupTruncateFn = `CREATE OR REPLACE FUNCTION activity_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	DELETE FROM activity_rollup_queue;
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
// The queue is created like activities, without its key: it is only ever
// read whole (the fold) or for its accounts (the readers), and an index
// would cost each insert as much again.
func pgRollupDDL() []string {
	both := "(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)"
	return []string{
		"ALTER TABLE activity_days SET (fillfactor = 80, parallel_workers = 0)",
		"ALTER TABLE activity_last SET (fillfactor = 70, parallel_workers = 0)",
		"CREATE TABLE IF NOT EXISTS " + RollupQueueTable + " (LIKE activities)",
		"ALTER TABLE " + RollupQueueTable + " SET (parallel_workers = 0)",
		"DROP FUNCTION IF EXISTS activity_rollup_flush()", // the queue's predecessor (a per-session table flushed at commit)
		pgRollupSerializeFn,
		pgRollupQueueFn,
		pgRollupFoldFn,
		pgRollupFoldFirstFn,
		fmt.Sprintf(pgRollupRecountFn, "old_rows", "activity_rollup_delete"),
		fmt.Sprintf(pgRollupRecountFn, both, "activity_rollup_update"),
		pgRollupTruncateFn,
		"DROP TRIGGER IF EXISTS activity_rollup_serialize ON activities",
		`CREATE TRIGGER activity_rollup_serialize BEFORE INSERT ON activities
		FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_serialize()`,
		"DROP TRIGGER IF EXISTS activity_rollup_insert ON activities",
		`CREATE TRIGGER activity_rollup_insert AFTER INSERT ON activities
		REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_insert()`,
		"DROP TRIGGER IF EXISTS activity_rollup_fold_first ON activities",
		`CREATE TRIGGER activity_rollup_fold_first BEFORE DELETE OR UPDATE ON activities
		FOR EACH STATEMENT EXECUTE FUNCTION activity_rollup_fold_first()`,
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
		"CREATE TABLE IF NOT EXISTS " + RollupQueueTable + ` (account_id integer NOT NULL, day text NOT NULL,
		user_id text NOT NULL, feature text NOT NULL DEFAULT '')`,
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
// from activities, on either database, emptying the queue they make
// redundant.
func ActivityRollupRebuild() []string {
	return []string{"DELETE FROM " + RollupQueueTable, "DELETE FROM activity_days", "DELETE FROM activity_last",
		rollupBackfill.days, rollupBackfill.last}
}

// ensureActivityRollups (re)creates the rollup triggers and, when either
// rollup table is empty while activities is not, rebuilds both from
// activities and empties the queue (ActivityRollupRebuild): a database
// migrated from before the rollups, or one whose rollups were emptied by
// hand. Both, because a rollup rebuilt from every row and a queue folded
// into it later would count the queued rows twice. It runs inside the
// migration's transaction; creating a trigger locks activities against
// writes until it commits, so the rebuild and the triggers see the same
// rows. It reports whether it rebuilt anything.
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
	if empty.Activities || !empty.Days && !empty.Last {
		return false, nil
	}
	// On PostgreSQL the caller vacuums and analyzes what was filled once
	// the migration commits (migrateLocked), so the first rescore does
	// not plan against an empty table.
	for _, q := range ActivityRollupRebuild() {
		if err := db.Exec(q).Error; err != nil {
			return false, fmt.Errorf("rebuild activity rollups: %s: %w", strings.SplitN(q, "\n", 2)[0], err)
		}
	}
	return true, nil
}
