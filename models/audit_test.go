package models_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

var auditAt = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

func audit(t *testing.T, s *models.Store, r models.AuditRecord) {
	t.Helper()
	if err := s.WithTx(context.Background(), func(tx *models.Store) error { return tx.Audit(context.Background(), r) }); err != nil {
		t.Fatal(err)
	}
}

// Entries are listed in each of their accounts' histories, newest first,
// with who, when, from where and what changed; the total counts them all.
func TestAuditAccountHistory(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		maria := models.Actor{Origin: models.OriginSlack, ID: "U1", Name: "Maria"}
		audit(t, s, models.AuditRecord{At: auditAt, By: maria, Action: models.AuditPulse, Subject: "acme", Accounts: []uint{1},
			Changes: []models.Change{{Field: "colour", New: "red"}, {Field: "reason", New: "budget"}}})
		audit(t, s, models.AuditRecord{At: auditAt.Add(time.Minute), By: models.Actor{Origin: models.OriginAPI, Name: "10.0.0.1"},
			Action: models.AuditIngest, Subject: "activity", Accounts: []uint{1, 2, 1}, Changes: []models.Change{{Field: "records", New: "3"}}})
		audit(t, s, models.AuditRecord{At: auditAt.Add(2 * time.Minute), By: maria, Action: models.AuditAdminRole, Subject: "slack:U2",
			Changes: []models.Change{{Field: "role", Old: "viewer", New: "csm"}}})

		got, total, err := s.AccountAudit(ctx, 1, 10)
		if err != nil || total != 2 || len(got) != 2 {
			t.Fatalf("acme: %d entries of %d, %v", len(got), total, err)
		}
		if got[0].Action != models.AuditIngest || got[1].Action != models.AuditPulse {
			t.Errorf("not newest first: %s, %s", got[0].Action, got[1].Action)
		}
		p := got[1]
		if !p.At.Equal(auditAt) || p.Origin != "slack" || p.ActorID != "U1" || p.ActorName != "Maria" || p.Subject != "acme" {
			t.Errorf("pulse entry %+v", p)
		}
		changes, err := p.DecodeChanges()
		if err != nil || len(changes) != 2 || changes[0] != (models.Change{Field: "colour", New: "red"}) {
			t.Errorf("changes %+v, %v", changes, err)
		}
		if got, total, _ := s.AccountAudit(ctx, 1, 1); len(got) != 1 || total != 2 || got[0].Action != models.AuditIngest {
			t.Errorf("limit 1: %d of %d", len(got), total)
		}
		if got, total, _ := s.AccountAudit(ctx, 2, 10); len(got) != 1 || total != 1 {
			t.Errorf("globex: %d of %d", len(got), total)
		}
		if got, total, _ := s.RecentAudit(ctx, 10); len(got) != 3 || total != 3 || got[0].Action != models.AuditAdminRole {
			t.Errorf("recent: %d of %d", len(got), total)
		}
		// A connector id moved from one account to another is in both histories.
		audit(t, s, models.MapAudit(auditAt, maria, "stripe", "cus_123", 2, "globex", 1, "acme"))
		for _, id := range []uint{1, 2} {
			if got, _, _ := s.AccountAudit(ctx, id, 1); len(got) != 1 || got[0].Action != models.AuditMap || got[0].Subject != "stripe cus_123" {
				t.Errorf("account %d: %+v", id, got)
			}
		}
	})
}

