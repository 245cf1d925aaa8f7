package ingestion_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// futureNow is the clock of the future-day tests: 2026-03-01 23:30 UTC,
// which is already 2026-03-02 in Auckland (UTC+13 in March).
var futureNow = time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)

// An event (activity, a ticket opening or closing, a touch, a survey
// answer, a payment, an account's first value) cannot have happened after
// tomorrow in the organisation's time zone: such a record is refused,
// naming the field, and nothing of its batch is written. Days that are
// plans, not events (an invoice's due_on, renewal_on, started_on,
// churned_on, an MRR change's effective_on) may lie ahead.
func TestFutureEventDaysRefused(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	modelstest.ForEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := models.Open(ctx, dsn, auckland)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		ingest := func(kind string, recs ...map[string]string) (ingestion.IngestResult, error) {
			return ingestion.Ingest(ctx, s, kind, ingestion.NewRecordsDecoder(recs),
				ingestion.IngestOptions{By: models.Actor{Origin: models.OriginAPI}, Now: func() time.Time { return futureNow }})
		}
		if _, err := ingest("accounts", map[string]string{"external_id": "a1", "name": "Acme"}); err != nil {
			t.Fatal(err)
		}
		// Today in Auckland is 2026-03-02, so 2026-03-03 is the last day
		// accepted; its last instant is 2026-03-03T10:59:59Z.
		for _, c := range []struct {
			kind, field string
			rec         map[string]string
		}{
			{"activity", "day", map[string]string{"account": "a1", "user": "u", "day": "9999-12-31"}},
			{"activity", "day", map[string]string{"account": "a1", "user": "u", "day": "2026-03-04"}},
			{"activity", "at", map[string]string{"account": "a1", "user": "u", "at": "2026-03-03T11:00:00Z"}},
			{"tickets", "opened_at", map[string]string{"external_id": "t1", "account": "a1", "opened_at": "2030-01-01T00:00:00Z"}},
			{"tickets", "closed_at", map[string]string{"external_id": "t1", "account": "a1", "opened_at": "2026-02-01T00:00:00Z", "closed_at": "2030-01-01T00:00:00Z"}},
			{"touches", "at", map[string]string{"account": "a1", "at": "2030-01-01T00:00:00Z", "kind": "call"}},
			{"surveys", "at", map[string]string{"account": "a1", "kind": "nps", "score": "9", "at": "2030-01-01T00:00:00Z"}},
			{"invoices", "paid_on", map[string]string{"external_id": "i1", "account": "a1", "amount": "10", "due_on": "2026-02-01", "paid_on": "2030-01-01", "status": "paid"}},
			{"accounts", "first_value_on", map[string]string{"external_id": "a2", "name": "Beta", "first_value_on": "2030-01-01"}},
		} {
			good := map[string]string{"account": "a1", "user": "ok", "day": "2026-03-01"}
			recs := []map[string]string{c.rec}
			if c.kind == "activity" {
				recs = append([]map[string]string{good}, c.rec)
			}
			_, err := ingest(c.kind, recs...)
			var be *ingestion.BatchError
			if !errors.As(err, &be) || len(be.Errors) != 1 || be.Errors[0].Field != c.field ||
				!strings.Contains(be.Errors[0].Reason, "2026-03-03") {
				t.Errorf("%s with %s %v: got %v, want the record refused on %s naming 2026-03-03, the latest day accepted",
					c.kind, c.field, c.rec, err, c.field)
				continue
			}
			t.Logf("%s: %v", c.kind, be.Errors[0])
		}
		if n := ingestCount(t, s, "activities") + ingestCount(t, s, "tickets") + ingestCount(t, s, "touches") +
			ingestCount(t, s, "surveys") + ingestCount(t, s, "invoices"); n != 0 {
			t.Errorf("%d rows written by refused batches", n)
		}

		// Tomorrow is accepted (an early time zone's first events), as are
		// the days that are plans.
		for _, c := range []struct {
			kind string
			rec  map[string]string
		}{
			{"activity", map[string]string{"account": "a1", "user": "u", "day": "2026-03-03"}},
			{"activity", map[string]string{"account": "a1", "user": "v", "at": "2026-03-03T10:59:59Z"}},
			{"invoices", map[string]string{"external_id": "i2", "account": "a1", "amount": "10", "due_on": "2027-01-01", "status": "open"}},
			{"accounts", map[string]string{"external_id": "a3", "name": "Gamma", "started_on": "2026-06-01", "renewal_on": "2027-06-01", "churned_on": "2027-06-01"}},
			{"mrr", map[string]string{"account": "a1", "effective_on": "2026-06-01", "mrr": "100"}},
		} {
			if _, err := ingest(c.kind, c.rec); err != nil {
				t.Errorf("%s %v: %v, want it accepted", c.kind, c.rec, err)
			}
		}
	})
}
