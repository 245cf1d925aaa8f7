// Package ingest is the HTTP ingestion API: POST /api/v1/{kind} with a JSON
// array or NDJSON body and a bearer token. It is a thin shell around
// ingestion.Ingest, the write path shared with CSV import and chat, adding
// authentication, body limits, metrics, logs and the after-commit hook.
package ingest

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxBytes is the default body limit, 32 MiB.
const DefaultMaxBytes = 32 << 20

// DefaultTimeout bounds reading one request body and answering it. It is
// set per request because a large batch streams for longer than the
// server-wide timeouts meant for chat webhooks allow.
const DefaultTimeout = 10 * time.Minute

// TimeoutEnv names the environment variable that sets the per-request
// timeout (a Go duration such as 20m).
const TimeoutEnv = "HEALTHBOT_INGEST_TIMEOUT"

// writeSlack is how long past the read deadline the answer may still be
// written: a batch read just in time must still be stored and answered, and
// one that timed out must still get its 408 rather than a dropped
// connection.
const writeSlack = time.Minute

// retryAfterBusy is the Retry-After of a 503 (seconds): a batch that
// could not get the write lock in time tries again after the writes ahead
// of it, a few 40,000-row batches' worth.
const retryAfterBusy = "30"

// Pattern is the route the handler serves, in net/http ServeMux syntax.
const Pattern = "POST /api/v1/{kind}"

// Content types accepted.
const (
	TypeJSON   = "application/json"
	TypeNDJSON = "application/x-ndjson"
)

// CommittedFunc runs after a batch commits, off the request path, with the
// ids of the accounts whose records changed; the app rescores them and
// evaluates alerts. ctx carries no deadline and is not cancelled when the
// client goes away.
type CommittedFunc func(ctx context.Context, kind string, accountIDs []uint)

// Handler serves the ingestion API.
type Handler struct {
	store       *models.Store
	token       []byte
	maxBytes    int64
	maxErrors   int
	timeout     time.Duration
	log         *slog.Logger
	reg         prometheus.Registerer
	onCommitted CommittedFunc
	records     *prometheus.CounterVec
	pending     sync.WaitGroup
}

// Option configures a Handler.
type Option func(*Handler)

// WithMaxBytes sets the body limit (default DefaultMaxBytes); a larger body
// is answered 413 and nothing is written.
func WithMaxBytes(n int64) Option { return func(h *Handler) { h.maxBytes = n } }

// WithMaxErrors caps how many bad records a 422 lists (default
// ingestion.MaxIngestErrors).
func WithMaxErrors(n int) Option { return func(h *Handler) { h.maxErrors = n } }

// WithTimeout bounds one request (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(h *Handler) { h.timeout = d } }

// WithLogger sets where batch lines are logged (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithRegistry registers the handler's metrics on r (default
// prometheus.DefaultRegisterer).
func WithRegistry(r prometheus.Registerer) Option { return func(h *Handler) { h.reg = r } }

// WithOnCommitted sets the hook run after each committed batch that changed
// at least one account's records.
func WithOnCommitted(fn CommittedFunc) Option { return func(h *Handler) { h.onCommitted = fn } }

// New builds the ingestion API for store, accepting requests that carry
// "Authorization: Bearer token". An empty token refuses every request.
func New(store *models.Store, token string, opts ...Option) *Handler {
	h := &Handler{
		store: store, token: []byte(token), maxBytes: DefaultMaxBytes, maxErrors: ingestion.MaxIngestErrors,
		timeout: DefaultTimeout, log: slog.New(slog.DiscardHandler), reg: prometheus.DefaultRegisterer,
	}
	for _, o := range opts {
		o(h)
	}
	h.records = registerCounter(h.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthbot_ingest_records_total",
		Help: "Ingested records by kind; result=accepted when their batch committed, rejected when it did not.",
	}, []string{"kind", "result"}))
	for _, k := range ingestion.Kinds {
		h.records.WithLabelValues(k, "accepted")
		h.records.WithLabelValues(k, "rejected")
	}
	return h
}

// registerCounter registers c, or reuses the identical collector already
// registered (several handlers in one process, as in tests).
func registerCounter(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("ingest: register metrics: %v", err))
	}
	return c
}