// An entry commits with the write it records: a write rolled back leaves
// no entry, and Audit outside a transaction writes nothing.
func TestAuditRollsBackWithItsWrite(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		boom := errors.New("the write failed")
		err := s.WithTx(ctx, func(tx *models.Store) error {
			if _, err := tx.CreateCSM(ctx, "maria"); err != nil {
				return err
			}
			if err := tx.Audit(ctx, models.AuditRecord{By: models.Actor{Origin: models.OriginCLI}, Action: models.AuditAdminCSM, Accounts: []uint{1}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		err = s.Audit(ctx, models.AuditRecord{By: models.Actor{Origin: models.OriginCLI}, Action: models.AuditAdminCSM})
		if !errors.Is(err, models.ErrAuditOutsideTx) {
			t.Errorf("outside a transaction: %v", err)
		}
		if _, total, _ := s.RecentAudit(ctx, 10); total != 0 {
			t.Errorf("%d entries after a rolled-back write", total)
		}
		if _, total, _ := s.AccountAudit(ctx, 1, 10); total != 0 {
			t.Errorf("%d account links after a rolled-back write", total)
		}
	})
}

// The database itself refuses to change or delete the trail, whatever
// path the statement takes.
func TestAuditIsAppendOnly(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		audit(t, s, models.AuditRecord{At: auditAt, By: models.Actor{Origin: models.OriginSlack, ID: "U1"}, Action: models.AuditPulse, Accounts: []uint{1}})
		statements := []string{
			"UPDATE audit_entries SET actor_id = 'U666'",
			"DELETE FROM audit_entries",
			"UPDATE audit_accounts SET account_id = 2",
			"DELETE FROM audit_accounts",
		}
		if s.Dialect() == models.DialectPostgres {
			statements = append(statements, "TRUNCATE audit_entries", "TRUNCATE audit_accounts")
		}
		for _, q := range statements {
			err := s.DB().Exec(q).Error
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", q, err)
			}
		}
		got, total, err := s.AccountAudit(context.Background(), 1, 10)
		if err != nil || total != 1 || got[0].ActorID != "U1" {
			t.Errorf("the entry changed: %+v (%d), %v", got, total, err)
		}
	})
}

// The model version is recorded when it differs from the last recorded
// one, once however many processes start with it.
func TestRecordModelVersion(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		by := models.Actor{Origin: models.OriginConfig, Name: "built-in defaults"}
		for i, tc := range []struct {
			version, old string
			changed      bool
		}{
			{"aaaa1111", "", true}, {"aaaa1111", "aaaa1111", false}, {"bbbb2222", "aaaa1111", true}, {"aaaa1111", "bbbb2222", true},
		} {
			changed, old, err := s.RecordModelVersion(ctx, tc.version, by, auditAt.Add(time.Duration(i)*time.Hour))
			if err != nil || changed != tc.changed || old != tc.old {
				t.Errorf("start %d with %s: changed %v old %q, %v; want %v %q", i, tc.version, changed, old, err, tc.changed, tc.old)
			}
		}
		got, total, _ := s.RecentAudit(ctx, 10)
		if total != 3 || got[0].Action != models.AuditModel || got[0].Origin != models.OriginConfig {
			t.Errorf("%d entries, newest %+v", total, got[0])
		}

		// Replicas starting together with a new model record it once.
		var wg sync.WaitGroup
		var mu sync.Mutex
		recorded := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				changed, _, err := s.RecordModelVersion(ctx, "cccc3333", by, auditAt)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if changed {
					recorded++
				}
			}()
		}
		wg.Wait()
		if _, total, _ := s.RecentAudit(ctx, 10); recorded != 1 || total != 4 {
			t.Errorf("4 replicas recorded %d changes, %d entries in all", recorded, total)
		}
	})
}

// On PostgreSQL audit_accounts is indexed by the account alone (no primary
// key), and a database of the previous version, keyed by (account_id,
// entry_id), is converted on its next start with its rows kept.
func TestAuditAccountsIndexedByAccount(t *testing.T) {
	ctx := context.Background()
	dsn := modelstest.PostgresDSN(t)
	s := openDSN(t, dsn)
	indexes := func(s *models.Store) []string {
		t.Helper()
		var out []string
		if err := s.DB().Raw("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_accounts' AND schemaname = current_schema() ORDER BY 1").
			Scan(&out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []string{"audit_accounts_account"}
	if got := indexes(s); !slices.Equal(got, want) {
		t.Errorf("audit_accounts indexes = %v, want %v", got, want)
	}
	audit(t, s, models.AuditRecord{At: auditAt, By: models.Actor{Origin: models.OriginAPI}, Action: models.AuditIngest,
		Subject: "activity", Accounts: []uint{3, 1, 2}})
	s2 := execThenReopen(t, s, dsn,
		"DROP INDEX audit_accounts_account",
		"ALTER TABLE audit_accounts ADD PRIMARY KEY (account_id, entry_id)",
		"UPDATE schema_state SET fingerprint = 'older'")
	if got := indexes(s2); !slices.Equal(got, want) {
		t.Errorf("audit_accounts indexes after the upgrade = %v, want %v", got, want)
	}
	for _, id := range []uint{1, 2, 3} {
		if got, total, err := s2.AccountAudit(ctx, id, 10); err != nil || total != 1 || len(got) != 1 || got[0].Subject != "activity" {
			t.Errorf("account %d after the upgrade: %+v of %d, %v", id, got, total, err)
		}
	}
}
