package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/connect/connecttest"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
)

// testActor is who the tests' own writes are by, for the audit trail.
var testActor = models.Actor{Origin: models.OriginCLI, ID: "test"}

const stripeSecret = "whsec_e2e"

// fakeSlackAPI is a stand-in for the Slack Web API: it answers
// chat.postMessage as Slack does and keeps each message posted.
type fakeSlackAPI struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []url.Values
}

func newFakeSlackAPI(t *testing.T) *fakeSlackAPI {
	f := &fakeSlackAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "application/json")
		if strings.TrimPrefix(r.URL.Path, "/api/") != "chat.postMessage" {
			_, _ = io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
			return
		}
		f.mu.Lock()
		f.posts = append(f.posts, form)
		n := len(f.posts)
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{"ok":true,"channel":"`+form.Get("channel")+`","ts":"1763650800.00000`+string(rune('0'+n))+`"}`)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// alerts are the messages posted for alerts (the outbox tags each with
// its dedupe key).
func (f *fakeSlackAPI) alerts() []url.Values {
	var out []url.Values
	for _, p := range f.posted() {
		if strings.Contains(p.Get("metadata"), `"key":"alert/`) {
			out = append(out, p)
		}
	}
	return out
}

func (f *fakeSlackAPI) posted() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.posts...)
}

// stripeSample reads a Stripe sample event of the connector's tests, with
// the replacements given (old, new, …).
func stripeSample(t *testing.T, name string, replace ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "bot", "connect", "stripe", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(replace...).Replace(string(b)))
}

