package models

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// CurrentScore is one row per account: the account's fields a list
// filters and ranks on, and the head of its latest snapshot (all null
// while it has none). Triggers keep it, on accounts for the first part
// and on snapshots for the second, so every writer is covered, as the
// activity rollups are. The lists read this one narrow table instead of
// joining the accounts with each one's latest snapshot: at 100,000
// accounts that search was 100,000 index probes into the snapshots
// table, and the join with accounts most of what remained.
//
// Each half is written by its own trigger and neither touches the other's
// columns, so an account updated while it is rescored keeps both changes
// (an UPDATE in READ COMMITTED applies its SET to the newest row version).
//
// It holds the snapshot with the latest day of each account, whatever the
// day: a list asked about a day before some account's latest snapshot
// (only tests and backfills write ahead of today) reads the snapshots as
// before (see ScorePage).
type CurrentScore struct {
	AccountID uint    `gorm:"primaryKey;autoIncrement:false"`
	MRRCents  int64   `gorm:"not null;default:0"`
	Owner     *string `gorm:"size:128"`
	RenewalOn *string `gorm:"size:10"`
	ChurnedOn *string `gorm:"size:10"`

	SnapshotID   *uint
	Day          *string `gorm:"size:10"`
	Known        *bool
	Score        *int
	Computed     *int
	Status       *string    `gorm:"size:16"`
	Profile      *string    `gorm:"size:64"`
	ModelVersion *string    `gorm:"size:16"`
	UpdatedAt    *time.Time `gorm:"autoUpdateTime:false"` // the snapshot's
	// StatusSince is the day the head's status began: the earliest of the
	// snapshots up to the head that have its status with none of another
	// between them, looking back at most statusWalkRows snapshots (a
	// longer run reads as beginning at the oldest of them). A card reads
	// it instead of a year of snapshots (commands: cardHistory).
	StatusSince *string `gorm:"size:10"`
}

// statusWalkRows bounds the snapshots read to find a status's first day:
// a card shows up to a year of days in status.
const statusWalkRows = 366

// currentScoresStep names the trigger definitions below in the schema
// fingerprint: change it whenever they change, so every database
// re-creates them on its next start.
const currentScoresStep = "current scores v8: a row per account, triggers on accounts and snapshots in key order sorting the head only, heads updated before the missing rows are inserted, the status's first day (kept by deletes after it, walked on a snapshot of its own), fillfactor, no parallel scans, rank index, backfill when empty"

// The PostgreSQL triggers that keep current_scores as accounts and
// snapshots are inserted. A bulk loader writing millions of rows in one
// statement (models/gen) disables them for the load and runs
// CurrentScoresRebuild in the same transaction, as it does for the
// activity rollups.
const (
	CurrentScoresAccountsTrigger  = "current_scores_accounts_insert"
	CurrentScoresSnapshotsTrigger = "current_scores_snapshots_insert"
)

// The two halves' columns: currentAccountCols as current_scores and
// accounts both name them; the head as current_scores names it
// (currentHeadCols) and as snapshots does (snapshotHeadColumns), in the
// same order.
const (
	currentAccountCols  = "mrr_cents, owner, renewal_on, churned_on"
	currentAccountSet   = "mrr_cents = excluded.mrr_cents, owner = excluded.owner, renewal_on = excluded.renewal_on, churned_on = excluded.churned_on"
	currentHeadCols     = "snapshot_id, day, known, score, computed, status, profile, model_version, updated_at"
	snapshotHeadColumns = "id, day, known, score, computed, status, profile, model_version, updated_at"
	currentHeadSet      = `snapshot_id = excluded.snapshot_id, day = excluded.day, known = excluded.known, score = excluded.score,
		computed = excluded.computed, status = excluded.status, profile = excluded.profile,
		model_version = excluded.model_version, updated_at = excluded.updated_at`
	currentHeadNull = `snapshot_id = NULL, day = NULL, known = NULL, score = NULL, computed = NULL, status = NULL,
		profile = NULL, model_version = NULL, updated_at = NULL, status_since = NULL`
)

