package connector_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// cli is who the tests' own writes are by, for the audit trail.
var cli = models.Actor{Origin: models.OriginCLI, ID: "test"}

// now is the tests' clock.
var now = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

func applier(s *models.Store) *connector.Applier {
	return &connector.Applier{Store: s, Now: func() time.Time { return now }}
}

// seed loads accounts: "crm-acme" (Acme) and "crm-globex" (Globex).
func seed(t *testing.T, s *models.Store) {
	t.Helper()
	recs := []map[string]string{
		{"external_id": "crm-acme", "name": "Acme", "mrr": "100"},
		{"external_id": "crm-globex", "name": "Globex"},
	}
	if _, err := ingestion.Ingest(context.Background(), s, "accounts", ingestion.NewRecordsDecoder(recs), ingestion.IngestOptions{By: cli}); err != nil {
		t.Fatal(err)
	}
}

func apply(t *testing.T, s *models.Store, events ...connector.Event) connector.Report {
	t.Helper()
	rep, err := applier(s).Apply(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// results lists the events' results in order.
func results(rep connector.Report) string {
	var out []string
	for _, o := range rep.Outcomes {
		out = append(out, o.Result)
	}
	return strings.Join(out, " ")
}

func invoiceEvent(id, status string, at time.Time, rank int, customer, external string) connector.Event {
	fields := map[string]string{"external_id": "in_1", "amount": "10.00", "due_on": "2026-11-14", "paid_on": "", "status": status}
	if status == "paid" {
		fields["paid_on"] = "2026-11-15"
	}
	return connector.Event{Source: "stripe", ID: id, Type: "invoice." + status, Received: now, Records: []connector.Record{{
		Kind: connector.KindInvoice, Object: "in_1", Version: at.UnixMicro()*16 + int64(rank), At: at,
		Account: connector.AccountKey{ID: customer, External: external}, Fields: fields,
	}}}
}

func invoice(t *testing.T, s *models.Store, ext string) (models.Invoice, bool) {
	t.Helper()
	got, err := s.InvoicesByExternalID(context.Background(), []string{ext})
	if err != nil {
		t.Fatal(err)
	}
	inv, ok := got[ext]
	return inv, ok
}

func count(t *testing.T, s *models.Store, model any) int64 {
	t.Helper()
	var n int64
	if err := s.DB().Model(model).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInvoiceOnceAndInOrder: an invoice paid, then the same event again,
// then the failed payment attempt that came before it delivered late:
// the invoice stays paid.
func TestInvoiceOnceAndInOrder(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		t0 := now.Add(-time.Hour)
		paid := invoiceEvent("evt_paid", "paid", t0.Add(200*time.Second), 4, "cus_1", "crm-acme")
		failed := invoiceEvent("evt_failed", "payment_failed", t0, 2, "cus_1", "crm-acme")
		failed.Records[0].Fields["status"] = "failed"
		if got := results(apply(t, s, paid)); got != "written" {
			t.Fatalf("paid: %s", got)
		}
		if got := results(apply(t, s, paid)); got != "duplicate" {
			t.Fatalf("paid again: %s", got)
		}
		rep := apply(t, s, failed)
		if got := results(rep); got != "ignored" || len(rep.Accounts) != 0 {
			t.Fatalf("late failure: %s, accounts %v", got, rep.Accounts)
		}
		inv, _ := invoice(t, s, "in_1")
		if inv.Status != "paid" || inv.PaidOn == nil || *inv.PaidOn != "2026-11-15" {
			t.Fatalf("invoice %+v, want paid", inv)
		}
		if n := count(t, s, &models.Invoice{}); n != 1 {
			t.Fatalf("%d invoices", n)
		}
	})
}

// TestParkAndMap: an event for a customer nobody mapped is parked, listed,
// and applied when the customer is mapped.
func TestParkAndMap(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		ev := invoiceEvent("evt_1", "payment_failed", now.Add(-time.Hour), 2, "cus_unknown", "")
		ev.Records[0].Fields["status"] = "failed"
		if got := results(apply(t, s, ev)); got != "parked" {
			t.Fatalf("unmapped: %s", got)
		}
		if got := results(apply(t, s, ev)); got != "duplicate" {
			t.Fatalf("unmapped again: %s", got)
		}
		if _, ok := invoice(t, s, "in_1"); ok {
			t.Fatal("a parked event wrote its invoice")
		}
		groups, total, err := s.ParkedGroups(context.Background(), 10)
		if err != nil || total != 1 || groups[0].SourceID != "cus_unknown" || groups[0].Events != 1 || groups[0].Types["invoice.payment_failed"] != 1 {
			t.Fatalf("parked groups %+v (%d), %v", groups, total, err)
		}
		acme, err := s.AccountByExternalID(context.Background(), "crm-acme")
		if err != nil {
			t.Fatal(err)
		}
		rep, changed, err := applier(s).Map(context.Background(), cli, "stripe", "cus_unknown", acme.ID)
		if err != nil || !changed || rep.ReplayedWritten() != 1 || len(rep.Accounts) != 1 || rep.Accounts[0] != acme.ID {
			t.Fatalf("map: %+v changed %v, %v", rep, changed, err)
		}
		if inv, ok := invoice(t, s, "in_1"); !ok || inv.Status != "failed" || inv.AccountID != acme.ID {
			t.Fatalf("after map: %+v", inv)
		}
		if _, total, _ := s.ParkedGroups(context.Background(), 0); total != 0 {
			t.Fatalf("%d groups still parked", total)
		}
		// A later event of the customer finds the mapping.
		paid := invoiceEvent("evt_2", "paid", now.Add(-time.Minute), 4, "cus_unknown", "")
		if got := results(apply(t, s, paid)); got != "written" {
			t.Fatalf("mapped customer: %s", got)
		}
	})
}

