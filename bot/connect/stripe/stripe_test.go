package stripe_test

// The events in testdata wrap the "invoice" and "subscription" objects of
// stripe/openapi's openapi/fixtures3.json (the fixtures Stripe's SDKs test
// against) in Stripe's documented event envelope; each is signed here with
// stripe-go's own webhook.GenerateTestSignedPayload, exactly as Stripe signs.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/connect/connecttest"
	hstripe "github.com/healthbot/healthbot/bot/connect/stripe"
	"github.com/stripe/stripe-go/v82/webhook"
)

const secret = "whsec_test_secret"

// sign is how Stripe signs a delivery, by the SDK's own helper.
var sign = connecttest.SignStripe

func endpoint(secret string, sink connect.Sink) http.Handler { return hstripe.NewHandler(secret, sink) }

// deliver posts a testdata event, signed now, and returns the sink.
func deliver(t *testing.T, name string) (*connecttest.Sink, connect.Answer) {
	t.Helper()
	body := connecttest.Testdata(t, name)
	sink := &connecttest.Sink{}
	w := connecttest.Post(endpoint(secret, sink), "/hooks/stripe", body, sign(body, secret, time.Now()))
	if w.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", name, w.Code, w.Body.String())
	}
	var a connect.Answer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	return sink, a
}

func TestVerifyRejects(t *testing.T) {
	// The SDK checks the timestamp against the real clock, so "now" is now.
	connecttest.CheckRejects(t, endpoint, "/hooks/stripe", connecttest.Testdata(t, "invoice.paid.json"),
		sign, secret, time.Now(), hstripe.Tolerance)
}

func TestVerifyRolledSecret(t *testing.T) {
	// While a secret is rolled Stripe signs with both; either one verifies.
	body := connecttest.Testdata(t, "invoice.paid.json")
	now := time.Now()
	old := webhook.ComputeSignature(now, body, "whsec_old")
	cur := webhook.ComputeSignature(now, body, secret)
	h := http.Header{"Stripe-Signature": {fmt.Sprintf("t=%d,v1=%x,v1=%x,v0=abc", now.Unix(), old, cur)}}
	if w := connecttest.Post(endpoint(secret, &connecttest.Sink{}), "/", body, h); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
}

func TestAPIVersionMismatchAccepted(t *testing.T) {
	body := []byte(strings.Replace(string(connecttest.Testdata(t, "invoice.paid.json")), "2025-08-27.basil", "2020-08-27", 1))
	sink := &connecttest.Sink{}
	if w := connecttest.Post(endpoint(secret, sink), "/", body, sign(body, secret, time.Now())); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if len(sink.Records()) != 1 {
		t.Fatalf("records %d, want 1", len(sink.Records()))
	}
}

func TestInvoicePaymentFailed(t *testing.T) {
	sink, a := deliver(t, "invoice.payment_failed.json")
	if a != (connect.Answer{Records: 1}) {
		t.Fatalf("answer %+v", a)
	}
	inv := sink.Records()[0].(*connect.InvoiceRecord)
	want := connect.InvoiceRecord{
		Meta: connect.Meta{Source: "stripe", EventID: "evt_1PaymentFailed", Type: "invoice.payment_failed",
			ObjectID: "in_1MoqxGLgUG5tbmjcJeILGSau", Version: connect.Version{At: time.Unix(1700000100, 0).UTC(), Rank: 2},
			Account: connect.AccountKey{ID: "cus_NZbFQAsc0ptasX"}},
		Status: "failed", Amount: connect.Money{Cents: 1000, Currency: "usd"},
		// charge_automatically: no due_date, due when finalized.
		DueAt: time.Unix(1700000000, 0).UTC(),
	}
	if fmt.Sprint(*inv) != fmt.Sprint(want) {
		t.Fatalf("got  %+v\nwant %+v", *inv, want)
	}
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	f := inv.IngestFields("acme", day)
	if f["status"] != "failed" || f["amount"] != "10.00" || f["due_on"] != "2023-11-14" || f["paid_on"] != "" || f["account"] != "acme" {
		t.Fatalf("ingest fields %v", f)
	}
}

