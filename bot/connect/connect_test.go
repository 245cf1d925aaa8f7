package connect_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/connect/connecttest"
)

// stub is a connector that accepts a body "ok" and translates it to one
// activity record.
type stub struct{}

func (stub) Source() string { return "stub" }
func (stub) Verify(_ *http.Request, body []byte, _ time.Time) error {
	if !strings.HasPrefix(string(body), "ok") {
		return connect.ErrBadSignature
	}
	return nil
}
func (stub) Translate(_ *http.Request, body []byte) (connect.Batch, error) {
	return connect.Batch{Records: []connect.Record{&connect.ActivityRecord{User: "u"}}}, nil
}

func TestHandler(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sink := &connecttest.Sink{}
	h := connect.NewHandler(stub{}, sink, connect.WithMaxBytes(16), connect.WithClock(func() time.Time { return now }))

	w := connecttest.Post(h, "/", []byte("ok"), nil)
	var a connect.Answer
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &a) != nil || a.Records != 1 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if b := sink.Batches()[0]; b.Source != "stub" || !b.Received.Equal(now) {
		t.Fatalf("batch %+v", b)
	}
	if w := connecttest.Post(h, "/", []byte("ok but far too long a body"), nil); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("large body: status %d", w.Code)
	}
	if w := connecttest.Post(h, "/", []byte("forged"), nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("forged: status %d", w.Code)
	}
	r := httpGet(h)
	if r.Code != http.StatusMethodNotAllowed || r.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("GET: status %d", r.Code)
	}
	if n := len(sink.Batches()); n != 1 {
		t.Fatalf("sink got %d batches, want only the good one", n)
	}
}

func TestVersion(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	older, newer := connect.Version{At: t0, Rank: 3}, connect.Version{At: t0.Add(time.Microsecond)}
	if !older.Less(newer) || newer.Less(older) || older.Key() >= newer.Key() {
		t.Fatal("a later time must be newer whatever the rank")
	}
	if !(connect.Version{At: t0, Rank: 1}).Less(connect.Version{At: t0, Rank: 2}) {
		t.Fatal("rank breaks a tie")
	}
}

func TestFresh(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, d := range []time.Duration{0, 5 * time.Minute, -5 * time.Minute} {
		if err := connect.Fresh(now.Add(d), now, 5*time.Minute); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	for _, d := range []time.Duration{5*time.Minute + time.Second, -6 * time.Minute} {
		if err := connect.Fresh(now.Add(d), now, 5*time.Minute); err == nil {
			t.Errorf("%s accepted", d)
		}
	}
}

func TestFieldValue(t *testing.T) {
	cases := []struct {
		field string
		in    any
		want  string
		bad   bool
	}{
		{"name", "  Initech ", "Initech", false},
		{"mrr", json.Number("830"), "830.00", false},
		{"mrr", "1,234.567", "1234.57", false},
		{"mrr", "-3", "", true},
		{"seats", 12.0, "12", false},
		{"seats", "1.5", "", true},
		{"renewal_on", "2026-06-14", "2026-06-14", false},
		{"renewal_on", "2026-06-14T23:00:00-02:00", "2026-06-15", false},
		{"renewal_on", "1735689600000", "2025-01-01", false},
		{"renewal_on", "next spring", "", true},
		{"renewal_on", nil, "", false},
		{"plan", map[string]any{}, "", true},
	}
	for _, c := range cases {
		got, err := connect.FieldValue(c.field, c.in)
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("%s %v = %q, %v; want %q (bad %v)", c.field, c.in, got, err, c.want, c.bad)
		}
	}
}

func TestMoney(t *testing.T) {
	for minor, want := range map[int64]string{0: "0.00", 5: "0.05", 123456: "1234.56", -150: "-1.50"} {
		m, err := connect.FromMinorInt(minor, "EUR")
		if err != nil || m.String() != want || m.Currency != "eur" {
			t.Errorf("%d = %v, %v; want %s", minor, m, err, want)
		}
	}
	if _, err := connect.FromMinorInt(1<<62, "jpy"); err == nil {
		t.Error("an amount past int64 cents was accepted")
	}
}

func httpGet(h http.Handler) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	return w
}

// TestTrickledDeliveryTimesOut: a delivery whose body does not arrive
// within the server's read timeout is answered 408, not 413 (it is not
// too large), and nothing reaches the sink.
func TestTrickledDeliveryTimesOut(t *testing.T) {
	sink := &connecttest.Sink{}
	h := connect.NewHandler(stub{}, sink)
	if code := bottest.Trickle(t, h, "/", nil, []byte("ok and a body that takes its time"), 200*time.Millisecond, 20*time.Millisecond); code != http.StatusRequestTimeout {
		t.Errorf("trickled delivery answered %d, want 408", code)
	}
	if n := len(sink.Batches()); n != 0 {
		t.Errorf("sink got %d batches", n)
	}
}