func subEvent(id, sub string, at time.Time, live bool, monthly int64, churn bool) connector.Event {
	ev := connector.Event{Source: "stripe", ID: id, Type: "customer.subscription.updated", Received: now}
	key := connector.AccountKey{ID: "cus_1", External: "crm-acme"}
	status := "active"
	if !live {
		status, monthly = "canceled", 0
	}
	ev.Records = append(ev.Records, connector.Record{Kind: connector.KindSubscription, Object: sub, Version: at.UnixMicro() * 16,
		At: at, Account: key, Subscription: &connector.Subscription{Status: status, Live: live, MonthlyCents: monthly, Currency: "usd"}})
	if churn {
		ev.Type = "customer.subscription.deleted"
		ev.Records = append(ev.Records, connector.Record{Kind: connector.KindChurn, Object: sub, Version: at.UnixMicro() * 16,
			At: at, Account: key, EndedAt: at})
	}
	return ev
}

func acme(t *testing.T, s *models.Store) models.Account {
	t.Helper()
	a, err := s.AccountByExternalID(context.Background(), "crm-acme")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mrrHistory(t *testing.T, s *models.Store) string {
	t.Helper()
	var rows []models.MRRChange
	if err := s.DB().Order("effective_on").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s=%d", r.EffectiveOn, r.MRRCents))
	}
	return strings.Join(out, " ")
}

