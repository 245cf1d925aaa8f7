package ingestion_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestFutureDaysRefused: a record about a day more than a day ahead of
// today in the organisation's time zone is refused, in every kind that
// records what happened; tomorrow passes (a clock a little ahead), and so
// does an invoice due next month.
func TestFutureDaysRefused(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		// 23:30 in UTC is already the 21st in Tokyo, but the store's zone is UTC.
		now := func() time.Time { return time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC) }
		opt := ingestion.IngestOptions{By: models.Actor{Origin: models.OriginCLI}, Now: now}
		cases := []struct {
			kind, field string
			rec         map[string]string
		}{
			{"activity", "day", map[string]string{"account": "acc-1", "user": "u", "day": "9999-12-31"}},
			{"activity", "at", map[string]string{"account": "acc-1", "user": "u", "at": "2026-11-22T00:00:00Z"}},
			{"touches", "at", map[string]string{"account": "acc-1", "at": "2027-01-01T10:00:00Z", "kind": "call"}},
			{"surveys", "at", map[string]string{"account": "acc-1", "kind": "nps", "score": "9", "at": "2026-12-01T10:00:00Z"}},
			{"tickets", "opened_at", map[string]string{"external_id": "t-9", "account": "acc-1", "opened_at": "2026-11-23T10:00:00Z"}},
			{"invoices", "paid_on", map[string]string{"external_id": "i-9", "account": "acc-1", "amount": "1", "due_on": "2026-11-01", "paid_on": "2026-11-25", "status": "paid"}},
		}
		for _, c := range cases {
			_, err := ingestion.Ingest(context.Background(), s, c.kind, ingestion.NewRecordsDecoder([]map[string]string{c.rec}), opt)
			be := ingestBatchErr(t, err)
			if e := be.Errors[0]; e.Field != c.field || !strings.Contains(e.Reason, "more than a day ahead of today (the latest day accepted is 2026-11-21, in UTC)") {
				t.Errorf("%s: %v", c.kind, e)
			}
		}
		ok := []struct {
			kind string
			rec  map[string]string
		}{
			{"activity", map[string]string{"account": "acc-1", "user": "u", "day": "2026-11-21"}},
			{"invoices", map[string]string{"external_id": "i-10", "account": "acc-1", "amount": "1", "due_on": "2026-12-31", "status": "open"}},
		}
		for _, c := range ok {
			if _, err := ingestion.Ingest(context.Background(), s, c.kind, ingestion.NewRecordsDecoder([]map[string]string{c.rec}), opt); err != nil {
				t.Errorf("%s: %v", c.kind, err)
			}
		}
	})
}

// TestPartialAccounts: with PartialAccounts a record may leave out the
// name of an account that exists (a connector's single changed property),
// never of one it would create, and never send it empty.
func TestPartialAccounts(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		ingest := func(opt ingestion.IngestOptions, recs ...map[string]string) error {
			_, err := ingestion.Ingest(context.Background(), s, "accounts", ingestion.NewRecordsDecoder(recs), opt)
			return err
		}
		by := models.Actor{Origin: models.OriginCLI}
		partial := ingestion.IngestOptions{By: by, PartialAccounts: true}
		if err := ingest(ingestion.IngestOptions{By: by}, map[string]string{"external_id": "acc-1", "mrr": "1"}); err == nil {
			t.Fatal("a record without a name passed without PartialAccounts")
		}
		if err := ingest(partial, map[string]string{"external_id": "acc-1", "mrr": "2500"}); err != nil {
			t.Fatal(err)
		}
		var a models.Account
		s.DB().Where("external_id = ?", "acc-1").First(&a)
		if a.MRRCents != 250000 || a.Name == "" || a.Owner != "alice" || a.Seats != 40 {
			t.Errorf("after a partial update: %+v", a)
		}
		err := ingest(partial, map[string]string{"external_id": "acc-new", "plan": "pro"}, map[string]string{"external_id": "acc-2", "name": ""})
		be := ingestBatchErr(t, err)
		if len(be.Errors) != 2 || be.Errors[0].Field != "name" || !strings.Contains(be.Errors[0].Reason, "a new account needs a name") ||
			be.Errors[1].Field != "name" || be.Errors[1].Reason != "is required" {
			t.Errorf("errors %v", be)
		}
	})
}
