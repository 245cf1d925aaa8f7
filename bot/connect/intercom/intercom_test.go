package intercom_test

// testdata/conversation.admin.closed.json is the "conversation found"
// example of Intercom's API description (intercom/Intercom-OpenAPI,
// descriptions/2.16), with the company and conversation_rating its 2.16
// conversation model defines, in the notification envelope of Intercom's
// webhook reference. Intercom publishes no signed example; deliveries are
// signed as it documents: X-Hub-Signature = "sha1=" + hex HMAC-SHA1 of the
// body keyed by the app's client secret.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/connect/connecttest"
	"github.com/healthbot/healthbot/bot/connect/intercom"
)

const secret = "intercom-client-secret"

var sign = connecttest.SignIntercom

func endpoint(secret string, sink connect.Sink) http.Handler {
	return intercom.NewHandler(intercom.Config{Secret: secret}, sink)
}

func deliver(t *testing.T, body []byte) connect.Batch {
	t.Helper()
	sink := &connecttest.Sink{}
	w := connecttest.Post(endpoint(secret, sink), "/hooks/intercom", body, sign(body, secret, time.Time{}))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	return sink.Batches()[0]
}

func TestVerifyRejects(t *testing.T) {
	connecttest.CheckRejects(t, endpoint, "/hooks/intercom", connecttest.Testdata(t, "conversation.admin.closed.json"), sign, secret, time.Now(), 0)
	body := connecttest.Testdata(t, "ping.json")
	h := sign(body, secret, time.Time{})
	h.Set("X-Hub-Signature", strings.TrimPrefix(h.Get("X-Hub-Signature"), "sha1="))
	if w := connecttest.Post(endpoint(secret, &connecttest.Sink{}), "/", body, h); w.Code != http.StatusUnauthorized {
		t.Fatalf("signature without sha1=: status %d", w.Code)
	}
}

func TestClosedRatedConversation(t *testing.T) {
	b := deliver(t, connecttest.Testdata(t, "conversation.admin.closed.json"))
	r := b.Records[0].(*connect.TicketRecord)
	at := time.Unix(1734537511, 0).UTC()
	if r.EventID != "notif_4e3504a3-ba3f-46dc-ab48-8e4d5bdfdf4e" || r.ObjectID != "503" || r.Type != "conversation.admin.closed" ||
		r.Account != (connect.AccountKey{ID: "531ee472cce572a6ec000006", External: "acme"}) ||
		!r.OpenedAt.Equal(at) || r.ClosedAt == nil || !r.ClosedAt.Equal(at) || r.Sentiment != "positive" ||
		r.Escalated == nil || *r.Escalated || r.Version != (connect.Version{At: at, Rank: 3}) {
		t.Fatalf("ticket %+v", r)
	}
	if f := r.IngestFields("acme"); f["external_id"] != "intercom:503" || f["sentiment"] != "positive" {
		t.Fatalf("ingest fields %v", f)
	}
}

func TestRatingsAndContactFallback(t *testing.T) {
	base := string(connecttest.Testdata(t, "conversation.admin.closed.json"))
	for rating, want := range map[string]string{"1": "negative", "2": "negative", "3": "neutral", "4": "positive"} {
		body := strings.Replace(base, `"rating": 5`, `"rating": `+rating, 1)
		if got := deliver(t, []byte(body)).Records[0].(*connect.TicketRecord).Sentiment; got != want {
			t.Errorf("rating %s: sentiment %q, want %q", rating, got, want)
		}
	}
	// Before API 2.15 the conversation names no company: its contact stands in.
	i := strings.Index(base, `"company": {`)
	j := strings.Index(base[i:], "},") + i + 2
	body := base[:i] + base[j:]
	r := deliver(t, []byte(body)).Records[0].(*connect.TicketRecord)
	if r.Account != (connect.AccountKey{ID: "contact:6762f1261bb69f9f2193bba7"}) {
		t.Fatalf("account %+v", r.Account)
	}
	// An open, unrated, priority conversation.
	open := strings.NewReplacer(`"state": "closed"`, `"state": "open"`, `"priority": "none"`, `"priority": "priority"`,
		`"conversation_rating": {`, `"unused_rating": {`).Replace(base)
	r = deliver(t, []byte(open)).Records[0].(*connect.TicketRecord)
	if r.ClosedAt != nil || r.Sentiment != "" || r.Escalated == nil || !*r.Escalated || r.Version.Rank != 0 {
		t.Fatalf("open conversation %+v", r)
	}
}

func TestPingIgnored(t *testing.T) {
	b := deliver(t, connecttest.Testdata(t, "ping.json"))
	if len(b.Records) != 0 || len(b.Ignored) != 1 || b.Ignored[0].Malformed {
		t.Fatalf("batch %+v", b)
	}
}
