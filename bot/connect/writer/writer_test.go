package writer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect/connecttest"
	"github.com/healthbot/healthbot/bot/connect/hubspot"
	"github.com/healthbot/healthbot/bot/connect/intercom"
	"github.com/healthbot/healthbot/bot/connect/segment"
	"github.com/healthbot/healthbot/bot/connect/stripe"
	"github.com/healthbot/healthbot/bot/connect/writer"
	"github.com/healthbot/healthbot/bot/connect/zendesk"
	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// cli is who the tests' own writes are by, for the audit trail.
var cli = models.Actor{Origin: models.OriginCLI, ID: "test"}

const (
	secret    = "whsec_test_secret"
	publicURL = "https://bot.example.com"
)

// harness is the five endpoints, wired to a real writer on a real store.
type harness struct {
	store    *models.Store
	reg      *prometheus.Registry
	w        *writer.Writer
	handlers map[string]http.Handler

	mu       sync.Mutex
	rescored []uint
}

func newHarness(t *testing.T, s *models.Store, cfg writer.Config) *harness {
	t.Helper()
	h := &harness{store: s, reg: prometheus.NewRegistry()}
	cfg.Store, cfg.Registry = s, h.reg
	cfg.Types = map[string][]string{stripe.Source: stripe.EventTypes, segment.Source: segment.EventTypes,
		zendesk.Source: zendesk.EventTypes, hubspot.Source: hubspot.EventTypes, intercom.Source: intercom.EventTypes}
	cfg.Rescore = func(_ context.Context, ids []uint) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.rescored = append(h.rescored, ids...)
	}
	h.w = writer.New(cfg)
	t.Cleanup(h.w.Close)
	h.handlers = map[string]http.Handler{
		stripe.Source:   stripe.NewHandler(secret, h.w),
		segment.Source:  segment.NewHandler(segment.Config{Secret: secret}, h.w),
		zendesk.Source:  zendesk.NewHandler(zendesk.Config{Secret: secret}, h.w),
		hubspot.Source:  hubspot.NewHandler(hubspot.Config{Secret: secret, PublicURL: publicURL}, h.w),
		intercom.Source: intercom.NewHandler(intercom.Config{Secret: secret}, h.w),
	}
	return h
}

// signers sign as each vendor does; stale says the vendor signs a time.
var signers = map[string]struct {
	sign  connecttest.Signer
	stale bool
}{
	stripe.Source:   {connecttest.SignStripe, true},
	segment.Source:  {connecttest.SignSegment, false},
	zendesk.Source:  {connecttest.SignZendesk, true},
	hubspot.Source:  {connecttest.SignHubSpot(publicURL + "/hooks/hubspot"), true},
	intercom.Source: {connecttest.SignIntercom, false},
}

// post delivers body to source's endpoint with the given headers.
func (h *harness) post(source string, body []byte, header http.Header) (int, string) {
	w := connecttest.Post(h.handlers[source], "/hooks/"+source, body, header)
	return w.Code, w.Body.String()
}

// deliver signs body as source's vendor does, now, and posts it.
func (h *harness) deliver(t *testing.T, source string, body []byte) {
	t.Helper()
	if code, answer := h.post(source, body, signers[source].sign(body, secret, time.Now())); code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", source, code, answer)
	}
}