// postStripe delivers body to serve's /hooks/stripe, signed as Stripe signs.
func postStripe(t *testing.T, base string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/hooks/stripe", bytes.NewReader(body))
	for k, v := range connecttest.SignStripe(body, stripeSecret, time.Now()) {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestStripeThroughServe: a Stripe customer linked to Acme by its metadata
// has a payment fail; serve answers at once, writes the invoice, rescores
// Acme in the background (payment: failed) and its alert reaches Slack
// once. A failed payment of a customer nobody mapped waits, parked, until
// `healthbot map` applies it and scores Globex.
func TestStripeThroughServe(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		ctx := context.Background()
		store, err := models.Open(ctx, p.env["DATABASE_URL"], time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		for kind, recs := range map[string][]map[string]string{
			"accounts": {{"external_id": "acme", "name": "Acme Corp", "owner": "maria"}, {"external_id": "globex", "name": "Globex"}},
		} {
			if _, err := ingestion.Ingest(ctx, store, kind, ingestion.NewRecordsDecoder(recs), ingestion.IngestOptions{By: testActor}); err != nil {
				t.Fatal(err)
			}
		}
		invoices := []map[string]string{
			{"external_id": "in_old_acme", "account": "acme", "amount": "10", "due_on": "2026-10-01", "paid_on": "2026-09-30", "status": "paid"},
			{"external_id": "in_old_globex", "account": "globex", "amount": "10", "due_on": "2026-10-01", "paid_on": "2026-09-30", "status": "paid"},
		}
		if _, err := ingestion.Ingest(ctx, store, "invoices", ingestion.NewRecordsDecoder(invoices), ingestion.IngestOptions{By: testActor}); err != nil {
			t.Fatal(err)
		}
		store.Close()
		// Yesterday's scores: the alerts compare with them.
		p.mustRun("", "rescore", "--as-of", "2026-11-19")

		slack := newFakeSlackAPI(t)
		config := filepath.Join(t.TempDir(), "healthbot.yaml")
		yaml := "schedule:\n  rescore: \"\"\n  weekly_summary: \"\"\n  critical_digest: \"\"\nchannels:\n  default: {slack: C0ALERTS}\n"
		if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		p.env["HEALTHBOT_CONFIG"] = config
		p.env["STRIPE_WEBHOOK_SECRET"] = stripeSecret
		p.env["SLACK_BOT_TOKEN"] = "xoxb-test"
		p.env["SLACK_TEAM_IDS"] = "T0001"
		p.env["SLACK_API_URL"] = slack.srv.URL + "/api/"
		base, stop := startServe(t, p)

		// The customer's metadata names Acme: an automatic mapping.
		if code := postStripe(t, base, stripeSample(t, "customer.updated.json")); code != http.StatusOK {
			t.Fatalf("customer.updated: %d", code)
		}
		failed := stripeSample(t, "invoice.payment_failed.json")
		sent := time.Now()
		if code := postStripe(t, base, failed); code != http.StatusOK {
			t.Fatalf("invoice.payment_failed: %d", code)
		}
		if code := postStripe(t, base, failed); code != http.StatusOK { // Stripe retries
			t.Fatalf("invoice.payment_failed again: %d", code)
		}
		for len(slack.alerts()) == 0 {
			if time.Since(sent) > 30*time.Second {
				t.Fatalf("no alert reached Slack in 30 s:\n%s", stop())
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("payment failure to Slack message: %s", time.Since(sent).Round(time.Millisecond))
		post := slack.alerts()[0]
		if post.Get("channel") != "C0ALERTS" || !strings.Contains(post.Get("text"), "Acme Corp") {
			t.Errorf("alert posted %v", post)
		}

		// A customer nobody mapped: parked, the endpoint still says 200.
		globex := stripeSample(t, "invoice.payment_failed.json", "cus_NZbFQAsc0ptasX", "cus_GLOBEX",
			"evt_1PaymentFailed", "evt_2PaymentFailed", "in_1MoqxGLgUG5tbmjcJeILGSau", "in_2Globex")
		if code := postStripe(t, base, globex); code != http.StatusOK {
			t.Fatalf("unmapped customer: %d", code)
		}
		logs := stop()
		// The alert once (the play's task, posted beside it, is another message).
		if n := len(slack.alerts()); n != 1 {
			t.Fatalf("Slack got %d alert messages, want one:\n%v", n, slack.posted())
		}
		if !strings.Contains(logs, "connector endpoints mounted: /hooks/stripe") {
			t.Errorf("serve log lacks the mounted endpoint:\n%s", logs)
		}

		r := p.mustRun("/health acme\n", "console")
		for _, want := range []string{"payment  failed · 0/100", "1 failed"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("Acme's card lacks %q:\n%s", want, r.stdout)
			}
		}
		if r := p.mustRun("/health globex\n", "console"); !strings.Contains(r.stdout, "payment  current") {
			t.Errorf("Globex's card before the mapping:\n%s", r.stdout)
		}
		r = p.mustRun("", "map", "stripe", "cus_GLOBEX", "Globex")
		if want := "Mapped stripe cus_GLOBEX to Globex (globex). Replayed 1 parked event. Globex is now "; !strings.HasPrefix(r.stdout, want) {
			t.Fatalf("map printed %q, want %q…", r.stdout, want)
		}
		if r := p.mustRun("/health globex\n", "console"); !strings.Contains(r.stdout, "payment  failed · 0/100") {
			t.Errorf("Globex's card after the mapping:\n%s", r.stdout)
		}
		// Both writes are in the account's audit trail.
		r = p.mustRun("/health globex history\n", "console")
		for _, want := range []string{"stripe connector     Ingestion batch invoices — records 1 · inserted 1",
			`source "event evt_2PaymentFailed"`, "dana (command line)  Connector mapping stripe cus_GLOBEX — account globex"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("Globex's history lacks %q:\n%s", want, r.stdout)
			}
		}
		if r := p.run("", "map", "paypal", "x", "globex"); r.code != 2 || !strings.Contains(r.err.Error(), `"paypal" is not a source`) {
			t.Errorf("bad source: exit %d, %v", r.code, r.err)
		}
		if r := p.run("", "map", "stripe", "cus_X"); r.code != 2 || !strings.Contains(r.err.Error(), "usage: healthbot map SOURCE EXTERNAL_ID ACCOUNT") {
			t.Errorf("too few arguments: exit %d, %v", r.code, r.err)
		}
	})
}