// TestMRRAndChurn: an account's MRR is the sum of its live
// subscriptions, recorded on the day of each change; the end of its last
// subscription churns it, and a new live one undoes that churn.
func TestMRRAndChurn(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		d := func(day int) time.Time { return time.Date(2026, 11, day, 12, 0, 0, 0, time.UTC) }
		apply(t, s, subEvent("e1", "sub_a", d(1), true, 2000, false), subEvent("e2", "sub_b", d(2), true, 500, false))
		if a := acme(t, s); a.MRRCents != 2500 || a.ChurnedOn != nil {
			t.Fatalf("two subscriptions: mrr %d churned %v", a.MRRCents, a.ChurnedOn)
		}
		apply(t, s, subEvent("e3", "sub_a", d(5), false, 0, true))
		if a := acme(t, s); a.MRRCents != 500 || a.ChurnedOn != nil {
			t.Fatalf("one left: mrr %d churned %v", a.MRRCents, a.ChurnedOn)
		}
		apply(t, s, subEvent("e4", "sub_b", d(9), false, 0, true))
		if a := acme(t, s); a.MRRCents != 0 || a.ChurnedOn == nil || *a.ChurnedOn != "2026-11-09" {
			t.Fatalf("none left: mrr %d churned %v", a.MRRCents, a.ChurnedOn)
		}
		// A late update of sub_b, older than its cancellation, changes nothing.
		if got := results(apply(t, s, subEvent("e3b", "sub_b", d(3), true, 900, false))); got != "ignored" {
			t.Fatalf("late update: %s", got)
		}
		apply(t, s, subEvent("e5", "sub_c", d(12), true, 3000, false))
		if a := acme(t, s); a.MRRCents != 3000 || a.ChurnedOn != nil {
			t.Fatalf("back: mrr %d churned %v", a.MRRCents, a.ChurnedOn)
		}
		if got, want := mrrHistory(t, s), "2026-11-01=2000 2026-11-02=2500 2026-11-05=500 2026-11-09=0 2026-11-12=3000"; got != want {
			t.Fatalf("history %s, want %s", got, want)
		}
	})
}

// TestChurnSetByHandStays: a churned date set by hand is not cleared by a
// live subscription.
func TestChurnSetByHandStays(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		recs := []map[string]string{{"external_id": "crm-acme", "name": "Acme", "churned_on": "2026-10-01"}}
		if _, err := ingestion.Ingest(context.Background(), s, "accounts", ingestion.NewRecordsDecoder(recs), ingestion.IngestOptions{By: cli}); err != nil {
			t.Fatal(err)
		}
		apply(t, s, subEvent("e1", "sub_a", now.Add(-time.Hour), true, 2000, false))
		if a := acme(t, s); a.ChurnedOn == nil || *a.ChurnedOn != "2026-10-01" || a.MRRCents != 2000 {
			t.Fatalf("churned %v mrr %d", a.ChurnedOn, a.MRRCents)
		}
	})
}

func segmentGroup(id, group, user, name string, at time.Time) connector.Event {
	ev := connector.Event{Source: "segment", ID: id, Type: "group", Received: now}
	key := connector.AccountKey{ID: group, External: group}
	if name != "" {
		ev.Records = append(ev.Records, connector.Record{Kind: connector.KindAccount, Object: group, Version: at.UnixMicro() * 16,
			At: at, Account: key, Fields: map[string]string{"name": name, "plan": "pro"}})
	}
	ev.Records = append(ev.Records, connector.Record{Kind: connector.KindLink, Object: "user:" + user, Version: at.UnixMicro() * 16,
		At: at, Account: connector.AccountKey{ID: "user:" + user, External: group}})
	return ev
}

func track(id, group, user, feature string, at time.Time) connector.Event {
	key := connector.AccountKey{ID: group, External: group}
	if group == "" {
		key = connector.AccountKey{ID: "user:" + user}
	}
	return connector.Event{Source: "segment", ID: id, Type: "track", Received: now, Records: []connector.Record{{
		Kind: connector.KindActivity, Object: user, Version: at.UnixMicro() * 16, At: at, Account: key,
		Fields: map[string]string{"user": user, "feature": feature, "at": at.Format(time.RFC3339)},
	}}}
}