// sample reads a vendor's sample event from its connector's testdata.
func sample(t testing.TB, source, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", source, "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dumpTables are the tables a delivery may write.
var dumpTables = []string{"accounts", "activities", "tickets", "invoices", "mrr_changes", "connector_events",
	"connector_mappings", "parked_events", "connector_versions", "connector_subscriptions", "connector_churns"}

// dump renders every row of the tables a delivery may write (or of the
// tables given), so two dumps are equal only when nothing was written in
// between.
func dump(t *testing.T, s *models.Store, tables ...string) string {
	t.Helper()
	if tables == nil {
		tables = dumpTables
	}
	var b strings.Builder
	for _, table := range tables {
		var rows []map[string]any
		if err := s.DB().Table(table).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		lines := make([]string, 0, len(rows))
		for _, r := range rows {
			j, _ := json.Marshal(r)
			lines = append(lines, string(j))
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "%s (%d)\n%s\n", table, len(rows), strings.Join(lines, "\n"))
	}
	return b.String()
}

func seedAcme(t *testing.T, s *models.Store) models.Account {
	t.Helper()
	recs := []map[string]string{{"external_id": "acme", "name": "Acme Corp", "slug": "acme"}}
	if _, err := ingestion.Ingest(context.Background(), s, "accounts", ingestion.NewRecordsDecoder(recs), ingestion.IngestOptions{By: cli}); err != nil {
		t.Fatal(err)
	}
	a, err := s.AccountByExternalID(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sampleCase is one vendor sample: what to set up, what it must write.
type sampleCase struct {
	source, file string
	edit         func(body []byte) []byte // changes the sample, when set
	setup        func(t *testing.T, h *harness, acme models.Account)
	check        func(t *testing.T, h *harness, acme models.Account)
}

var sampleCases = []sampleCase{
	{stripe.Source, "customer.updated.json", nil, nil, func(t *testing.T, h *harness, acme models.Account) {
		m, _ := h.store.ConnectorMappings(context.Background(), "stripe", []string{"cus_NZbFQAsc0ptasX"})
		if got := m["cus_NZbFQAsc0ptasX"]; got.AccountID != acme.ID || got.Manual {
			t.Fatalf("stripe customer link: %+v", got)
		}
	}},
	{stripe.Source, "invoice.payment_failed.json", nil, nil, func(t *testing.T, h *harness, acme models.Account) {
		inv := invoiceOf(t, h.store, "in_1MoqxGLgUG5tbmjcJeILGSau")
		if inv.AccountID != acme.ID || inv.Status != "failed" || inv.AmountCents != 1000 || inv.DueOn != "2023-11-14" {
			t.Fatalf("invoice %+v", inv)
		}
	}},
	{stripe.Source, "customer.subscription.updated.json", nil, nil, func(t *testing.T, h *harness, acme models.Account) {
		if a := account(t, h.store, "acme"); a.MRRCents != 2000 {
			t.Fatalf("mrr %d, want 2000 (20.00 a month)", a.MRRCents)
		}
		if got := rows(t, h.store, "SELECT effective_on || '=' || mrr_cents FROM mrr_changes"); got != "2023-11-14=2000" {
			t.Fatalf("mrr history %s", got)
		}
	}},
	{segment.Source, "group.json", nil, nil, func(t *testing.T, h *harness, _ models.Account) {
		a := account(t, h.store, "0e8c78ea9d97a7b8185e8632")
		if a.Name != "Initech" || a.Plan != "enterprise" || a.Slug != "initech" {
			t.Fatalf("group's account %+v", a)
		}
	}},
	{segment.Source, "track.json", nil, nil, func(t *testing.T, h *harness, _ models.Account) {
		// The sample names no group and its user joined none: parked.
		if got := rows(t, h.store, "SELECT source_id FROM parked_events"); got != "user:AiUGstSDIg" {
			t.Fatalf("parked %q", got)
		}
	}},
	{segment.Source, "track.json", func(b []byte) []byte {
		// The same track by the user the group call put in Initech.
		return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("AiUGstSDIg"), []byte("97980cfea0067")), []byte("ajs-f8ca"), []byte("ajs-0000"))
	}, nil, func(t *testing.T, h *harness, _ models.Account) {
		initech := account(t, h.store, "0e8c78ea9d97a7b8185e8632")
		got := rows(t, h.store, fmt.Sprintf("SELECT day || ' ' || user_id || ' ' || feature FROM activities WHERE account_id = %d", initech.ID))
		if got != "2015-12-12 97980cfea0067 Course Clicked" {
			t.Fatalf("activity %q", got)
		}
	}},
	{zendesk.Source, "trigger.json", nil, nil, func(t *testing.T, h *harness, acme models.Account) {
		tk := ticketOf(t, h.store, "zendesk:35436")
		if tk.AccountID != acme.ID || tk.ClosedAt == nil || !tk.Escalated || tk.Sentiment != "negative" || tk.Severity != "urgent" {
			t.Fatalf("ticket %+v", tk)
		}
	}},
	{hubspot.Source, "company.propertyChange.json", nil, func(t *testing.T, h *harness, acme models.Account) {
		if _, _, err := (&connector.Applier{Store: h.store}).Map(context.Background(), cli, "hubspot", "1246965", acme.ID); err != nil {
			t.Fatal(err)
		}
	}, func(t *testing.T, h *harness, _ models.Account) {
		a := account(t, h.store, "acme")
		if a.Name != "Acme Corporation" || a.RenewalOn == nil || *a.RenewalOn != "2025-01-01" || a.Slug != "acme" {
			t.Fatalf("account %+v", a)
		}
	}},
	{intercom.Source, "conversation.admin.closed.json", nil, nil, func(t *testing.T, h *harness, acme models.Account) {
		tk := ticketOf(t, h.store, "intercom:503")
		if tk.AccountID != acme.ID || tk.ClosedAt == nil || tk.Sentiment != "positive" || tk.Escalated {
			t.Fatalf("ticket %+v", tk)
		}
	}},
}

// TestVendorSamples: per source, the vendor's sample event, signed as the
// vendor signs, is accepted and becomes the expected rows; the same
// delivery again changes nothing; a tampered body, a wrong secret, missing
// headers and (where the vendor signs a time) a stale timestamp get 401
// and change nothing either.
func TestVendorSamples(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		acme := seedAcme(t, s)
		h := newHarness(t, s, writer.Config{})
		for _, c := range sampleCases {
			name := c.source + "/" + c.file
			if c.edit != nil {
				name += "/edited"
			}
			t.Run(name, func(t *testing.T) {
				if c.setup != nil {
					c.setup(t, h, acme)
				}
				body := sample(t, c.source, c.file)
				if c.edit != nil {
					body = c.edit(body)
				}
				sg := signers[c.source]
				before := dump(t, s)
				refused := map[string]struct {
					body   []byte
					header http.Header
				}{
					"tampered body":   {append(bytes.Clone(body), ' '), sg.sign(body, secret, time.Now())},
					"wrong secret":    {body, sg.sign(body, secret+"x", time.Now())},
					"missing headers": {body, http.Header{}},
				}
				if sg.stale {
					refused["stale timestamp"] = struct {
						body   []byte
						header http.Header
					}{body, sg.sign(body, secret, time.Now().Add(-6*time.Minute))}
				}
				for name, r := range refused {
					if code, _ := h.post(c.source, r.body, r.header); code != http.StatusUnauthorized {
						t.Errorf("%s: status %d, want 401", name, code)
					}
				}
				if after := dump(t, s); after != before {
					t.Fatalf("refused deliveries changed the database")
				}
				h.deliver(t, c.source, body)
				c.check(t, h, acme)
				written := dump(t, s)
				if written == before {
					t.Fatal("the sample wrote nothing")
				}
				h.deliver(t, c.source, body)
				if again := dump(t, s); again != written {
					t.Fatalf("the same delivery again changed the database")
				}
			})
		}
		for _, m := range []struct {
			source, typ, result string
			want                float64
		}{
			{"stripe", "invoice.payment_failed", "written", 1}, {"stripe", "invoice.payment_failed", "duplicate", 1},
			{"segment", "track", "parked", 1}, {"segment", "track", "written", 1}, {"segment", "track", "duplicate", 2},
			{"segment", "group", "written", 1},
			{"hubspot", "company.propertyChange", "written", 2}, {"hubspot", "company.propertyChange", "duplicate", 2},
			// lifecyclestage is not mapped: not used, counted as each delivery brings it.
			{"hubspot", "company.propertyChange", "ignored", 2},
			{"zendesk", "trigger", "written", 1}, {"intercom", "conversation.admin.closed", "written", 1},
		} {
			if got := counter(t, h.reg, m.source, m.typ, m.result); got != m.want {
				t.Errorf("events{%s,%s,%s} = %v, want %v", m.source, m.typ, m.result, got, m.want)
			}
		}
	})
}

