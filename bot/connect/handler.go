package connect

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/healthbot/healthbot/bot"
)

// DefaultMaxBytes bounds a delivery's body. The largest deliveries are
// batches (HubSpot sends up to 100 events, Segment's batching destination
// more); a single Stripe event with many invoice lines stays well below it.
const DefaultMaxBytes = 4 << 20

// Sink receives each verified delivery. It must return quickly: queue the
// batch and do the writing elsewhere, because a vendor that waits too long
// times out and delivers again. Implemented by the store side; tests use a
// hand-written fake.
type Sink interface {
	Accept(ctx context.Context, b Batch) error
}

// ErrBusy is what a Sink returns (possibly wrapped) when it cannot take a
// batch now, say its queue is full: the vendor is answered 503 and delivers
// again later, which every one of them does.
var ErrBusy = errors.New("connector queue is full")

// Connector is one vendor's half of a webhook endpoint.
type Connector interface {
	// Source names the vendor: "stripe", "segment", …
	Source() string
	// Verify checks the request's signature exactly as the vendor documents
	// it, against the raw body, wrapping one of the Err* verification errors.
	Verify(r *http.Request, body []byte, now time.Time) error
	// Translate turns a verified body into records and ignored events. An
	// error means the body as a whole is not the vendor's format; an event
	// that cannot be used goes to Batch.Ignored with Malformed set instead,
	// so one bad event in a batch does not make the vendor resend the rest.
	Translate(r *http.Request, body []byte) (Batch, error)
}

// Handler serves one connector's endpoint: it bounds the body, verifies,
// translates, hands the batch to the sink and answers at once.
type Handler struct {
	c        Connector
	sink     Sink
	maxBytes int64
	log      *slog.Logger
	now      func() time.Time
}

// Option configures a Handler.
type Option func(*Handler)

// WithMaxBytes sets the body limit (default DefaultMaxBytes); a larger body
// is answered 413 and nothing reaches the sink.
func WithMaxBytes(n int64) Option { return func(h *Handler) { h.maxBytes = n } }

// WithLogger sets where refusals and unusable events are logged (default:
// discarded).
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithClock sets the clock timestamps are checked against (default
// time.Now). Stripe's check uses the SDK's own clock.
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// NewHandler builds the endpoint for c, delivering to sink.
func NewHandler(c Connector, sink Sink, opts ...Option) *Handler {
	h := &Handler{c: c, sink: sink, maxBytes: DefaultMaxBytes, log: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Answer is the JSON body of a 200: how many records were queued and how
// many events were not used.
type Answer struct {
	Records int `json:"records"`
	Ignored int `json:"ignored"`
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	src := h.c.Source()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := bot.ReadBody(w, r, h.maxBytes)
	if err != nil {
		h.log.Warn("connector delivery not read", "source", src, "err", err)
		return
	}
	now := h.now()
	if err := h.c.Verify(r, body, now); err != nil {
		h.log.Warn("connector delivery refused: verification failed", "source", src, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	b, err := h.c.Translate(r, body)
	if err != nil {
		h.log.Warn("connector delivery not understood", "source", src, "err", err)
		http.Error(w, "body is not a "+src+" webhook delivery", http.StatusBadRequest)
		return
	}
	b.Source, b.Received = src, now
	for _, ig := range b.Ignored {
		if ig.Malformed {
			h.log.Warn("connector event unusable", "source", src, "event", ig.EventID, "type", ig.Type, "reason", ig.Reason)
		}
	}
	if err := h.sink.Accept(r.Context(), b); err != nil {
		if errors.Is(err, ErrBusy) {
			h.log.Warn("connector delivery deferred: queue full", "source", src, "records", len(b.Records))
			w.Header().Set("Retry-After", "30")
			http.Error(w, "busy, deliver again later", http.StatusServiceUnavailable)
			return
		}
		h.log.Error("connector delivery not queued", "source", src, "err", err)
		http.Error(w, "could not queue the delivery", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Answer{Records: len(b.Records), Ignored: len(b.Ignored)})
}
