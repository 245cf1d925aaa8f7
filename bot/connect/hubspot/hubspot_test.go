package hubspot_test

// HubSpot's own test vector for the v3 signature (HubSpot/hubspot-api-python,
// tests/spec/utils/test_signature.py) checks Verify byte for byte.
// testdata/contact.creation.json is the request body of HubSpot's request
// validation guide; testdata/company.propertyChange.json has the same
// documented event fields for company property changes. Deliveries are
// signed as the guide says: base64(HMAC-SHA256(client secret, method + URI +
// body + timestamp)).

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/connect/connecttest"
	"github.com/healthbot/healthbot/bot/connect/hubspot"
)

const (
	secret    = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	publicURL = "https://bot.example.com"
	target    = "/hooks/hubspot"
)

var now = time.UnixMilli(1564113660000)

var (
	signURI = connecttest.SignHubSpot
	sign    = signURI(publicURL + target)
)

func endpoint(secret string, sink connect.Sink) http.Handler {
	return hubspot.NewHandler(hubspot.Config{Secret: secret, PublicURL: publicURL}, sink, connect.WithClock(func() time.Time { return now }))
}

func TestSDKVector(t *testing.T) {
	body := []byte(`{'example_field':'example_value'}`)
	r := httptest.NewRequest(http.MethodPost, "https://www.example.com/webhook_uri", strings.NewReader(string(body)))
	r.Header.Set("X-HubSpot-Signature-v3", "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=")
	r.Header.Set("X-HubSpot-Request-Timestamp", "15000000")
	c := hubspot.New(hubspot.Config{Secret: secret})
	if err := c.Verify(r, body, time.UnixMilli(15000000).Add(time.Minute)); err != nil {
		t.Fatalf("HubSpot's vector refused: %v", err)
	}
	if err := c.Verify(r, body, time.UnixMilli(15000000).Add(6*time.Minute)); err == nil {
		t.Fatal("a six-minute-old timestamp was accepted")
	}
}

func TestVerifyRejects(t *testing.T) {
	connecttest.CheckRejects(t, endpoint, target, connecttest.Testdata(t, "company.propertyChange.json"), sign, secret, now, hubspot.Window)
}

func TestVerifyURI(t *testing.T) {
	body := connecttest.Testdata(t, "contact.creation.json")
	// HubSpot signs the URI with :/?@!$'()*,; decoded, so a query that the
	// request carries percent-encoded must be decoded before hashing.
	query := "?portal=62515&tag=a%3Ab%2Cc%20d"
	signed := signURI(publicURL+target+"?portal=62515&tag=a:b,c%20d")(body, secret, now)
	if w := connecttest.Post(endpoint(secret, &connecttest.Sink{}), target+query, body, signed); w.Code != http.StatusOK {
		t.Fatalf("decoded URI: status %d", w.Code)
	}
	// Behind a proxy with no PublicURL the forwarded scheme and host count.
	h := hubspot.NewHandler(hubspot.Config{Secret: secret}, &connecttest.Sink{}, connect.WithClock(func() time.Time { return now }))
	fwd := signURI("https://hooks.example.org"+target)(body, secret, now)
	fwd.Set("X-Forwarded-Proto", "https")
	fwd.Set("X-Forwarded-Host", "hooks.example.org")
	if w := connecttest.Post(h, target, body, fwd); w.Code != http.StatusOK {
		t.Fatalf("forwarded: status %d", w.Code)
	}
	// A signature for another URL does not verify here.
	other := signURI("https://evil.example.com"+target)(body, secret, now)
	if w := connecttest.Post(endpoint(secret, &connecttest.Sink{}), target, body, other); w.Code != http.StatusUnauthorized {
		t.Fatalf("other URL: status %d", w.Code)
	}
}

func TestCompanyPropertyChanges(t *testing.T) {
	body := connecttest.Testdata(t, "company.propertyChange.json")
	sink := &connecttest.Sink{}
	if w := connecttest.Post(endpoint(secret, sink), target, body, sign(body, secret, now)); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	b := sink.Batches()[0]
	if len(b.Records) != 2 || len(b.Ignored) != 1 || b.Ignored[0].Malformed {
		t.Fatalf("batch %+v", b)
	}
	renewal := b.Records[0].(*connect.AccountRecord)
	if renewal.Fields["renewal_on"] != "2025-01-01" || renewal.Account != (connect.AccountKey{ID: "1246965"}) ||
		!renewal.Version.At.Equal(time.UnixMilli(1564113600000)) || renewal.EventID != "62515:3816279340:1564113600000:1246965:renewal_date" {
		t.Fatalf("renewal %+v", renewal)
	}
	if name := b.Records[1].(*connect.AccountRecord); name.Fields["name"] != "Acme Corporation" || !renewal.Version.Less(name.Version) {
		t.Fatalf("name %+v", name)
	}
}

func TestConfiguredProperties(t *testing.T) {
	props, err := hubspot.ParseProperties("mrr=hs_mrr, renewal_on=contract_end, owner=")
	if err != nil {
		t.Fatal(err)
	}
	if props["mrr"] != "hs_mrr" || props["renewal_on"] != "contract_end" || props["name"] != "name" || props["owner"] != "" {
		t.Fatalf("properties %v", props)
	}
	if _, err := hubspot.ParseProperties("revenue=annualrevenue"); err == nil {
		t.Fatal("unknown field accepted")
	}
	body := []byte(`[{"eventId":9,"portalId":1,"occurredAt":1564113600000,"subscriptionType":"object.propertyChange","objectTypeId":"0-2","objectId":7,"propertyName":"hs_mrr","propertyValue":"1234.5"}]`)
	sink := &connecttest.Sink{}
	h := hubspot.NewHandler(hubspot.Config{Secret: secret, PublicURL: publicURL, Properties: props}, sink, connect.WithClock(func() time.Time { return now }))
	if w := connecttest.Post(h, target, body, sign(body, secret, now)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if r := sink.Records()[0].(*connect.AccountRecord); r.Fields["mrr"] != "1234.50" {
		t.Fatalf("record %+v", r)
	}
}

func TestContactCreationIgnored(t *testing.T) {
	body := connecttest.Testdata(t, "contact.creation.json")
	sink := &connecttest.Sink{}
	if w := connecttest.Post(endpoint(secret, sink), target, body, sign(body, secret, now)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if b := sink.Batches()[0]; len(b.Records) != 0 || len(b.Ignored) != 1 || b.Ignored[0].Type != "contact.creation" {
		t.Fatalf("batch %+v", b)
	}
}