func TestPaidThenLatePaymentFailed(t *testing.T) {
	// A payment attempt fails, the retry succeeds, and the failure's
	// delivery arrives last: its version is older, so the store keeps paid.
	paidSink, _ := deliver(t, "invoice.paid.json")
	failedSink, _ := deliver(t, "invoice.payment_failed.json")
	paid := paidSink.Records()[0].(*connect.InvoiceRecord)
	failed := failedSink.Records()[0].(*connect.InvoiceRecord)
	if paid.Status != "paid" || paid.PaidAt == nil || !paid.PaidAt.Equal(time.Unix(1700000300, 0)) {
		t.Fatalf("paid record %+v", paid)
	}
	if !failed.Version.Less(paid.Version) || failed.Version.Key() >= paid.Version.Key() {
		t.Fatalf("failed %v should be older than paid %v", failed.Version, paid.Version)
	}
}

func TestSameSecondRanks(t *testing.T) {
	// Finalized and paid often share a second; paid must still win.
	at := time.Unix(1700000000, 0)
	if !(connect.Version{At: at, Rank: 1}).Less(connect.Version{At: at, Rank: 4}) {
		t.Fatal("finalized should be older than paid in the same second")
	}
}

func TestSubscriptionUpdated(t *testing.T) {
	sink, _ := deliver(t, "customer.subscription.updated.json")
	m := sink.Records()[0].(*connect.MRRRecord)
	if m.ObjectID != "sub_1MoqxHLgUG5tbmjcG8lOfx2N" || !m.Live || m.Monthly != (connect.Money{Cents: 2000, Currency: "usd"}) ||
		m.Account != (connect.AccountKey{ID: "cus_NZbFQAsc0ptasX", External: "acme"}) {
		t.Fatalf("mrr record %+v", m)
	}
}

func TestSubscriptionDeleted(t *testing.T) {
	sink, a := deliver(t, "customer.subscription.deleted.json")
	if a.Records != 2 {
		t.Fatalf("answer %+v", a)
	}
	m := sink.Records()[0].(*connect.MRRRecord)
	c := sink.Records()[1].(*connect.ChurnRecord)
	ended := time.Unix(1700499000, 0).UTC()
	if m.Live || m.Monthly.Cents != 0 || m.Status != "canceled" || !m.At.Equal(ended) || m.Version.Rank != 2 {
		t.Fatalf("mrr record %+v", m)
	}
	if c.EventID != m.EventID || c.ObjectID != m.ObjectID || !c.EndedAt.Equal(ended) {
		t.Fatalf("churn record %+v", c)
	}
}

func TestCustomerLink(t *testing.T) {
	sink, _ := deliver(t, "customer.updated.json")
	l := sink.Records()[0].(*connect.LinkRecord)
	if l.Account != (connect.AccountKey{ID: "cus_NZbFQAsc0ptasX", External: "acme"}) {
		t.Fatalf("link %+v", l)
	}
}

func TestUnusedEventIgnored(t *testing.T) {
	sink, a := deliver(t, "charge.succeeded.json")
	if a != (connect.Answer{Ignored: 1}) {
		t.Fatalf("answer %+v", a)
	}
	ig := sink.Batches()[0].Ignored[0]
	if ig.Type != "charge.succeeded" || ig.Malformed {
		t.Fatalf("ignored %+v", ig)
	}
}

func TestMalformedInvoiceCounted(t *testing.T) {
	body := []byte(`{"id":"evt_x","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1","currency":"usd"}}}`)
	sink := &connecttest.Sink{}
	if w := connecttest.Post(endpoint(secret, sink), "/", body, sign(body, secret, time.Now())); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if ig := sink.Batches()[0].Ignored; len(ig) != 1 || !ig[0].Malformed {
		t.Fatalf("ignored %+v", ig)
	}
}

func TestNotJSONIsBadRequest(t *testing.T) {
	body := []byte(`not json`)
	sink := &connecttest.Sink{}
	if w := connecttest.Post(endpoint(secret, sink), "/", body, sign(body, secret, time.Now())); w.Code != http.StatusBadRequest {
		t.Fatalf("status %d", w.Code)
	}
}