// The status's first day (CurrentScore.StatusSince) as the triggers keep
// it. Most writes move a head on by one snapshot (the daily rescore) or
// rewrite it (a rescore of the day): the new head's run then starts on
// its own day when the status changed from the previous head's, and is
// the previous head's when it did not. Anything else (a status changed
// within the day, several days of an account in one statement, a day
// before the head written or deleted, a head with no known first day)
// walks back from the head over at most statusWalkRows snapshots.
//
// pgStatusSinceFn is the walk on PostgreSQL: a loop that stops at the
// first snapshot of another status, so a recent change costs a few rows.
// It is VOLATILE so that its query takes a snapshot of its own: a trigger
// that waited for a concurrent writer's row lock then walks that writer's
// committed snapshots too, where its statement's older snapshot would miss
// them.
var pgStatusSinceFn = `CREATE OR REPLACE FUNCTION current_status_since(acct bigint, head text, st text) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $fn$
DECLARE
	since text := head;
	r record;
BEGIN
	FOR r IN SELECT day, status FROM snapshots WHERE account_id = acct AND day < head ORDER BY day DESC LIMIT ` + statusWalkRowsSQL + ` LOOP
		EXIT WHEN r.status IS DISTINCT FROM st;
		since := r.day;
	END LOOP;
	RETURN since;
END
$fn$`

var statusWalkRowsSQL = strconv.Itoa(statusWalkRows)

// sqliteStatusSince is the walk on SQLite, for the snapshot of account
// acct on day head with status st (SQL expressions): the earliest of the
// latest statusWalkRows snapshots before head that come after the last
// one of another status among them, or head itself. That last one is a
// bound of the index range, which SQLite computes once: as a filter it was
// computed again for every row walked.
func sqliteStatusSince(acct, head, st string) string {
	other := `COALESCE((SELECT MAX(o.day) FROM (SELECT day, status FROM snapshots WHERE account_id = ` + acct + ` AND day < ` + head +
		` ORDER BY day DESC LIMIT ` + statusWalkRowsSQL + `) o WHERE o.status <> ` + st + `), '')`
	return `(SELECT COALESCE(MIN(r.day), ` + head + `) FROM (SELECT day FROM snapshots WHERE account_id = ` + acct + ` AND day < ` + head +
		` AND day > ` + other + ` ORDER BY day DESC LIMIT ` + statusWalkRowsSQL + `) r)`
}

// statusSinceStep is the CASE that keeps a head's first day as its
// snapshot c is replaced by n (the new head; first is the earliest day the
// statement wrote for the account, n's own when it wrote one), walking
// back (walk) when that is not one of the two common moves.
func statusSinceStep(c, n, first, walk string) string {
	return `CASE WHEN ` + first + ` < ` + n + `.day THEN ` + walk + `
		WHEN ` + c + `.day < ` + n + `.day AND ` + c + `.status <> ` + n + `.status THEN ` + n + `.day
		WHEN ` + c + `.status = ` + n + `.status AND ` + c + `.status_since IS NOT NULL THEN ` + c + `.status_since
		ELSE ` + walk + ` END`
}

// PostgreSQL keeps current_scores with statement-level triggers, each
// seeing its statement's rows as a transition table (COPY fills one too).
// Rows are visited in account order, so two writers lock the rows they
// share in the same order and cannot deadlock: hash and merge joins are
// off inside the functions, so each join is a loop over the statement's
// sorted rows probing current_scores' primary key.
const pgCurrentFnHead = `LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
`

