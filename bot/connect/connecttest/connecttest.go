// Package connecttest has what the connector tests share: a hand-written
// Sink that keeps what it is given, each vendor's signing, and a check
// that a connector refuses every kind of badly signed delivery with 401
// and hands nothing on.
package connecttest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/stripe/stripe-go/v82/webhook"
)

// Sink is a connect.Sink that keeps every batch, or refuses with Err.
type Sink struct {
	mu      sync.Mutex
	Err     error
	batches []connect.Batch
}

// Accept implements connect.Sink.
func (s *Sink) Accept(_ context.Context, b connect.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	s.batches = append(s.batches, b)
	return nil
}

// Batches returns the batches accepted so far.
func (s *Sink) Batches() []connect.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connect.Batch(nil), s.batches...)
}

// Records returns every record accepted so far, in order.
func (s *Sink) Records() []connect.Record {
	var out []connect.Record
	for _, b := range s.Batches() {
		out = append(out, b.Records...)
	}
	return out
}

// Post sends body with header to h as a POST to target and returns the answer.
func Post(h http.Handler, target string, body []byte, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Testdata reads testdata/name.
func Testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Signer returns the headers with which the vendor would sign body with
// secret at time at.
type Signer func(body []byte, secret string, at time.Time) http.Header

// Endpoint builds a connector's handler for a secret and a sink.
type Endpoint func(secret string, sink connect.Sink) http.Handler

// CheckRejects checks that the endpoint accepts body signed with secret at
// now, and answers 401 without handing anything to the sink when the body
// is tampered with, the secret is wrong, the headers are missing or (when
// window > 0) the timestamp is older than window.
func CheckRejects(t *testing.T, endpoint Endpoint, target string, body []byte, sign Signer, secret string, now time.Time, window time.Duration) {
	t.Helper()
	cases := []struct {
		name   string
		body   []byte
		header http.Header
		want   int
	}{
		{"signed", body, sign(body, secret, now), http.StatusOK},
		{"tampered body", append(append([]byte(nil), body...), ' '), sign(body, secret, now), http.StatusUnauthorized},
		{"wrong secret", body, sign(body, secret+"x", now), http.StatusUnauthorized},
		{"missing headers", body, http.Header{}, http.StatusUnauthorized},
	}
	if window > 0 {
		cases = append(cases, struct {
			name   string
			body   []byte
			header http.Header
			want   int
		}{"stale timestamp", body, sign(body, secret, now.Add(-window-time.Minute)), http.StatusUnauthorized})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := &Sink{}
			w := Post(endpoint(secret, sink), target, c.body, c.header)
			if w.Code != c.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, c.want, w.Body.String())
			}
			if n := len(sink.Batches()); (c.want == http.StatusOK) != (n == 1) {
				t.Fatalf("sink got %d batches for a %d answer", n, c.want)
			}
		})
	}
}

// The vendors' signing, as each documents it, written apart from the
// connectors' verification so a test checks one against the other.

// SignStripe signs as Stripe does, by stripe-go's own test helper:
// Stripe-Signature "t=…,v1=…", the HMAC-SHA256 of "t.body".
func SignStripe(body []byte, secret string, at time.Time) http.Header {
	p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	return http.Header{"Stripe-Signature": {p.Header}}
}

// SignSegment signs as Segment does: X-Signature, the hex HMAC-SHA1 of the
// body.
func SignSegment(body []byte, secret string, _ time.Time) http.Header {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return http.Header{"X-Signature": {hex.EncodeToString(m.Sum(nil))}}
}

// SignZendesk signs as Zendesk does: X-Zendesk-Webhook-Signature, the
// base64 HMAC-SHA256 of the timestamp header and the body.
func SignZendesk(body []byte, secret string, at time.Time) http.Header {
	ts := at.UTC().Format(time.RFC3339)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write(body)
	return http.Header{"X-Zendesk-Webhook-Signature": {base64.StdEncoding.EncodeToString(m.Sum(nil))},
		"X-Zendesk-Webhook-Signature-Timestamp": {ts}}
}

// SignHubSpot signs a POST to uri (scheme, host, path and query as HubSpot
// calls it) as HubSpot's v3 does: the base64 HMAC-SHA256 of method, URI,
// body and timestamp (epoch milliseconds).
func SignHubSpot(uri string) Signer {
	return func(body []byte, secret string, at time.Time) http.Header {
		ts := strconv.FormatInt(at.UnixMilli(), 10)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("POST" + uri + string(body) + ts))
		return http.Header{"X-HubSpot-Signature-v3": {base64.StdEncoding.EncodeToString(m.Sum(nil))},
			"X-HubSpot-Request-Timestamp": {ts}}
	}
}

// SignIntercom signs as Intercom does: X-Hub-Signature "sha1=" and the hex
// HMAC-SHA1 of the body.
func SignIntercom(body []byte, secret string, _ time.Time) http.Header {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return http.Header{"X-Hub-Signature": {"sha1=" + hex.EncodeToString(m.Sum(nil))}}
}
