package models

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// CurrentScore is an account's latest snapshot, its head only: one row per
// account, kept by triggers on snapshots (every writer is covered, as the
// activity rollups are). The lists read it instead of finding each
// account's latest snapshot among the days of history: at 100,000 accounts
// that search was 100,000 index probes into the snapshots table and most
// of a list's 0.2-0.6 s; this table is a few megabytes read in one pass.
//
// It holds the snapshot with the latest day of each account, whatever the
// day: a list asked about a day before some account's latest snapshot
// (only tests and backfills write ahead of today) reads the snapshots as
// before (see ScorePage).
type CurrentScore struct {
	AccountID    uint   `gorm:"primaryKey;autoIncrement:false"`
	SnapshotID   uint   `gorm:"not null"`
	Day          string `gorm:"size:10;not null"`
	Known        bool   `gorm:"not null"`
	Score        int    `gorm:"not null"`
	Computed     int    `gorm:"not null"`
	Status       string `gorm:"size:16;not null"`
	Profile      string `gorm:"size:64;not null;default:''"`
	ModelVersion string `gorm:"size:16;not null;default:''"`
	UpdatedAt    time.Time
}

// currentScoresStep names the trigger definitions below in the schema
// fingerprint: change it whenever they change, so every database
// re-creates them on its next start.
const currentScoresStep = "current scores v1: triggers on snapshots, fillfactor, backfill when empty"

// CurrentScoresInsertTrigger names the PostgreSQL trigger that keeps
// current_scores as snapshots are inserted. A bulk loader writing millions
// of snapshots in one statement (models/gen) disables it for the load and
// runs CurrentScoresRebuild in the same transaction, as it does for the
// activity rollups.
const CurrentScoresInsertTrigger = "current_scores_insert"

// currentColumns are current_scores' columns, and snapshotHeadColumns the
// snapshots columns they are copied from, in the same order.
const (
	currentColumns      = "account_id, snapshot_id, day, known, score, computed, status, profile, model_version, updated_at"
	snapshotHeadColumns = "account_id, id, day, known, score, computed, status, profile, model_version, updated_at"
	currentSet          = `snapshot_id = excluded.snapshot_id, day = excluded.day, known = excluded.known, score = excluded.score,
		computed = excluded.computed, status = excluded.status, profile = excluded.profile,
		model_version = excluded.model_version, updated_at = excluded.updated_at`
)

// pgCurrentUpsertFn is the INSERT and UPDATE trigger: once per statement,
// each account's newest row of it replaces the account's current score
// unless that one is of a later day. Accounts are visited in id order, so
// two writers lock the rows they share in the same order.
const pgCurrentUpsertFn = `CREATE OR REPLACE FUNCTION current_scores_upsert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	INSERT INTO current_scores (` + currentColumns + `)
	SELECT DISTINCT ON (account_id) ` + snapshotHeadColumns + ` FROM new_rows ORDER BY account_id, day DESC
	ON CONFLICT (account_id) DO UPDATE SET ` + currentSet + `
	WHERE current_scores.day <= excluded.day;
	RETURN NULL;
END
$fn$`

// pgCurrentDeleteFn is the DELETE trigger: an account whose current
// snapshot was deleted gets its latest remaining one, or no row.
const pgCurrentDeleteFn = `CREATE OR REPLACE FUNCTION current_scores_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
	WITH gone AS (
		DELETE FROM current_scores c USING old_rows o WHERE c.snapshot_id = o.id RETURNING c.account_id)
	INSERT INTO current_scores (` + currentColumns + `)
	SELECT l.* FROM (SELECT DISTINCT account_id FROM gone ORDER BY 1) g
	CROSS JOIN LATERAL (SELECT ` + snapshotHeadColumns + ` FROM snapshots s
		WHERE s.account_id = g.account_id ORDER BY s.day DESC LIMIT 1) l
	ON CONFLICT (account_id) DO UPDATE SET ` + currentSet + `
	WHERE current_scores.day <= excluded.day;
	RETURN NULL;
END
$fn$`

// pgCurrentDDL creates the functions and triggers, replacing earlier ones.
// The daily rescore rewrites every row: free space on each page (fillfactor)
// keeps those updates HOT, the new version on the same page and the
// primary key untouched.
func pgCurrentDDL() []string {
	return []string{
		"ALTER TABLE current_scores SET (fillfactor = 50)",
		pgCurrentUpsertFn,
		pgCurrentDeleteFn,
		`CREATE OR REPLACE FUNCTION current_scores_truncate() RETURNS trigger
		LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$ BEGIN TRUNCATE current_scores; RETURN NULL; END $fn$`,
		"DROP TRIGGER IF EXISTS " + CurrentScoresInsertTrigger + " ON snapshots",
		`CREATE TRIGGER ` + CurrentScoresInsertTrigger + ` AFTER INSERT ON snapshots
		REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION current_scores_upsert()`,
		"DROP TRIGGER IF EXISTS current_scores_update ON snapshots",
		`CREATE TRIGGER current_scores_update AFTER UPDATE ON snapshots
		REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION current_scores_upsert()`,
		"DROP TRIGGER IF EXISTS current_scores_delete ON snapshots",
		`CREATE TRIGGER current_scores_delete AFTER DELETE ON snapshots
		REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION current_scores_delete()`,
		"DROP TRIGGER IF EXISTS current_scores_truncate ON snapshots",
		`CREATE TRIGGER current_scores_truncate AFTER TRUNCATE ON snapshots
		FOR EACH STATEMENT EXECUTE FUNCTION current_scores_truncate()`,
	}
}