func pgCurrentDDL() []string {
	fnDeclaring := func(name, declare, body string) string {
		return "CREATE OR REPLACE FUNCTION " + name + "() RETURNS trigger " + pgCurrentFnHead + declare + "BEGIN\n" + body + "\n\tRETURN NULL;\nEND\n$fn$"
	}
	fn := func(name, body string) string { return fnDeclaring(name, "", body) }
	trigger := func(name, event, table, ref, fn string) []string {
		return []string{"DROP TRIGGER IF EXISTS " + name + " ON " + table,
			"CREATE TRIGGER " + name + " AFTER " + event + " ON " + table + " " + ref + " FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()"}
	}
	ddl := []string{
		// The daily rescore rewrites every row: free space on each page
		// keeps the new version on the same page, and the indexes
		// untouched (a HOT update) where the rank did not change. The
		// lists scan the table (100,000 rows) without parallel workers:
		// starting two workers for each list cost more than the scan on
		// the 2-core machine of BENCHMARKS.md (/health list p99 at
		// 100,000 accounts: 174-214 ms with them, 46-90 ms without).
		"ALTER TABLE current_scores SET (fillfactor = 50, parallel_workers = 0)",
		pgStatusSinceFn,
		fn("current_scores_accounts_insert", `INSERT INTO current_scores (account_id, `+currentAccountCols+`)
	SELECT id, `+currentAccountCols+` FROM new_rows ORDER BY id
	ON CONFLICT (account_id) DO UPDATE SET `+currentAccountSet+`;`),
		fn("current_scores_accounts_update", `UPDATE current_scores c SET mrr_cents = n.mrr_cents, owner = n.owner,
		renewal_on = n.renewal_on, churned_on = n.churned_on
	FROM (SELECT id, `+currentAccountCols+` FROM new_rows ORDER BY id) n
	WHERE c.account_id = n.id AND (c.mrr_cents, c.owner, c.renewal_on, c.churned_on)
		IS DISTINCT FROM (n.mrr_cents, n.owner, n.renewal_on, n.churned_on);`),
		fn("current_scores_accounts_delete", `DELETE FROM current_scores c USING (SELECT id FROM old_rows ORDER BY id) o WHERE c.account_id = o.id;`),
		// A snapshot replaces the head unless the stored one is of a later
		// day; an account with no row yet (written while the triggers
		// were off) gets one with its account's fields. Only the head's
		// columns are sorted: with the JSON columns, the daily rescore's
		// 100,000 rows spilled to disk.
		//
		// The heads are updated first, and only when fewer rows were
		// updated than the statement has accounts are the missing rows
		// inserted: every account has its row but for those written
		// while the triggers were off, and an INSERT … ON CONFLICT of
		// every row, which also joined each with its account, cost the
		// daily rescore's COPY of 93,300 snapshots at 100,000 accounts
		// 0.2-0.3 s more (BENCHMARKS.md). An account whose stored day is
		// later is neither updated nor missing: it takes the insert's
		// probe, and the insert finds nothing to do.
		fnDeclaring("current_scores_snapshots_upsert", "DECLARE\n\twant bigint;\n\tgot bigint;\n", `WITH n AS MATERIALIZED (
		SELECT DISTINCT ON (account_id) account_id, `+snapshotHeadColumns+`, MIN(day) OVER (PARTITION BY account_id) AS first
		FROM new_rows ORDER BY account_id, day DESC),
	u AS (
		UPDATE current_scores c SET (`+currentHeadCols+`, status_since) = (`+prefixed("n.", snapshotHeadColumns)+`,
			`+statusSinceStep("c", "n", "n.first", "current_status_since(n.account_id, n.day, n.status)")+`)
		FROM n WHERE c.account_id = n.account_id AND (c.day IS NULL OR c.day <= n.day)
		RETURNING 1)
	SELECT (SELECT COUNT(*) FROM n), (SELECT COUNT(*) FROM u) INTO want, got;
	IF got < want THEN
		INSERT INTO current_scores (account_id, `+currentAccountCols+`, `+currentHeadCols+`, status_since)
		SELECT n.account_id, a.mrr_cents, a.owner, a.renewal_on, a.churned_on, `+prefixed("n.", snapshotHeadColumns)+`,
			current_status_since(n.account_id, n.day, n.status)
		FROM (SELECT DISTINCT ON (account_id) account_id, `+snapshotHeadColumns+` FROM new_rows ORDER BY account_id, day DESC) n
		JOIN accounts a ON a.id = n.account_id
		WHERE NOT EXISTS (SELECT 1 FROM current_scores c WHERE c.account_id = n.account_id)
		ORDER BY n.account_id
		ON CONFLICT (account_id) DO UPDATE SET `+currentHeadSet+`, status_since = excluded.status_since
		WHERE current_scores.day IS NULL OR current_scores.day <= excluded.day;
		-- A day before the head was written: the head's run may have
		-- changed.
		UPDATE current_scores c SET status_since = current_status_since(c.account_id, c.day, c.status)
		FROM (SELECT account_id, MAX(day) AS day FROM new_rows GROUP BY account_id ORDER BY account_id) n
		WHERE c.account_id = n.account_id AND c.day > n.day;
	END IF;`),
		// An account whose head was deleted gets its latest remaining
		// snapshot's, or none. Deleting snapshots after the first day of
		// the head's status leaves that day as it was (the new head, the
		// latest left, is that day or later, and what is left between
		// them has the status); deleting that day or earlier walks.
		fn("current_scores_snapshots_delete", `UPDATE current_scores c SET (`+currentHeadCols+`) = (
		SELECT `+snapshotHeadColumns+` FROM snapshots s WHERE s.account_id = c.account_id ORDER BY s.day DESC LIMIT 1)
	FROM (SELECT DISTINCT account_id, id FROM old_rows ORDER BY account_id) o
	WHERE c.account_id = o.account_id AND c.snapshot_id = o.id;
	UPDATE current_scores c SET status_since = current_status_since(c.account_id, c.day, c.status)
	FROM (SELECT account_id, MIN(day) AS first FROM old_rows GROUP BY account_id ORDER BY account_id) o
	WHERE c.account_id = o.account_id AND (c.day IS NULL OR c.status_since IS NULL OR c.status_since >= o.first);`),
		fn("current_scores_snapshots_truncate", `UPDATE current_scores SET `+currentHeadNull+`;`),
		fn("current_scores_accounts_truncate", `TRUNCATE current_scores;`),
	}
	for _, t := range [][]string{
		trigger(CurrentScoresAccountsTrigger, "INSERT", "accounts", "REFERENCING NEW TABLE AS new_rows", "current_scores_accounts_insert"),
		trigger("current_scores_accounts_update", "UPDATE", "accounts", "REFERENCING NEW TABLE AS new_rows", "current_scores_accounts_update"),
		trigger("current_scores_accounts_delete", "DELETE", "accounts", "REFERENCING OLD TABLE AS old_rows", "current_scores_accounts_delete"),
		trigger("current_scores_accounts_truncate", "TRUNCATE", "accounts", "", "current_scores_accounts_truncate"),
		trigger(CurrentScoresSnapshotsTrigger, "INSERT", "snapshots", "REFERENCING NEW TABLE AS new_rows", "current_scores_snapshots_upsert"),
		trigger("current_scores_snapshots_update", "UPDATE", "snapshots", "REFERENCING NEW TABLE AS new_rows", "current_scores_snapshots_upsert"),
		trigger("current_scores_snapshots_delete", "DELETE", "snapshots", "REFERENCING OLD TABLE AS old_rows", "current_scores_snapshots_delete"),
		trigger("current_scores_snapshots_truncate", "TRUNCATE", "snapshots", "", "current_scores_snapshots_truncate"),
	} {
		ddl = append(ddl, t...)
	}
	return ddl
}