// TestPaidThenLateFailure: Stripe delivers invoice.paid, then the failed
// attempt that came before it: the invoice stays paid.
func TestPaidThenLateFailure(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seedAcme(t, s)
		h := newHarness(t, s, writer.Config{})
		h.deliver(t, "stripe", sample(t, "stripe", "customer.updated.json"))
		h.deliver(t, "stripe", sample(t, "stripe", "invoice.paid.json"))
		// Everything but the record that the event was taken in.
		tables := slices.DeleteFunc(slices.Clone(dumpTables), func(t string) bool { return t == "connector_events" })
		before := dump(t, s, tables...)
		h.deliver(t, "stripe", sample(t, "stripe", "invoice.payment_failed.json"))
		inv := invoiceOf(t, s, "in_1MoqxGLgUG5tbmjcJeILGSau")
		if inv.Status != "paid" || inv.PaidOn == nil {
			t.Fatalf("invoice %+v, want paid", inv)
		}
		if after := dump(t, s, tables...); after != before {
			t.Fatalf("the late failure changed the database:\n%s\nbefore:\n%s", after, before)
		}
		if got := counter(t, h.reg, "stripe", "invoice.payment_failed", "ignored"); got != 1 {
			t.Fatalf("late failure counted %v ignored, want 1", got)
		}
	})
}

