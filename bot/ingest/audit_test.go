package ingest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// Each committed API batch is one entry of the audit trail, from the API,
// naming the client and the request id, in the history of the accounts
// it changed; a rejected batch leaves none.
func TestBatchesAreAudited(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", "application/json", `[{"external_id":"crm-1","name":"Acme"},{"external_id":"crm-2","name":"Globex"}]`)
		if code, _ := a.post("accounts", "application/json", `[{"external_id":"crm-3","name":"Initech","mrr":"12x"}]`); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad batch: %d", code)
		}
		a.post("touches", "application/json", `[{"account":"crm-1","at":"2026-02-20T15:00:00Z","kind":"qbr"}]`, "X-Request-Id", "req-42")
		entries, total, err := s.RecentAudit(context.Background(), 10)
		if err != nil || total != 2 {
			t.Fatalf("%d entries, %v; want the two committed batches", total, err)
		}
		e := entries[0]
		changes, _ := e.DecodeChanges()
		if e.Action != models.AuditIngest || e.Origin != models.OriginAPI || e.ActorName != "127.0.0.1" || e.Subject != "touches" ||
			len(changes) != 5 || changes[0] != (models.Change{Field: "records", New: "1"}) || changes[4] != (models.Change{Field: "source", New: "batch req-42"}) {
			t.Errorf("touches batch entry %+v %+v", e, changes)
		}
		acme, _ := s.AccountBySlug(context.Background(), "acme")
		if got, total, _ := s.AccountAudit(context.Background(), acme.ID, 10); total != 2 || got[0].Subject != "touches" || got[1].Subject != "accounts" {
			t.Errorf("acme's history: %d entries %+v", total, got)
		}
	})
}