// sqliteCurrentUpsert is the row trigger body of an insert or update.
const sqliteCurrentUpsert = `INSERT INTO current_scores (` + currentColumns + `)
	VALUES (NEW.account_id, NEW.id, NEW.day, NEW.known, NEW.score, NEW.computed, NEW.status, NEW.profile, NEW.model_version, NEW.updated_at)
	ON CONFLICT (account_id) DO UPDATE SET ` + currentSet + `
	WHERE current_scores.day <= excluded.day;
`

func sqliteCurrentDDL() []string {
	return []string{
		"DROP TRIGGER IF EXISTS " + CurrentScoresInsertTrigger,
		`CREATE TRIGGER ` + CurrentScoresInsertTrigger + ` AFTER INSERT ON snapshots BEGIN ` + sqliteCurrentUpsert + ` END`,
		"DROP TRIGGER IF EXISTS current_scores_update",
		`CREATE TRIGGER current_scores_update AFTER UPDATE ON snapshots BEGIN ` + sqliteCurrentUpsert + ` END`,
		"DROP TRIGGER IF EXISTS current_scores_delete",
		`CREATE TRIGGER current_scores_delete AFTER DELETE ON snapshots BEGIN
	DELETE FROM current_scores WHERE snapshot_id = OLD.id;
	INSERT INTO current_scores (` + currentColumns + `)
	SELECT ` + snapshotHeadColumns + ` FROM snapshots
	WHERE account_id = OLD.account_id AND NOT EXISTS (SELECT 1 FROM current_scores WHERE account_id = OLD.account_id)
	ORDER BY day DESC LIMIT 1;
	END`,
	}
}

// currentBackfill fills current_scores from snapshots: per account, one
// probe of the unique (account_id, day) index for its latest row, so a
// year of history costs what a day does. Snapshots of accounts that no
// longer exist are left out; none are written.
var currentBackfill = map[string]string{
	DialectPostgres: `INSERT INTO current_scores (` + currentColumns + `)
	SELECT l.* FROM accounts a CROSS JOIN LATERAL (SELECT ` + snapshotHeadColumns + ` FROM snapshots s
		WHERE s.account_id = a.id ORDER BY s.day DESC LIMIT 1) l ORDER BY a.id`,
	DialectSQLite: `INSERT INTO current_scores (` + currentColumns + `)
	SELECT ` + snapshotHeadColumns + ` FROM snapshots s
	WHERE s.id = (SELECT z.id FROM snapshots z WHERE z.account_id = s.account_id ORDER BY z.day DESC LIMIT 1)`,
}

// CurrentScoresRebuild lists the statements that recompute current_scores
// from snapshots, on PostgreSQL.
func CurrentScoresRebuild() []string {
	return []string{"DELETE FROM current_scores", currentBackfill[DialectPostgres]}
}

// ensureCurrentScores (re)creates the triggers and, when current_scores
// is empty while snapshots is not (a database from before the table),
// backfills it. It runs inside the migration's transaction: creating a
// trigger locks snapshots against writes until the commit, so the
// backfill and the triggers see the same rows.
func ensureCurrentScores(db *gorm.DB) error {
	dialect := db.Dialector.Name()
	ddl := sqliteCurrentDDL()
	if dialect == DialectPostgres {
		ddl = pgCurrentDDL()
	}
	for _, q := range ddl {
		if err := db.Exec(q).Error; err != nil {
			return fmt.Errorf("current scores triggers: %s: %w", strings.SplitN(strings.TrimSpace(q), "\n", 2)[0], err)
		}
	}
	var empty struct{ Snapshots, Current bool }
	err := db.Raw(`SELECT NOT EXISTS (SELECT 1 FROM snapshots) AS snapshots, NOT EXISTS (SELECT 1 FROM current_scores) AS current`).
		Scan(&empty).Error
	if err != nil {
		return fmt.Errorf("current scores: %w", err)
	}
	if empty.Snapshots || !empty.Current {
		return nil
	}
	if err := db.Exec(currentBackfill[dialect]).Error; err != nil {
		return fmt.Errorf("backfill current scores: %w", err)
	}
	return nil
}
