package zendesk_test

// testdata/ticket.status_changed.json follows Zendesk's webhook event
// schema (the top-level properties of the "Webhook event types" reference
// and the detail properties of its "Ticket events" page), with the ticket
// values of Zendesk's own ticket event example (ticket 35436, organization
// 10002). testdata/trigger.json is healthbot's trigger template
// (docs/connectors/zendesk.md) as Zendesk renders it for that ticket.
//
// Signatures follow Zendesk's "Verifying webhook authenticity":
// base64(HMACSHA256(TIMESTAMP + BODY)) keyed by the signing secret, here the
// test-only secret Zendesk's own verification example uses. (An older copy
// of that page gave the order as BODY + TIMESTAMP with an example computed
// that way; the page now says TIMESTAMP + BODY, which is what Zendesk sends.)

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/connect/connecttest"
	"github.com/healthbot/healthbot/bot/connect/zendesk"
)

const secret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

var now = time.Date(2019, 5, 27, 9, 12, 30, 0, time.UTC)

var sign = connecttest.SignZendesk

func endpoint(secret string, sink connect.Sink) http.Handler {
	return zendesk.NewHandler(zendesk.Config{Secret: secret}, sink, connect.WithClock(func() time.Time { return now }))
}

func deliver(t *testing.T, body []byte, header http.Header) connect.Batch {
	t.Helper()
	sink := &connecttest.Sink{}
	w := connecttest.Post(endpoint(secret, sink), "/hooks/zendesk", body, header)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	return sink.Batches()[0]
}

func TestVerifyRejects(t *testing.T) {
	connecttest.CheckRejects(t, endpoint, "/hooks/zendesk", connecttest.Testdata(t, "ticket.status_changed.json"),
		sign, secret, now, zendesk.DefaultWindow)
}

func TestVerifyFutureTimestamp(t *testing.T) {
	body := connecttest.Testdata(t, "trigger.json")
	w := connecttest.Post(endpoint(secret, &connecttest.Sink{}), "/", body, sign(body, secret, now.Add(10*time.Minute)))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", w.Code)
	}
}

func TestTicketEvent(t *testing.T) {
	b := deliver(t, connecttest.Testdata(t, "ticket.status_changed.json"), sign(connecttest.Testdata(t, "ticket.status_changed.json"), secret, now))
	r := b.Records[0].(*connect.TicketRecord)
	solved := time.Date(2019, 5, 25, 1, 23, 45, 0, time.UTC)
	if r.EventID != "2b24ef10-19d4-4740-93cf-8f98ec4776c0" || r.ObjectID != "35436" || r.Type != "zen:event-type:ticket.status_changed" ||
		r.Account != (connect.AccountKey{ID: "10002"}) || !r.OpenedAt.Equal(time.Date(2019, 5, 20, 22, 55, 29, 0, time.UTC)) ||
		r.ClosedAt == nil || !r.ClosedAt.Equal(solved) || r.Escalated == nil || *r.Escalated || r.Severity != "low" ||
		r.Sentiment != "" || r.Version != (connect.Version{At: solved, Rank: 1}) {
		t.Fatalf("ticket %+v", r)
	}
	f := r.IngestFields("acme")
	if f["external_id"] != "zendesk:35436" || f["closed_at"] != "2019-05-25T01:23:45Z" || f["escalated"] != "false" {
		t.Fatalf("ingest fields %v", f)
	}
	if _, ok := f["sentiment"]; ok {
		t.Fatalf("a record without a rating must not clear the stored sentiment: %v", f)
	}
}

func TestTriggerPayload(t *testing.T) {
	body := connecttest.Testdata(t, "trigger.json")
	h := sign(body, secret, now)
	h.Set("X-Zendesk-Webhook-Invocation-Id", "8350205582")
	b := deliver(t, body, h)
	r := b.Records[0].(*connect.TicketRecord)
	if r.EventID != "8350205582" || r.Account != (connect.AccountKey{ID: "acme", External: "acme"}) ||
		r.Sentiment != "negative" || r.Escalated == nil || !*r.Escalated || r.ClosedAt == nil || r.Version.Rank != 5 {
		t.Fatalf("ticket %+v", r)
	}
	// Without the invocation header the body identifies the delivery.
	b2 := deliver(t, body, sign(body, secret, now))
	if id := b2.Records[0].Head().EventID; !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("event id %q", id)
	}
}

func TestReopenedTicketClearsClosed(t *testing.T) {
	body := []byte(strings.Replace(string(connecttest.Testdata(t, "trigger.json")), `"Solved"`, `"Open"`, 1))
	r := deliver(t, body, sign(body, secret, now)).Records[0].(*connect.TicketRecord)
	if r.ClosedAt != nil || r.IngestFields("acme")["closed_at"] != "" {
		t.Fatalf("ticket %+v", r)
	}
}

func TestEscalationTag(t *testing.T) {
	body := []byte(strings.NewReplacer(`"Urgent"`, `"Normal"`, `"enterprise vip"`, `"Escalated"`).Replace(string(connecttest.Testdata(t, "trigger.json"))))
	r := deliver(t, body, sign(body, secret, now)).Records[0].(*connect.TicketRecord)
	if r.Escalated == nil || !*r.Escalated {
		t.Fatalf("ticket %+v", r)
	}
}

func TestIgnoredAndMalformed(t *testing.T) {
	cases := []struct {
		name, body string
		malformed  bool
	}{
		{"comment event", `{"type":"zen:event-type:ticket.comment_added","id":"e1","detail":{"id":"1"}}`, false},
		{"no organization", `{"type":"zen:event-type:ticket.created","id":"e2","detail":{"id":"1","created_at":"2019-05-20T22:55:29Z","updated_at":"2019-05-20T22:55:29Z","status":"NEW","organization_id":null}}`, false},
		{"localized status", `{"ticket":{"id":"1","created_at":"2019-05-20T22:55Z","updated_at":"2019-05-20T22:55Z","status":"Gelöst","organization_external_id":"acme"}}`, true},
		{"bad time", `{"ticket":{"id":"1","created_at":"yesterday","updated_at":"2019-05-20T22:55Z","status":"Open","organization_external_id":"acme"}}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := deliver(t, []byte(c.body), sign([]byte(c.body), secret, now))
			if len(b.Records) != 0 || len(b.Ignored) != 1 || b.Ignored[0].Malformed != c.malformed {
				t.Fatalf("batch %+v", b)
			}
		})
	}
	body := []byte(`{"say": "hello"}`)
	w := connecttest.Post(endpoint(secret, &connecttest.Sink{}), "/", body, sign(body, secret, now))
	if w.Code != http.StatusBadRequest {
		t.Fatalf("not a Zendesk payload: status %d", w.Code)
	}
}
