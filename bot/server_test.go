package bot_test

import (
	"context"
	"errors"
	"io"
	"net/http"
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