// Mount registers the handler at Pattern on mux (an *http.ServeMux or a
// *bot.Server).
func (h *Handler) Mount(mux interface{ Handle(string, http.Handler) }) { mux.Handle(Pattern, h) }

// Wait blocks until every after-commit hook already started has returned;
// call it on shutdown before closing the store.
func (h *Handler) Wait() { h.pending.Wait() }

// Result is the body of a 200 answer.
type Result struct {
	Kind      string `json:"kind"`
	Inserted  int    `json:"inserted"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
}

// Problem is the body of every error answer; Errors is set on 422 only.
type Problem struct {
	Error     string        `json:"error"`
	Kind      string        `json:"kind,omitempty"`
	Errors    []RecordError `json:"errors,omitempty"`
	Truncated *bool         `json:"truncated,omitempty"` // on 422: whether more errors existed than are listed
}

// RecordError is one bad record in a 422 answer.
type RecordError struct {
	Index  int    `json:"index"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// ServeHTTP answers one batch.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	batch := batchID(r)
	w.Header().Set("X-Ingest-Batch", batch)
	kind := r.PathValue("kind")
	if kind == "" {
		kind = strings.TrimPrefix(r.URL.Path, "/api/v1/")
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="healthbot ingestion"`)
		writeJSON(w, http.StatusUnauthorized, Problem{Error: "missing or wrong bearer token; send Authorization: Bearer HEALTHBOT_INGEST_TOKEN"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, Problem{Error: "use POST"})
		return
	}
	if !slices.Contains(ingestion.Kinds, kind) {
		writeJSON(w, http.StatusNotFound, Problem{Error: fmt.Sprintf("%q is not a record kind; use one of %s", kind, strings.Join(ingestion.Kinds, ", "))})
		return
	}
	if r.ContentLength > h.maxBytes {
		// Refused before reading a byte: the client learns at once, not
		// after uploading the limit's worth.
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestEntityTooLarge, Problem{Kind: kind,
			Error: fmt.Sprintf("the body (%d bytes) is over the %d-byte limit; nothing was written. Split the batch.", r.ContentLength, h.maxBytes)})
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if cs, ok := params["charset"]; err == nil && ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		writeJSON(w, http.StatusUnsupportedMediaType, Problem{Kind: kind,
			Error: fmt.Sprintf("charset %q is not supported; send UTF-8 (charset=utf-8, or no charset)", cs)})
		return
	}
	var dec ingestion.Decoder
	body := http.MaxBytesReader(w, r.Body, h.maxBytes)
	switch {
	case err != nil:
	case mt == TypeJSON:
		dec = ingestion.NewJSONDecoder(body)
	case mt == TypeNDJSON || mt == "application/ndjson" || mt == "application/jsonl":
		dec = ingestion.NewNDJSONDecoder(body)
	}
	if dec == nil {
		writeJSON(w, http.StatusUnsupportedMediaType, Problem{Kind: kind,
			Error: fmt.Sprintf("Content-Type must be %s (an array of objects) or %s (one object per line)", TypeJSON, TypeNDJSON)})
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(h.timeout)) // unsupported by test recorders: harmless
	_ = rc.SetWriteDeadline(time.Now().Add(h.timeout + writeSlack))

	// The audit trail names the client's address and the batch id the
	// log lines carry, so an entry leads to its request.
	by := models.Actor{Origin: models.OriginAPI, Name: clientHost(r)}
	res, err := ingestion.Ingest(r.Context(), h.store, kind, dec,
		ingestion.IngestOptions{By: by, Source: "batch " + batch, MaxErrors: h.maxErrors})
	status := h.answer(w, kind, res, err)
	h.log.LogAttrs(r.Context(), logLevel(status), "ingest batch",
		slog.String("batch", batch), slog.String("kind", kind), slog.Int("records", res.Records),
		slog.Int("inserted", res.Inserted), slog.Int("updated", res.Updated), slog.Int("unchanged", res.Unchanged),
		slog.Int("status", status), slog.Duration("duration", time.Since(start)), errAttr(err))
	if status == http.StatusOK && h.onCommitted != nil && len(res.Accounts) > 0 {
		h.pending.Add(1)
		go h.committed(context.WithoutCancel(r.Context()), batch, kind, res.Accounts)
	}
}

// answer writes the response for Ingest's outcome and counts the records.
func (h *Handler) answer(w http.ResponseWriter, kind string, res ingestion.IngestResult, err error) int {
	if err == nil {
		h.records.WithLabelValues(kind, "accepted").Add(float64(res.Records))
		writeJSON(w, http.StatusOK, Result{Kind: kind, Inserted: res.Inserted, Updated: res.Updated, Unchanged: res.Unchanged})
		return http.StatusOK
	}
	h.records.WithLabelValues(kind, "rejected").Add(float64(res.Records))
	var be *ingestion.BatchError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &be):
		p := Problem{Kind: kind, Truncated: &be.Truncated,
			Error: fmt.Sprintf("%d bad record(s); nothing was written. Fix them and send the whole batch again.", len(be.Errors))}
		for _, e := range be.Errors {
			p.Errors = append(p.Errors, RecordError{Index: e.Position, Field: e.Field, Reason: e.Reason})
		}
		writeJSON(w, http.StatusUnprocessableEntity, p)
		return http.StatusUnprocessableEntity
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, Problem{Kind: kind,
			Error: fmt.Sprintf("the body is over the %d-byte limit; nothing was written. Split the batch.", tooBig.Limit)})
		return http.StatusRequestEntityTooLarge
	case isTimeout(err):
		// The body is not drained: close the connection after answering.
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestTimeout, Problem{Kind: kind,
			Error: fmt.Sprintf("the upload took longer than %s; nothing was written. Send smaller batches, or raise the limit with %s (e.g. %s=30m).", h.timeout, TimeoutEnv, TimeoutEnv)})
		return http.StatusRequestTimeout
	case errors.Is(err, models.ErrBusy):
		// Other writes held the database for the store's batch wait: the
		// same batch will go through later.
		w.Header().Set("Retry-After", retryAfterBusy)
		writeJSON(w, http.StatusServiceUnavailable, Problem{Kind: kind,
			Error: fmt.Sprintf("the database is busy with other writes; nothing was written. Send the batch again in %s seconds.", retryAfterBusy)})
		return http.StatusServiceUnavailable
	case models.IsDiskFull(err):
		writeJSON(w, http.StatusInsufficientStorage, Problem{Kind: kind,
			Error: "disk full: the database has no space left, so nothing was written. Free space where the database is stored, then send the batch again."})
		return http.StatusInsufficientStorage
	case errors.Is(err, context.Canceled):
		writeJSON(w, http.StatusRequestTimeout, Problem{Kind: kind, Error: "the request ended before the batch was read; nothing was written"})
		return http.StatusRequestTimeout
	default:
		writeJSON(w, http.StatusInternalServerError, Problem{Kind: kind, Error: "the batch could not be stored; nothing was written. Try again; if it persists, see the server log."})
		return http.StatusInternalServerError
	}
}

// isTimeout reports whether err comes from a deadline: the connection's
// read deadline fails reads with os.ErrDeadlineExceeded (inside a
// *net.OpError), a context deadline with context.DeadlineExceeded.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

// committed runs the after-commit hook, keeping a panic in it from taking
// the server down.
func (h *Handler) committed(ctx context.Context, batch, kind string, ids []uint) {
	defer h.pending.Done()
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("ingest after-commit hook panicked", "batch", batch, "kind", kind, "panic", p)
		}
	}()
	h.onCommitted(ctx, kind, ids)
}

func (h *Handler) authorized(r *http.Request) bool {
	// The scheme is case-insensitive (RFC 9110): "bearer" is as good.
	scheme, got, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || len(h.token) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), h.token) == 1
}

// batchID names a batch in logs: the caller's X-Request-Id when it sent
// one (so both sides can find it), else a random id.
// clientHost is the address the request came from, without its port.
func clientHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func batchID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func logLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

func errAttr(err error) slog.Attr {
	var be *ingestion.BatchError
	switch {
	case err == nil:
		return slog.Attr{}
	case errors.As(err, &be):
		return slog.Int("bad_records", len(be.Errors))
	}
	return slog.String("err", err.Error())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
