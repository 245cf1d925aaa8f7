package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/prometheus/client_golang/prometheus"
)

const token = "s3cret-token"

// committedCall is one after-commit hook call.
type committedCall struct {
	kind string
	ids  []uint
}

// api is a running ingestion API on a test database.
type api struct {
	t     *testing.T
	url   string
	store *models.Store
	reg   *prometheus.Registry
	calls chan committedCall
}

func newAPI(t *testing.T, s *models.Store, opts ...ingest.Option) *api {
	a := &api{t: t, store: s, reg: prometheus.NewRegistry(), calls: make(chan committedCall, 100)}
	opts = append([]ingest.Option{
		ingest.WithRegistry(a.reg),
		ingest.WithOnCommitted(func(_ context.Context, kind string, ids []uint) { a.calls <- committedCall{kind, ids} }),
	}, opts...)
	h := ingest.New(s, token, opts...)
	mux := http.NewServeMux()
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); h.Wait() })
	a.url = srv.URL
	return a
}

// post sends body to /api/v1/kind and returns the status and decoded body.
func (a *api) post(kind, contentType, body string, header ...string) (int, map[string]any) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/"+kind, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("post %s: %v", kind, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("post %s: %d, body %q is not JSON: %v", kind, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, out
}

func (a *api) mustPost(kind, contentType, body string) map[string]any {
	a.t.Helper()
	code, out := a.post(kind, contentType, body)
	if code != http.StatusOK {
		a.t.Fatalf("post %s: %d %v", kind, code, out)
	}
	return out
}

func counts(out map[string]any) string {
	return fmt.Sprintf("inserted=%v updated=%v unchanged=%v", out["inserted"], out["updated"], out["unchanged"])
}

// batches is one good batch per kind, accounts first.
var batches = []struct{ kind, contentType, body string }{
	{"accounts", ingest.TypeJSON, `[
		{"external_id":"acc-1","name":"Acme, Inc.","mrr":"1234.50","seats":40,"owner":"alice","renewal_on":"2026-09-01","sponsor_status":"active"},
		{"external_id":"acc-2","name":"Globex","slug":"globex-corp","mrr":99.5,"churned_on":null}
	]`},
	{"activity", ingest.TypeNDJSON, `{"account":"acc-1","user":"u1","day":"2026-03-01","feature":"reports"}
{"account":"acc-1","user":"u2","at":"2026-03-01T23:30:00Z"}

{"account":"acc-2","user":"u1","day":"2026-03-02"}
`},
	{"tickets", ingest.TypeJSON, `[{"external_id":"t-1","account":"acc-1","opened_at":"2026-02-01T09:00:00Z","escalated":true,"sentiment":"negative"}]`},
	{"touches", ingest.TypeNDJSON, `{"account":"acc-1","at":"2026-02-10T15:00:00Z","kind":"qbr","exec":true,"note":"renewal","by":"alice"}`},
	{"surveys", ingest.TypeJSON, `[{"account":"acc-1","kind":"nps","score":9,"at":"2026-02-12T00:00:00Z"},{"account":"acc-2","kind":"csat","score":"4","at":"2026-02-12T00:00:00Z"}]`},
	{"invoices", ingest.TypeJSON + "; charset=utf-8", `[{"external_id":"inv-1","account":"acc-2","amount":1234.5,"due_on":"2026-02-01","status":"open"}]`},
	{"mrr", ingest.TypeNDJSON, `{"account":"acc-1","effective_on":"2026-01-01","mrr":"1000"}`},
}

var wantFirst = map[string]string{
	"accounts": "inserted=2 updated=0 unchanged=0", "activity": "inserted=3 updated=0 unchanged=0",
	"tickets": "inserted=1 updated=0 unchanged=0", "touches": "inserted=1 updated=0 unchanged=0",
	"surveys": "inserted=2 updated=0 unchanged=0", "invoices": "inserted=1 updated=0 unchanged=0",
	"mrr": "inserted=1 updated=0 unchanged=0",
}

func TestEveryKindTwice(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		for _, b := range batches {
			out := a.mustPost(b.kind, b.contentType, b.body)
			if got := counts(out); got != wantFirst[b.kind] || out["kind"] != b.kind {
				t.Errorf("first %s: got %s (kind %v), want %s", b.kind, got, out["kind"], wantFirst[b.kind])
			}
			select {
			case c := <-a.calls:
				if c.kind != b.kind || len(c.ids) == 0 {
					t.Errorf("after-commit hook: got %+v for %s", c, b.kind)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: after-commit hook never called", b.kind)
			}
		}
		for _, b := range batches {
			out := a.mustPost(b.kind, b.contentType, b.body)
			if out["inserted"] != 0.0 || out["updated"] != 0.0 {
				t.Errorf("second %s: got %s, want nothing inserted or updated", b.kind, counts(out))
			}
		}
		select {
		case c := <-a.calls:
			t.Errorf("hook called for a batch that changed nothing: %+v", c)
		default:
		}
		var acme models.Account
		s.DB().Where("external_id = ?", "acc-1").First(&acme)
		if acme.Slug != "acme-inc" || acme.MRRCents != 123450 || acme.Seats != 40 {
			t.Errorf("acc-1 stored as %+v", acme)
		}
		if got := metric(t, a.reg, "activity", "accepted"); got != 6 {
			t.Errorf("activity accepted: got %v, want 6", got)
		}
	})
}

