package slackload

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
)

// TestAccountsFillTheSlot: {account} names the given accounts in turn,
// each command's answers are timed on their own, and a slot without
// accounts is refused.
func TestAccountsFillTheSlot(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(b)
		form, _ := url.ParseQuery(string(b))
		mu.Lock()
		seen[form.Get("text")]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"text":"ok"}`))
	}))
	defer srv.Close()
	cfg := Config{URL: srv.URL, Secret: "s", TeamID: "T", Commands: []string{"/health {account}", "/health list"},
		Accounts: []string{"acme", "globex", "initech"}, Concurrency: 2, Requests: 12}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inline != 12 || seen["acme"] != 2 || seen["globex"] != 2 || seen["initech"] != 2 || seen["list"] != 6 {
		t.Errorf("report %+v, texts sent %v: want 12 inline, each account twice, the list 6 times", rep, seen)
	}
	if c := rep.ByCommand["/health {account}"]; c == nil || c.Requests != 6 || c.Answer.Max == 0 {
		t.Errorf("cards' counts = %+v, want 6 requests with their answers timed", c)
	}
	cfg.Accounts = nil
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Error("a command with {account} and no accounts was sent")
	}
	if hwm, err := PeakRSS(os.Getpid()); err != nil || hwm <= 0 {
		t.Errorf("PeakRSS(self) = %d, %v", hwm, err)
	}
}
