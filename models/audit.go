package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The audit trail: one AuditEntry for every write a person or a source
// makes (a pulse, a touch, a task change, an admin change, a connector
// mapping, an ingested batch, a new health model), with who, when, from
// where and what changed. Store.Audit writes it in the transaction of the
// write it records, so a write that rolls back leaves no entry. The code
// only ever inserts entries, and the database refuses to change or delete
// them (auditGuardDDL).

// Origins: where a write came from (AuditEntry.Origin). Chat writes use
// the platform's name (commands.Slack, …), which these repeat.
const (
	OriginSlack     = "slack"
	OriginDiscord   = "discord"
	OriginConsole   = "console"
	OriginAPI       = "api"       // the HTTP ingestion API
	OriginConnector = "connector" // a vendor webhook; Actor.ID names the vendor ("stripe")
	OriginCLI       = "cli"       // a healthbot command run in a shell (import, map)
	OriginConfig    = "config"    // the health model the process started with
	OriginScheduler = "scheduler" // healthbot's own scheduled work (a task a rescore opened)
)

// Audit actions (AuditEntry.Action). A new kind of write picks a short
// lower-case name of its own; the history shows unknown names as they are.
const (
	AuditPulse        = "pulse"
	AuditTouch        = "touch"
	AuditTask         = "task"  // a task opened, updated, done, snoozed, reassigned, escalated: Changes say which
	AuditAlert        = "alert" // an alert acknowledged or snoozed
	AuditIAm          = "iam"   // a chat user said which CSM they are
	AuditAdminRole    = "admin role"
	AuditAdminManager = "admin manager"
	AuditAdminCSM     = "admin csm"
	AuditAdminChannel = "admin channel"
	AuditAdminOwner   = "admin owner"
	AuditMap          = "map"    // a connector's id mapped to an account
	AuditIngest       = "ingest" // one ingested batch: its kind, record counts and source
	AuditModel        = "model"  // the health model's version changed
)

// Actor is who made a write and from where.
type Actor struct {
	Origin string // one of the Origin constants
	ID     string // the platform's user id, the vendor, the OS user; "" when unknown
	Name   string // a display name, for people reading the trail
}

// Change is one field a write changed: its value before and after ("" for
// none). A record created (a pulse) has only new values.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// AuditRecord is what Store.Audit writes.
type AuditRecord struct {
	At      time.Time // when; zero is now
	By      Actor
	Action  string // one of the Audit constants, or a new kind's own
	Subject string // what the write is about: an account's slug, a user, a CSM handle, a record kind
	// Accounts are the accounts the write changed: the entry is listed in
	// each one's history. None for writes that are not about accounts.
	Accounts []uint
	Changes  []Change
}

// TaskAudit is the entry of a change to task id (its play named after
// it: "#7 renewal_at_risk") on an account: opened, updated, done, snoozed,
// reassigned, escalated, as changes say (status open → done; owner maria
// → bob). Write it with Audit in the task's transaction.
func TaskAudit(at time.Time, by Actor, id uint, play string, accountID uint, changes ...Change) AuditRecord {
	return AuditRecord{At: at, By: by, Action: AuditTask, Subject: fmt.Sprintf("#%d %s", id, play),
		Accounts: []uint{accountID}, Changes: changes}
}

// MapAudit is the entry of a connector's id mapped to an account (or
// moved from one to another): source "stripe", externalID the vendor's id,
// the accounts' slugs before and after ("" for none), listed in the
// history of both accounts. Write it with Audit in the mapping's
// transaction.
func MapAudit(at time.Time, by Actor, source, externalID string, oldAccount uint, oldSlug string, newAccount uint, newSlug string) AuditRecord {
	r := AuditRecord{At: at, By: by, Action: AuditMap, Subject: source + " " + externalID,
		Changes: []Change{{Field: "account", Old: oldSlug, New: newSlug}}}
	for _, id := range []uint{newAccount, oldAccount} {
		if id != 0 {
			r.Accounts = append(r.Accounts, id)
		}
	}
	return r
}

// AuditEntry is one stored write of the audit trail.
type AuditEntry struct {
	ID        uint      `gorm:"primaryKey"`
	At        time.Time `gorm:"not null"`
	Origin    string    `gorm:"size:16;not null"`
	ActorID   string    `gorm:"size:160"`
	ActorName string    `gorm:"size:256"`
	Action    string    `gorm:"size:64;not null;index"`
	Subject   string    `gorm:"size:256"`
	Changes   string    `gorm:"type:text"` // JSON array of Change
}

// TableName names the table "audit_entries".
func (AuditEntry) TableName() string { return "audit_entries" }

// DecodeChanges reads the entry's changes.
func (e AuditEntry) DecodeChanges() ([]Change, error) {
	if e.Changes == "" {
		return nil, nil
	}
	var out []Change
	if err := json.Unmarshal([]byte(e.Changes), &out); err != nil {
		return nil, fmt.Errorf("audit entry %d: changes: %w", e.ID, err)
	}
	return out, nil
}