// TestSegmentGroupCreatesAndLinks: a track of a user in no known group is
// parked; the group call naming a new group creates its account (with a
// slug of its own: "Acme" is taken) and links the user, which replays the
// track.
func TestSegmentGroupCreatesAndLinks(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		at := now.Add(-time.Hour)
		if got := results(apply(t, s, track("m1", "", "u1", "reports", at))); got != "parked" {
			t.Fatalf("track: %s", got)
		}
		rep := apply(t, s, segmentGroup("m2", "grp-9", "u1", "Acme", at), track("m3", "grp-9", "u2", "alerts", at))
		if got := results(rep); got != "written written" || rep.ReplayedWritten() != 1 {
			t.Fatalf("group: %s, replayed %+v", got, rep.Replayed)
		}
		a, err := s.AccountByExternalID(context.Background(), "grp-9")
		if err != nil || a.Name != "Acme" || a.Plan != "pro" || a.Slug != "acme-grp-9" {
			t.Fatalf("created %+v, %v", a, err)
		}
		var acts []models.Activity
		if err := s.DB().Where("account_id = ?", a.ID).Order("user_id").Find(&acts).Error; err != nil || len(acts) != 2 {
			t.Fatalf("activity %+v, %v", acts, err)
		}
		// The user's later tracks find the account through the link.
		if got := results(apply(t, s, track("m4", "", "u1", "exports", at))); got != "written" {
			t.Fatalf("linked user: %s", got)
		}
	})
}

// TestAccountFieldsInOrder: each field is ordered on its own, and a field
// changed alone leaves the others (the name included) as they are.
func TestAccountFieldsInOrder(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		a := acme(t, s)
		if _, _, err := applier(s).Map(context.Background(), cli, "hubspot", "1246965", a.ID); err != nil {
			t.Fatal(err)
		}
		prop := func(id, field, value string, at time.Time) connector.Event {
			return connector.Event{Source: "hubspot", ID: id, Type: "company.propertyChange", Received: now, Records: []connector.Record{{
				Kind: connector.KindAccount, Object: "1246965", Version: at.UnixMicro() * 16, At: at,
				Account: connector.AccountKey{ID: "1246965"}, Fields: map[string]string{field: value},
			}}}
		}
		t1, t2 := now.Add(-2*time.Hour), now.Add(-time.Hour)
		rep := apply(t, s, prop("h1", "owner", "maria", t2), prop("h2", "renewal_on", "2027-06-30", t1), prop("h3", "owner", "lee", t1))
		if got := results(rep); got != "written written ignored" {
			t.Fatalf("results %s", got)
		}
		a = acme(t, s)
		if a.Owner != "maria" || a.RenewalOn == nil || *a.RenewalOn != "2027-06-30" || a.Name != "Acme" || a.MRRCents != 10000 {
			t.Fatalf("account %+v", a)
		}
	})
}

// TestRejectedAlone: an event ingestion refuses (a user id past its
// column, an activity a year ahead) is rejected and writes nothing; the
// events beside it are written.
func TestRejectedAlone(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		at := now.Add(-time.Hour)
		long := track("bad", "crm-acme", strings.Repeat("u", 200), "reports", at)
		future := track("future", "crm-acme", "u9", "reports", now.AddDate(1, 0, 0))
		rep := apply(t, s, track("ok1", "crm-acme", "u1", "reports", at), long, future, track("ok2", "crm-globex", "u2", "", at))
		if got := results(rep); got != "written rejected rejected written" {
			t.Fatalf("results %s: %+v", got, rep.Outcomes)
		}
		if !strings.Contains(rep.Outcomes[1].Reason, "user") || !strings.Contains(rep.Outcomes[2].Reason, "ahead") {
			t.Fatalf("reasons %q, %q", rep.Outcomes[1].Reason, rep.Outcomes[2].Reason)
		}
		if n := count(t, s, &models.Activity{}); n != 2 {
			t.Fatalf("%d activity rows, want 2", n)
		}
		if n := count(t, s, &models.ConnectorEvent{}); n != 2 {
			t.Fatalf("%d events taken in, want the 2 written", n)
		}
	})
}