func TestSinkBusy(t *testing.T) {
	body := connecttest.Testdata(t, "invoice.paid.json")
	sink := &connecttest.Sink{Err: fmt.Errorf("queue: %w", connect.ErrBusy)}
	w := connecttest.Post(endpoint(secret, sink), "/", body, sign(body, secret, time.Now()))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	sink.Err = errors.New("disk on fire")
	if w := connecttest.Post(endpoint(secret, sink), "/", body, sign(body, secret, time.Now())); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
}

// subEvent is a customer.subscription.updated event whose items are given.
func subEvent(status, currency, items string) []byte {
	return fmt.Appendf(nil, `{"id":"evt_s","object":"event","type":"customer.subscription.updated","created":1700000000,
"data":{"object":{"id":"sub_1","customer":"cus_1","status":%q,"currency":%q,"items":{"data":[%s]}}}}`, status, currency, items)
}

func TestMRRNormalised(t *testing.T) {
	price := func(amount, interval string, count, qty int) string {
		return fmt.Sprintf(`{"quantity":%d,"price":{"billing_scheme":"per_unit","unit_amount_decimal":%q,"recurring":{"interval":%q,"interval_count":%d,"usage_type":"licensed"}}}`,
			qty, amount, interval, count)
	}
	cases := []struct {
		name, status, currency, items string
		cents                         int64
		unpriced                      int
	}{
		{"monthly", "active", "usd", price("2000", "month", 1, 1), 2000, 0},
		{"yearly", "active", "usd", price("120000", "year", 1, 1), 10000, 0},
		{"quarterly times 3 seats", "active", "usd", price("3000", "month", 3, 3), 3000, 0},
		{"weekly", "active", "usd", price("1000", "week", 1, 1), 4333, 0}, // 1000 × 52 / 12
		{"daily", "active", "usd", price("100", "day", 1, 1), 3042, 0},    // 100 × 365 / 12 = 3041.67
		{"every items summed", "active", "eur", price("2000", "month", 1, 2) + "," + price("12000", "year", 1, 1), 5000, 0},
		{"fractional cents", "active", "usd", price("0.5", "month", 1, 1001), 501, 0},
		{"zero-decimal yen", "active", "jpy", price("12000", "year", 1, 1), 100000, 0}, // ¥1000 a month
		{"three-decimal dinar", "active", "kwd", price("1250", "month", 1, 1), 125, 0}, // 1.250 KWD
		{"past due still counts", "past_due", "usd", price("2000", "month", 1, 1), 2000, 0},
		{"trialing counts nothing", "trialing", "usd", price("2000", "month", 1, 1), 0, 0},
		{"metered unpriced", "active", "usd", `{"price":{"recurring":{"interval":"month","interval_count":1,"usage_type":"metered"}}}`, 0, 1},
		{"legacy plan", "active", "usd", `{"quantity":2,"plan":{"amount":1500,"interval":"month","interval_count":1}}`, 3000, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := subEvent(c.status, c.currency, c.items)
			sink := &connecttest.Sink{}
			if w := connecttest.Post(endpoint(secret, sink), "/", body, sign(body, secret, time.Now())); w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			recs := sink.Records()
			if len(recs) != 1 {
				t.Fatalf("records %d, ignored %+v", len(recs), sink.Batches()[0].Ignored)
			}
			m := recs[0].(*connect.MRRRecord)
			if m.Monthly.Cents != c.cents || m.Unpriced != c.unpriced {
				t.Fatalf("monthly %d cents, %d unpriced; want %d, %d", m.Monthly.Cents, m.Unpriced, c.cents, c.unpriced)
			}
		})
	}
}

func TestFromMinor(t *testing.T) {
	cases := []struct {
		minor    string
		currency string
		want     string
	}{
		{"123456", "usd", "1234.56"}, {"500", "JPY", "500.00"}, {"5125", "kwd", "5.13"}, {"-5", "usd", "-0.05"},
		{"500", "isk", "5.00"}, // ISK stays two-decimal in Stripe's API
	}
	for _, c := range cases {
		r, _ := new(big.Rat).SetString(c.minor)
		m, err := connect.FromMinor(r, c.currency)
		if err != nil || m.String() != c.want {
			t.Errorf("%s %s = %s, %v; want %s", c.minor, c.currency, m, err, c.want)
		}
	}
}
