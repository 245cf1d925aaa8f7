package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Readier reports whether the service can take traffic; *models.Store
// implements it (database reachable, migrations applied).
type Readier interface {
	Ready(ctx context.Context) error
}

// ShutdownTimeout bounds how long Shutdown waits for requests in flight.
const ShutdownTimeout = 10 * time.Second

// Server is healthbot's HTTP server: health, readiness and metrics of its
// own, plus whatever handlers the platform adapters and the ingestion API
// mount on it with Handle.
type Server struct {
	// Registry holds the server's metrics; adapters register their own
	// collectors here so /metrics shows them.
	Registry *prometheus.Registry

	addr    string
	ready   Readier
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *httpMetrics
	srv     *http.Server
	ln      net.Listener
}

// NewServer builds a server for addr (":8080", "127.0.0.1:0" in tests) with
// /healthz, /readyz and /metrics mounted.
func NewServer(addr string, ready Readier, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{
		Registry: reg,
		addr:     addr,
		ready:    ready,
		log:      log,
		mux:      http.NewServeMux(),
		metrics:  newHTTPMetrics(reg),
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	s.srv = &http.Server{
		Handler:           s.logRequests(s.mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// Handle mounts h at pattern (net/http ServeMux syntax, e.g.
// "POST /slack/commands"). Call it before Open.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Mux is the server's router, for adapters that mount several routes on
// an *http.ServeMux themselves.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// Handler is the server's whole handler chain, for tests that use httptest.
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// Open starts listening, so Addr is known (and a port conflict is reported)
// before Serve runs.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the address the server listens on once Open has run.
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.addr
	}
	return s.ln.Addr().String()
}

// Serve answers requests until ctx is done, then shuts down gracefully,
// giving requests in flight up to ShutdownTimeout to finish.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Open(); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	s.log.Info("http server listening", "addr", s.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http server shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	s.log.Info("http server stopped")
	return nil
}

// handleReady answers 200 when the store is ready, 503 with the reason
// otherwise, so an orchestrator holds traffic until migrations are applied.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.ready == nil {
		fmt.Fprintln(w, "ok")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready: "+err.Error())
		return
	}
	fmt.Fprintln(w, "ok")
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flush,
// deadlines) through the recorder.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests logs each request and counts it in the metrics. Probes and
// scrapes log at debug so they do not drown the log.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := routeOf(s.mux, r)
		s.metrics.observe(r.Method, route, rec.status, elapsed)
		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelError
		case route == "/healthz" || route == "/readyz" || route == "/metrics":
			level = slog.LevelDebug
		case strings.HasPrefix(route, "/hooks/") && rec.status < 400:
			// A vendor may send thousands of events a second; the
			// connector logs what goes wrong with them.
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "http request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration", elapsed.Round(time.Microsecond))
	})
}