// AuditAccount lists an entry in an account's history. On SQLite the
// account leads the primary key, so an account's newest entries are one
// backward index range. On PostgreSQL the table has no primary key, only
// an index of the account (auditAccountsIndexDDL, which replaces the key
// gorm creates): a row per account and entry, which the writers never
// repeat.
type AuditAccount struct {
	AccountID uint `gorm:"primaryKey;autoIncrement:false"`
	EntryID   uint `gorm:"primaryKey;autoIncrement:false"`
}

// TableName names the table "audit_accounts".
func (AuditAccount) TableName() string { return "audit_accounts" }

// ErrAuditOutsideTx is returned by Audit on a Store that is not inside a
// transaction: an entry must commit or roll back with the write it records.
var ErrAuditOutsideTx = errors.New("audit outside a transaction")

// Audit writes an entry of the audit trail. Call it on the transaction's
// Store (Store.WithTx, WithBulkTx), in the same transaction as the write it
// records; anywhere else it returns ErrAuditOutsideTx and writes nothing.
func (s *Store) Audit(ctx context.Context, r AuditRecord) error {
	if !s.inTx {
		return fmt.Errorf("audit %s: %w", r.Action, ErrAuditOutsideTx)
	}
	if r.Action == "" || r.By.Origin == "" {
		return fmt.Errorf("audit: an entry needs an action and an origin (got %q, %q)", r.Action, r.By.Origin)
	}
	at := r.At
	if at.IsZero() {
		at = time.Now()
	}
	e := AuditEntry{At: at.UTC(), Origin: r.By.Origin, ActorID: clip(r.By.ID, 160), ActorName: clip(r.By.Name, 256),
		Action: r.Action, Subject: clip(r.Subject, 256)}
	if len(r.Changes) > 0 {
		b, err := json.Marshal(r.Changes)
		if err != nil {
			return fmt.Errorf("audit %s: %w", r.Action, err)
		}
		e.Changes = string(b)
	}
	if err := s.orm(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("audit %s: %w", r.Action, err)
	}
	if len(r.Accounts) == 0 {
		return nil
	}
	links := make([]AuditAccount, 0, len(r.Accounts))
	seen := make(map[uint]bool, len(r.Accounts))
	for _, id := range r.Accounts {
		if !seen[id] {
			seen[id] = true
			links = append(links, AuditAccount{AccountID: id, EntryID: e.ID})
		}
	}
	var err error
	if s.dialect == DialectPostgres {
		// One statement from an array, not gorm's batches of 1,000 (17
		// statements for the 16,666 accounts of a 100,000-row activity
		// batch, each built by reflection, sent and planned). The rows
		// themselves cost the same: after a checkpoint most of the 0.12 s
		// is the index's pages written whole to the WAL (BENCHMARKS.md).
		ids := make([]int64, len(links))
		for i, l := range links {
			ids[i] = int64(l.AccountID)
		}
		err = s.orm(BulkContext(ctx)).Exec("INSERT INTO audit_accounts (account_id, entry_id) SELECT a, ? FROM unnest(?::bigint[]) AS v(a)",
			e.ID, arrayParam(ids)).Error
	} else {
		err = s.orm(ctx).CreateInBatches(&links, 1000).Error
	}
	if err != nil {
		return fmt.Errorf("audit %s: accounts: %w", r.Action, err)
	}
	return nil
}

// clip keeps the first n characters of s, so it fits a column of size n
// on PostgreSQL (which counts characters) and SQLite alike.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// AccountAudit lists the account's newest entries first, at most limit,
// and how many it has in all.
func (s *Store) AccountAudit(ctx context.Context, accountID uint, limit int) (entries []AuditEntry, total int64, err error) {
	// The account's newest entry ids first, on their own, then their
	// entries: joined and limited in one step, PostgreSQL may walk
	// audit_entries backwards by id until it has found limit of them, the
	// whole trail for an account with fewer (2.6 s at 100,000 accounts,
	// with audit_accounts indexed by the account alone).
	err = s.orm(ctx).Model(&AuditEntry{}).
		Joins("JOIN (SELECT entry_id FROM audit_accounts WHERE account_id = ? ORDER BY entry_id DESC LIMIT ?) mine ON mine.entry_id = audit_entries.id",
			accountID, limit).
		Order("audit_entries.id DESC").Find(&entries).Error
	if err != nil {
		return nil, 0, fmt.Errorf("audit of account %d: %w", accountID, err)
	}
	if err := s.orm(ctx).Model(&AuditAccount{}).Where("account_id = ?", accountID).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("audit of account %d: count: %w", accountID, err)
	}
	return entries, total, nil
}

