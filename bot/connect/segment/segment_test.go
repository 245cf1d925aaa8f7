package segment_test

// testdata/track.json and testdata/group.json are the complete track and
// group examples of Segment's spec (segmentio/segment-docs,
// src/connections/spec/track.md and group.md), byte for byte. Segment
// publishes no signed example, so they are signed here as its Webhooks
// destination documents: X-Signature, the hex HMAC-SHA1 of the body keyed
// by the shared secret.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/connect/connecttest"
	"github.com/healthbot/healthbot/bot/connect/segment"
)

const secret = "segment-shared-secret"

var sign = connecttest.SignSegment

func endpoint(secret string, sink connect.Sink) http.Handler {
	return segment.NewHandler(segment.Config{Secret: secret}, sink)
}

func deliver(t *testing.T, cfg segment.Config, body []byte) connect.Batch {
	t.Helper()
	sink := &connecttest.Sink{}
	w := connecttest.Post(segment.NewHandler(cfg, sink), "/hooks/segment", body, sign(body, cfg.Secret, time.Time{}))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	return sink.Batches()[0]
}

func TestVerifyRejects(t *testing.T) {
	connecttest.CheckRejects(t, endpoint, "/hooks/segment", connecttest.Testdata(t, "track.json"), sign, secret, time.Now(), 0)
}

func TestTrack(t *testing.T) {
	b := deliver(t, segment.Config{Secret: secret}, connecttest.Testdata(t, "track.json"))
	a := b.Records[0].(*connect.ActivityRecord)
	at := time.Date(2015, 12, 12, 19, 11, 1, 249e6, time.UTC)
	if a.User != "AiUGstSDIg" || a.Feature != "Course Clicked" || !a.At.Equal(at) ||
		a.EventID != "ajs-f8ca1e4de5024d9430b3928bd8ac6b96" || a.Account != (connect.AccountKey{ID: "user:AiUGstSDIg"}) {
		t.Fatalf("activity %+v", a)
	}
	f := a.IngestFields("acme")
	if f["user"] != "AiUGstSDIg" || f["feature"] != "Course Clicked" || f["at"] != "2015-12-12T19:11:01.249Z" || f["account"] != "acme" {
		t.Fatalf("ingest fields %v", f)
	}
}

func TestTrackWithGroup(t *testing.T) {
	body := strings.Replace(string(connecttest.Testdata(t, "track.json")), `"ip": "108.0.78.21"`, `"ip": "108.0.78.21", "groupId": "acme"`, 1)
	b := deliver(t, segment.Config{Secret: secret}, []byte(body))
	if k := b.Records[0].Head().Account; k != (connect.AccountKey{ID: "acme", External: "acme"}) {
		t.Fatalf("account %+v", k)
	}
}

func TestGroup(t *testing.T) {
	b := deliver(t, segment.Config{Secret: secret, Traits: map[string]string{"mrr": "Total Billed"}}, connecttest.Testdata(t, "group.json"))
	if len(b.Records) != 2 {
		t.Fatalf("records %+v", b.Records)
	}
	acct := b.Records[0].(*connect.AccountRecord)
	want := map[string]string{"name": "Initech", "plan": "enterprise", "mrr": "830.00"}
	if len(acct.Fields) != len(want) || acct.Fields["name"] != "Initech" || acct.Fields["plan"] != "enterprise" || acct.Fields["mrr"] != "830.00" {
		t.Fatalf("fields %v, want %v", acct.Fields, want)
	}
	if acct.Account != (connect.AccountKey{ID: "0e8c78ea9d97a7b8185e8632", External: "0e8c78ea9d97a7b8185e8632"}) ||
		!acct.Version.At.Equal(time.Date(2015, 2, 23, 22, 28, 55, 111e6, time.UTC)) {
		t.Fatalf("account record %+v", acct)
	}
	link := b.Records[1].(*connect.LinkRecord)
	if link.Account != (connect.AccountKey{ID: "user:97980cfea0067", External: "0e8c78ea9d97a7b8185e8632"}) {
		t.Fatalf("link %+v", link)
	}
}

func TestBatchAndIgnored(t *testing.T) {
	body := "[" + string(connecttest.Testdata(t, "track.json")) + "," + string(connecttest.Testdata(t, "group.json")) +
		`,{"type":"identify","messageId":"m3","userId":"u"},{"type":"track","messageId":"m4","event":"x","timestamp":"2015-12-12T19:11:01Z"}` +
		`,{"type":"track","messageId":"m5","userId":"u","event":"x","timestamp":"yesterday"}]`
	b := deliver(t, segment.Config{Secret: secret}, []byte(body))
	if len(b.Records) != 3 || len(b.Ignored) != 3 {
		t.Fatalf("records %d, ignored %+v", len(b.Records), b.Ignored)
	}
	if b.Ignored[0].Malformed || b.Ignored[1].Malformed || !b.Ignored[2].Malformed {
		t.Fatalf("ignored %+v", b.Ignored)
	}
	wrapped := `{"batch":[` + string(connecttest.Testdata(t, "track.json")) + `]}`
	if b := deliver(t, segment.Config{Secret: secret}, []byte(wrapped)); len(b.Records) != 1 {
		t.Fatalf("batch envelope: %d records", len(b.Records))
	}
}

func TestBadTrait(t *testing.T) {
	body := `{"type":"group","messageId":"g1","groupId":"acme","timestamp":"2015-02-23T22:28:55Z","traits":{"seats":"many"}}`
	b := deliver(t, segment.Config{Secret: secret}, []byte(body))
	if len(b.Records) != 0 || len(b.Ignored) != 1 || !b.Ignored[0].Malformed || !strings.Contains(b.Ignored[0].Reason, "seats") {
		t.Fatalf("batch %+v", b)
	}
}