func TestErrors(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s, ingest.WithMaxBytes(1024))
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		for _, tc := range []struct {
			name, kind, ctype, body, auth string
			want                          int
		}{
			{"no token", "mrr", ingest.TypeJSON, "[]", "-", 401},
			{"wrong token", "mrr", ingest.TypeJSON, "[]", "Bearer nope", 401},
			{"basic auth", "mrr", ingest.TypeJSON, "[]", "Basic " + token, 401},
			{"csv", "mrr", "text/csv", "account,effective_on,mrr\n", "", 415},
			{"no type", "mrr", "", "[]", "", 415},
			{"too big", "activity", ingest.TypeNDJSON, strings.Repeat(`{"account":"acc-1","user":"u","day":"2026-01-01"}`+"\n", 100), "", 413},
			{"unknown kind", "widgets", ingest.TypeJSON, "[]", "", 404},
			{"not an array", "mrr", ingest.TypeJSON, `{"account":"acc-1"}`, "", 422},
			{"bad json", "mrr", ingest.TypeJSON, `[{"account":`, "", 422},
			{"empty array", "mrr", ingest.TypeJSON, `[]`, "", 200},
		} {
			req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/"+tc.kind, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			switch tc.auth {
			case "":
				req.Header.Set("Authorization", "Bearer "+token)
			case "-":
			default:
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var p ingest.Problem
			_ = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s: got %d (%+v), want %d", tc.name, resp.StatusCode, p, tc.want)
			}
			if tc.want != 200 && p.Error == "" {
				t.Errorf("%s: no error message", tc.name)
			}
		}
		var n int64
		s.DB().Model(&models.Activity{}).Count(&n)
		if n != 0 {
			t.Errorf("a 413 batch wrote %d activity rows", n)
		}
	})
}

func TestBadRecordMidBatch(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		var b strings.Builder
		for i := range 2500 {
			switch i {
			case 1700:
				b.WriteString(`{"account":"acc-404","user":"u","day":"2026-01-01"}` + "\n")
			case 1800:
				b.WriteString(`{"account":"acc-1","user":"u","day":"2026-02-30","colour":"red"}` + "\n")
			default:
				fmt.Fprintf(&b, `{"account":"acc-1","user":"u%d","day":"2026-01-01"}`+"\n", i)
			}
		}
		code, out := a.post("activity", ingest.TypeNDJSON, b.String())
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("got %d %v, want 422", code, out)
		}
		got, _ := json.Marshal(out["errors"])
		want := `[{"field":"account","index":1700,"reason":"no account has external_id \"acc-404\"; import it with the accounts kind first"},` +
			`{"field":"colour","index":1800,"reason":"unknown field \"colour\"; activity has the fields account, user, day, at, feature"},` +
			`{"field":"day","index":1800,"reason":"\"2026-02-30\" is not a date (YYYY-MM-DD)"}]`
		if string(got) != want {
			t.Errorf("errors:\ngot  %s\nwant %s", got, want)
		}
		var n int64
		s.DB().Model(&models.Activity{}).Count(&n)
		if n != 0 {
			t.Errorf("a rejected batch left %d activity rows", n)
		}
		if got := metric(t, a.reg, "activity", "rejected"); got != 2500 {
			t.Errorf("activity rejected: got %v, want 2500", got)
		}
	})
}

func TestErrorCap(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	a := newAPI(t, s, ingest.WithMaxErrors(5))
	body := strings.Repeat(`{"account":"nobody","user":"u","day":"2026-01-01"}`+"\n", 50)
	code, out := a.post("activity", ingest.TypeNDJSON, body)
	if errs, _ := out["errors"].([]any); code != 422 || len(errs) != 5 || out["truncated"] != true {
		t.Errorf("got %d with %d errors, truncated %v; want 422, 5, true", code, len(errs), out["truncated"])
	}
}

// TestConcurrentBatches: two clients sending the same batch at once both
// succeed and the rows are stored once.
func TestConcurrentBatches(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		var wg sync.WaitGroup
		codes := make([]int, 4)
		for i := range codes {
			wg.Go(func() { codes[i], _ = a.post("activity", ingest.TypeNDJSON, batches[1].body) })
		}
		wg.Wait()
		if slices.ContainsFunc(codes, func(c int) bool { return c != 200 }) {
			t.Errorf("got statuses %v, want all 200", codes)
		}
		var n int64
		s.DB().Model(&models.Activity{}).Count(&n)
		if n != 3 {
			t.Errorf("got %d activity rows, want 3", n)
		}
	})
}

// metric reads healthbot_ingest_records_total{kind,result}.
func metric(t *testing.T, reg *prometheus.Registry, kind, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "healthbot_ingest_records_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no healthbot_ingest_records_total{kind=%q,result=%q}", kind, result)
	return 0
}
