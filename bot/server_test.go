package bot_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot"
	"github.com/prometheus/client_golang/prometheus"
)

// readiness is a settable Readier.
type readiness struct{ err error }

func (r *readiness) Ready(context.Context) error { return r.err }

// startServer runs a server on a free port until the test ends.
func startServer(t *testing.T, ready bot.Readier) (*bot.Server, string) {
	t.Helper()
	s := bot.NewServer("127.0.0.1:0", ready, nil)
	s.Handle("POST /echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) }))
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, "http://" + s.Addr()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServerHealthAndReadiness(t *testing.T) {
	ready := &readiness{}
	_, base := startServer(t, ready)

	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d, want 200", code)
	}
	ready.err = errors.New("schema version 1, want 2")
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "schema version 1, want 2") {
		t.Errorf("/readyz = %d %q, want 503 with the reason", code, body)
	}
	if code, _ := get(t, base+"/nope"); code != 404 {
		t.Errorf("/nope = %d, want 404", code)
	}
	resp, err := http.Post(base+"/echo", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("POST /echo = %d, want 200", resp.StatusCode)
	}
}

func TestServerMetrics(t *testing.T) {
	s, base := startServer(t, nil)
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "healthbot_test_adapter_total", Help: "An adapter's counter."})
	s.Registry.MustRegister(c)
	c.Add(3)
	get(t, base+"/healthz")
	get(t, base+"/random/probe")

	code, body := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`healthbot_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`healthbot_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`healthbot_test_adapter_total 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestServerMetricsLabelsAreClosed: a thousand requests with invented
// methods and paths add no series to the request metrics: methods
// outside the standard set count as "other", unknown paths as
// "unmatched", known ones by their route pattern.
func TestServerMetricsLabelsAreClosed(t *testing.T) {
	s := bot.NewServer("127.0.0.1:0", nil, nil)
	s.Handle("POST /echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) }))
	send := func(method, path string) {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Method = method
		s.Handler().ServeHTTP(httptest.NewRecorder(), r)
	}
	invent := func(from, to int) {
		for i := from; i < to; i++ {
			send(fmt.Sprintf("BREW%d", i), fmt.Sprintf("/probe/%d", i))
			send(fmt.Sprintf("X-%d", i), "/echo")
			send(http.MethodGet, fmt.Sprintf("/healthz/%d?q=%d", i, i))
		}
	}
	invent(0, 3)
	before := seriesCount(t, s.Registry)
	invent(3, 1003)
	if after := seriesCount(t, s.Registry); after != before {
		t.Errorf("1,000 invented methods and paths grew the HTTP series from %d to %d", before, after)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`healthbot_http_requests_total{code="404",method="other",route="unmatched"} 1003`,
		`healthbot_http_requests_total{code="405",method="other",route="unmatched"} 1003`,
		`healthbot_http_requests_total{code="404",method="GET",route="unmatched"} 1003`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// seriesCount counts the series of the server's own HTTP metrics.
func seriesCount(t *testing.T, reg *prometheus.Registry) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "healthbot_http_") {
			n += len(mf.GetMetric())
		}
	}
	return n
}