// RecentAudit lists the newest entries of the whole trail first, at most
// limit, and how many there are in all.
func (s *Store) RecentAudit(ctx context.Context, limit int) (entries []AuditEntry, total int64, err error) {
	if err := s.orm(ctx).Order("id DESC").Limit(limit).Find(&entries).Error; err != nil {
		return nil, 0, fmt.Errorf("recent audit: %w", err)
	}
	if err := s.orm(ctx).Model(&AuditEntry{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("recent audit: count: %w", err)
	}
	return entries, total, nil
}

// RecordModelVersion writes an AuditModel entry when version differs from
// the one the trail last recorded (or none was): the health model
// changed since the last start. It reports whether it wrote one and the
// version before. Processes starting together record a change once: the
// check and the write are serialised (an advisory lock on PostgreSQL,
// SQLite's write lock taken at BEGIN).
func (s *Store) RecordModelVersion(ctx context.Context, version string, by Actor, at time.Time) (changed bool, old string, err error) {
	err = s.WithTx(ctx, func(tx *Store) error {
		if s.dialect == DialectPostgres {
			if err := tx.orm(ctx).Exec("SELECT pg_advisory_xact_lock(?, hashtext(current_schema() || ' audit model'))", migrationLockClass).Error; err != nil {
				return err
			}
		}
		var last []AuditEntry
		if err := tx.orm(ctx).Where("action = ?", AuditModel).Order("id DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		if len(last) == 1 {
			changes, err := last[0].DecodeChanges()
			if err != nil {
				return err
			}
			for _, c := range changes {
				if c.Field == "version" {
					old = c.New
				}
			}
		}
		if old == version {
			return nil
		}
		changed = true
		return tx.Audit(ctx, AuditRecord{At: at, By: by, Action: AuditModel,
			Changes: []Change{{Field: "version", Old: old, New: version}}})
	})
	if err != nil {
		return false, "", fmt.Errorf("record model version: %w", err)
	}
	return changed, old, nil
}

// auditStep names the append-only guard and audit_accounts' index in the
// schema fingerprint: change it whenever auditGuardDDL or
// auditAccountsIndexDDL changes, so every database re-creates them.
const auditStep = "audit trail v2: triggers refuse UPDATE, DELETE and TRUNCATE of audit_entries and audit_accounts; audit_accounts indexed by account alone on PostgreSQL"

// auditAccountsIndexDDL replaces audit_accounts' primary key (account_id,
// entry_id) with an index of account_id alone on PostgreSQL. Every write
// adds an entry to each of its accounts' key ranges, so a 100,000-row
// activity batch of 16,666 accounts inserted 16,666 keys spread over the
// whole index: 135 ms of a 0.72 s batch at 100,000 accounts, a whole page
// written to the WAL for each leaf after a checkpoint and leaves split as
// they filled. Indexed by the account alone, the entries of an account are
// one key whose row pointers PostgreSQL keeps as a deduplicated list: the
// index holding the benchmark's 1.5 M rows is 11 MB instead of 46 MB, and
// the same insert took 82-140 ms instead of 203-323 ms (BENCHMARKS.md).
// An account's history still reads one key, then sorts its entries.
func auditAccountsIndexDDL(dialect string) []string {
	if dialect != DialectPostgres {
		return nil
	}
	return []string{
		"ALTER TABLE audit_accounts DROP CONSTRAINT IF EXISTS audit_accounts_pkey",
		"CREATE INDEX IF NOT EXISTS audit_accounts_account ON audit_accounts (account_id)",
	}
}

// auditGuardDDL makes the audit tables append-only in the database itself:
// triggers refuse every UPDATE and DELETE (and TRUNCATE, on PostgreSQL),
// whoever sends them, so no code path, chat command or stray SQL session
// of the application's user rewrites the trail. Whoever owns the schema
// can still drop a trigger; that is a deliberate act, not an accident.
func auditGuardDDL(dialect string) []string {
	tables := []string{"audit_entries", "audit_accounts"}
	var ddl []string
	if dialect == DialectPostgres {
		ddl = append(ddl, `CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
	RAISE EXCEPTION 'the healthbot audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END $fn$`)
		for _, t := range tables {
			ddl = append(ddl,
				"DROP TRIGGER IF EXISTS "+t+"_append_only ON "+t,
				"CREATE TRIGGER "+t+"_append_only BEFORE UPDATE OR DELETE ON "+t+" FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
				"DROP TRIGGER IF EXISTS "+t+"_no_truncate ON "+t,
				"CREATE TRIGGER "+t+"_no_truncate BEFORE TRUNCATE ON "+t+" FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")
		}
		return ddl
	}
	for _, t := range tables {
		for _, op := range []string{"UPDATE", "DELETE"} {
			name := t + "_no_" + strings.ToLower(op)
			ddl = append(ddl, "DROP TRIGGER IF EXISTS "+name,
				"CREATE TRIGGER "+name+" BEFORE "+op+" ON "+t+" BEGIN SELECT RAISE(ABORT, 'the healthbot audit trail is append-only: "+op+" on "+t+" refused'); END")
		}
	}
	return ddl
}
