package commands_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// failedInvoice is a Stripe invoice.payment_failed for a customer, as the
// connector translates it.
func failedInvoice(id, customer string, at time.Time) connector.Event {
	return connector.Event{Source: "stripe", ID: id, Type: "invoice.payment_failed", Received: at, Records: []connector.Record{{
		Kind: connector.KindInvoice, Object: "in_" + id, Version: at.UnixMicro() * 16, At: at,
		Account: connector.AccountKey{ID: customer},
		Fields: map[string]string{"external_id": "in_" + id, "amount": "99.00", "due_on": at.Format(models.DayLayout),
			"paid_on": "", "status": "failed"},
	}}}
}

// TestAdminUnmappedAndMap: connector events for an unknown customer wait,
// /health admin unmapped lists them with counts, and /health admin map
// applies them to the account and rescores it; only admins may do either.
func TestAdminUnmappedAndMap(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		svc.Admins = testAdmins
		ctx := context.Background()
		at := fixedNow.Add(-2 * time.Hour)
		rep, err := (&connector.Applier{Store: s, Now: svc.Now}).Apply(ctx, []connector.Event{
			failedInvoice("evt_1", "cus_X", at), failedInvoice("evt_2", "cus_X", at.Add(time.Minute)), failedInvoice("evt_3", "cus_Y", at),
		})
		if err != nil || rep.Outcomes[0].Result != connector.ResultParked {
			t.Fatalf("apply: %+v, %v", rep, err)
		}

		if r := runLine(t, svc, slackNewbie, "/health admin unmapped"); !strings.HasPrefix(r.Text, "Only healthbot admins") {
			t.Fatalf("non-admin: %q", r.Text)
		}
		r := runLine(t, svc, slackAdmin, "/health admin unmapped")
		want := "stripe cus_X — 2 events (2 invoice.payment_failed), on 2025-03-14\nstripe cus_Y — 1 event (1 invoice.payment_failed), on 2025-03-14"
		if r.Text != want || !r.Ephemeral {
			t.Fatalf("unmapped:\n%s\nwant:\n%s", r.Text, want)
		}

		if r := runLine(t, svc, slackAdmin, "/health admin map acme corp paypal cus_X"); !strings.Contains(r.Text, `"paypal" is not a source`) {
			t.Fatalf("bad source: %q", r.Text)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin map nobody stripe cus_X"); !strings.Contains(r.Text, "No account matches 'nobody'") {
			t.Fatalf("unknown account: %q", r.Text)
		}
		r = runLine(t, svc, slackAdmin, "/health admin map Acme Corp stripe cus_X")
		if !strings.HasPrefix(r.Text, "Mapped stripe cus_X to Acme Corp (acme-corp). Replayed 2 parked events. Acme Corp is now ") {
			t.Fatalf("map: %q", r.Text)
		}
		if n := countRows(t, s, &models.Invoice{}, "account_id = ? AND status = ?", acmeID, "failed"); n != 2 {
			t.Fatalf("%d failed invoices on Acme, want the 2 replayed", n)
		}
		snap := countRows(t, s, &models.Snapshot{}, "account_id = ? AND day = ?", acmeID, fixedNow.Format(models.DayLayout))
		if snap != 1 {
			t.Fatalf("Acme was not rescored today")
		}
		if r := runLine(t, svc, slackAdmin, "/health admin map A-1 stripe cus_X"); !strings.HasPrefix(r.Text, "stripe cus_X was mapped to Acme Corp already. Replayed 0 parked events.") {
			t.Fatalf("again, by external id: %q", r.Text)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin unmapped"); r.Text != "stripe cus_Y — 1 event (1 invoice.payment_failed), on 2025-03-14" {
			t.Fatalf("unmapped after map: %q", r.Text)
		}
		_, err = svc.MapConnector(ctx, models.Actor{Origin: models.OriginCLI}, "stripe", "cus Y", "globex")
		var ie *commands.InputError
		if !errors.As(err, &ie) {
			t.Fatalf("an id with a space: %v", err)
		}
	})
}