// TestUnusedTypesCounted: an event type a connector does not use is
// answered 200 and counted ignored under "other".
func TestUnusedTypesCounted(t *testing.T) {
	h := newHarness(t, modelstest.MustOpenSQLite(t), writer.Config{})
	h.deliver(t, "stripe", sample(t, "stripe", "charge.succeeded.json"))
	if got := counter(t, h.reg, "stripe", "other", "ignored"); got != 1 {
		t.Fatalf("charge.succeeded counted %v, want 1 under other", got)
	}
}

func account(t *testing.T, s *models.Store, ext string) models.Account {
	t.Helper()
	a, err := s.AccountByExternalID(context.Background(), ext)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func invoiceOf(t *testing.T, s *models.Store, ext string) models.Invoice {
	t.Helper()
	got, err := s.InvoicesByExternalID(context.Background(), []string{ext})
	if err != nil || got[ext].ID == 0 {
		t.Fatalf("invoice %s: %v, %v", ext, got, err)
	}
	return got[ext]
}

func ticketOf(t *testing.T, s *models.Store, ext string) models.Ticket {
	t.Helper()
	got, err := s.TicketsByExternalID(context.Background(), []string{ext})
	if err != nil || got[ext].ID == 0 {
		t.Fatalf("ticket %s: %v, %v", ext, got, err)
	}
	return got[ext]
}

// rows runs a one-column query and joins the values with spaces.
func rows(t *testing.T, s *models.Store, query string) string {
	t.Helper()
	var out []string
	if err := s.DB().Raw(query).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// counter reads healthbot_connector_events_total for the labels.
func counter(t *testing.T, reg *prometheus.Registry, source, typ, result string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "healthbot_connector_events_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if labels(m) == source+"/"+typ+"/"+result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func labels(m *dto.Metric) string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l["source"] + "/" + l["type"] + "/" + l["result"]
}

// TestBusy: with the database locked by another writer, a full queue
// answers 503 with Retry-After at once; the delivery that was waiting is
// written once the lock goes, and the vendor's retry of it is a duplicate.
func TestBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := models.Open(context.Background(), path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seedAcme(t, s)
	h := newHarness(t, s, writer.Config{QueueEvents: 1, Wait: 300 * time.Millisecond, Linger: -1})
	other, err := models.Open(context.Background(), path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sqlDB, _ := other.DB().DB()
	conn, err := sqlDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	first := sample(t, "stripe", "customer.updated.json")
	done := make(chan int)
	go func() {
		code, _ := h.post("stripe", first, connecttest.SignStripe(first, secret, time.Now()))
		done <- code
	}()
	time.Sleep(100 * time.Millisecond) // the writer has taken it and waits for the lock
	second := sample(t, "stripe", "invoice.paid.json")
	w := connecttest.Post(h.handlers["stripe"], "/hooks/stripe", second, connecttest.SignStripe(second, secret, time.Now()))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("full queue: status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if code := <-done; code != http.StatusServiceUnavailable {
		t.Fatalf("delivery not written in time: status %d, want 503", code)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m, _ := s.ConnectorMappings(context.Background(), "stripe", []string{"cus_NZbFQAsc0ptasX"}); len(m) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the waiting delivery was never written")
		}
	}
	h.deliver(t, "stripe", first) // the vendor's retry
	if got := counter(t, h.reg, "stripe", "customer.updated", "duplicate"); got != 1 {
		t.Fatalf("retry counted %v duplicates, want 1", got)
	}
}