// currentRank is the first key of a list's rank (known scores first), as
// current_scores_rank indexes it with the score and the MRR, largest
// first: the worst 25 of a list are the start of that index.
const currentRank = "CASE WHEN known THEN 0 ELSE 1 END"

const currentRankIndex = "CREATE INDEX IF NOT EXISTS current_scores_rank ON current_scores ((" + currentRank + "), score, (-mrr_cents))"

// SQLite has row-level triggers only, and one writer at a time.
func sqliteCurrentDDL() []string {
	accountsUpsert := `INSERT INTO current_scores (account_id, ` + currentAccountCols + `)
	VALUES (NEW.id, NEW.mrr_cents, NEW.owner, NEW.renewal_on, NEW.churned_on)
	ON CONFLICT (account_id) DO UPDATE SET ` + currentAccountSet + `;`
	// A new row (written while the triggers were off) walks for its first
	// day; an existing one takes statusSinceStep, whose walk sees the
	// stored head as c.
	snapshotUpsert := `INSERT INTO current_scores (account_id, ` + currentAccountCols + `, ` + currentHeadCols + `, status_since)
	SELECT NEW.account_id, a.mrr_cents, a.owner, a.renewal_on, a.churned_on,
		NEW.id, NEW.day, NEW.known, NEW.score, NEW.computed, NEW.status, NEW.profile, NEW.model_version, NEW.updated_at,
		CASE WHEN EXISTS (SELECT 1 FROM current_scores c WHERE c.account_id = NEW.account_id) THEN NULL
			ELSE ` + sqliteStatusSince("NEW.account_id", "NEW.day", "NEW.status") + ` END
	FROM accounts a WHERE a.id = NEW.account_id
	ON CONFLICT (account_id) DO UPDATE SET ` + currentHeadSet + `,
		status_since = ` + statusSinceStep("current_scores", "excluded", "excluded.day", sqliteStatusSince("NEW.account_id", "NEW.day", "NEW.status")) + `
	WHERE current_scores.day IS NULL OR current_scores.day <= excluded.day;
	UPDATE current_scores SET status_since = ` + sqliteStatusSince("current_scores.account_id", "current_scores.day", "current_scores.status") + `
	WHERE account_id = NEW.account_id AND day > NEW.day;`
	var ddl []string
	for _, t := range []struct{ name, event, body string }{
		{CurrentScoresAccountsTrigger, "INSERT ON accounts", accountsUpsert},
		{"current_scores_accounts_update", "UPDATE ON accounts", accountsUpsert},
		{"current_scores_accounts_delete", "DELETE ON accounts", "DELETE FROM current_scores WHERE account_id = OLD.id;"},
		{CurrentScoresSnapshotsTrigger, "INSERT ON snapshots", snapshotUpsert},
		{"current_scores_snapshots_update", "UPDATE ON snapshots", snapshotUpsert},
		{"current_scores_snapshots_delete", "DELETE ON snapshots", `UPDATE current_scores SET (` + currentHeadCols + `) = (
		SELECT ` + snapshotHeadColumns + ` FROM snapshots s WHERE s.account_id = OLD.account_id ORDER BY s.day DESC LIMIT 1)
	WHERE account_id = OLD.account_id AND snapshot_id = OLD.id;
	UPDATE current_scores SET status_since = ` + sqliteStatusSince("current_scores.account_id", "current_scores.day", "current_scores.status") + `
	WHERE account_id = OLD.account_id AND (day IS NULL OR status_since IS NULL OR status_since >= OLD.day);`},
	} {
		ddl = append(ddl, "DROP TRIGGER IF EXISTS "+t.name,
			"CREATE TRIGGER "+t.name+" AFTER "+t.event+" BEGIN\n\t"+t.body+"\nEND")
	}
	return ddl
}

// currentBackfill fills current_scores from accounts and snapshots: per
// account one probe of the unique (account_id, day) index for its latest
// snapshot, so a year of history costs what a day does.
var currentBackfill = map[string]string{
	DialectPostgres: `INSERT INTO current_scores (account_id, ` + currentAccountCols + `, ` + currentHeadCols + `)
	SELECT a.id, a.mrr_cents, a.owner, a.renewal_on, a.churned_on, l.* FROM accounts a
	LEFT JOIN LATERAL (SELECT ` + snapshotHeadColumns + ` FROM snapshots s WHERE s.account_id = a.id ORDER BY s.day DESC LIMIT 1) l ON true
	ORDER BY a.id`,
	DialectSQLite: `INSERT INTO current_scores (account_id, ` + currentAccountCols + `, ` + currentHeadCols + `)
	SELECT a.id, a.mrr_cents, a.owner, a.renewal_on, a.churned_on, ` + prefixed("s.", snapshotHeadColumns) + `
	FROM accounts a LEFT JOIN snapshots s
		ON s.id = (SELECT z.id FROM snapshots z WHERE z.account_id = a.id ORDER BY z.day DESC LIMIT 1)`,
}

// statusSinceBackfill gives each head without a first day its first day,
// walking its account's latest statusWalkRows snapshots at most: after
// currentBackfill, and on every migration, where it finds none missing
// unless the triggers in place did not keep them (ensureCurrentScores
// then walks every head's). BENCHMARKS.md times it.
var statusSinceBackfill = map[string]string{
	DialectPostgres: `UPDATE current_scores SET status_since = current_status_since(account_id, day, status)
	WHERE day IS NOT NULL AND status_since IS NULL`,
	DialectSQLite: `UPDATE current_scores SET status_since = ` + sqliteStatusSince("current_scores.account_id", "current_scores.day", "current_scores.status") + `
	WHERE day IS NOT NULL AND status_since IS NULL`,
}

// CurrentScoresRebuild lists the statements that recompute current_scores
// from accounts and snapshots, on PostgreSQL.
func CurrentScoresRebuild() []string {
	return []string{"DELETE FROM current_scores", currentBackfill[DialectPostgres], statusSinceBackfill[DialectPostgres]}
}

// ensureCurrentScores (re)creates the triggers and, when current_scores
// is empty while accounts is not (a database from before the table),
// backfills it, reporting whether it did. It runs inside the migration's
// transaction: creating a trigger locks its table against writes until
// the commit, so the backfill and the triggers see the same rows.
func ensureCurrentScores(db *gorm.DB) (bool, error) {
	dialect := db.Dialector.Name()
	ddl := sqliteCurrentDDL()
	if dialect == DialectPostgres {
		ddl = pgCurrentDDL()
	}
	ddl = append(ddl, currentRankIndex)
	// The first version of current_scores (one commit, b60c1f4) kept heads
	// only, with triggers that rewrote whole rows: a table it filled holds
	// no account fields, and its triggers would blank them again. Both go.
	var first bool
	q := "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'current_scores_insert')"
	if dialect == DialectPostgres {
		q = "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'current_scores_insert' AND tgrelid = 'snapshots'::regclass)"
	}
	if err := db.Raw(q).Scan(&first).Error; err != nil {
		return false, fmt.Errorf("current scores: %w", err)
	}
	if first {
		ddl = append(firstVersionDrops(dialect), append(ddl, "DELETE FROM current_scores")...)
	}
	// A database from before status_since, or one an older binary
	// migrated back to its own triggers while it ran, holds first days
	// missing or out of date: then every head's is walked again, else only
	// those missing.
	var kept bool
	q = "SELECT COALESCE((SELECT sql LIKE '%status_since%' FROM sqlite_master WHERE type = 'trigger' AND name = '" + CurrentScoresSnapshotsTrigger + "'), 0)"
	if dialect == DialectPostgres {
		q = "SELECT COALESCE((SELECT prosrc LIKE '%status_since%' FROM pg_proc WHERE oid = to_regproc('current_scores_snapshots_upsert')), false)"
	}
	if err := db.Raw(q).Scan(&kept).Error; err != nil {
		return false, fmt.Errorf("current scores: %w", err)
	}
	for _, q := range ddl {
		if err := db.Exec(q).Error; err != nil {
			return false, fmt.Errorf("current scores triggers: %s: %w", strings.SplitN(strings.TrimSpace(q), "\n", 2)[0], err)
		}
	}
	var empty struct{ Accounts, Current bool }
	err := db.Raw(`SELECT NOT EXISTS (SELECT 1 FROM accounts) AS accounts, NOT EXISTS (SELECT 1 FROM current_scores) AS current`).
		Scan(&empty).Error
	if err != nil {
		return false, fmt.Errorf("current scores: %w", err)
	}
	backfill := !empty.Accounts && empty.Current
	if backfill {
		if err := db.Exec(currentBackfill[dialect]).Error; err != nil {
			return false, fmt.Errorf("backfill current scores: %w", err)
		}
	}
	fill := statusSinceBackfill[dialect]
	if !kept {
		fill = strings.TrimSuffix(fill, " AND status_since IS NULL")
	}
	res := db.Exec(fill)
	if res.Error != nil {
		return false, fmt.Errorf("backfill current scores: first day of each status: %w", res.Error)
	}
	return backfill || res.RowsAffected > 0, nil
}

// prefixed qualifies each column of the list cols with alias (as "s.").
func prefixed(alias, cols string) string {
	return alias + strings.ReplaceAll(cols, ", ", ", "+alias)
}

// firstVersionDrops removes the first version's triggers and functions.
func firstVersionDrops(dialect string) []string {
	var out []string
	for _, name := range []string{"current_scores_insert", "current_scores_update", "current_scores_delete", "current_scores_truncate"} {
		if dialect == DialectPostgres {
			out = append(out, "DROP TRIGGER IF EXISTS "+name+" ON snapshots")
		} else {
			out = append(out, "DROP TRIGGER IF EXISTS "+name)
		}
	}
	if dialect == DialectPostgres {
		for _, fn := range []string{"current_scores_upsert", "current_scores_delete", "current_scores_truncate"} {
			out = append(out, "DROP FUNCTION IF EXISTS "+fn+"()")
		}
	}
	return out
}
