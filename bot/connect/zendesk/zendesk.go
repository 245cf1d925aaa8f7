// Package zendesk is the Zendesk webhooks connector: it verifies
// X-Zendesk-Webhook-Signature (base64 HMAC-SHA256 of the timestamp header
// and the body) and turns ticket events — Zendesk's own ticket event
// payloads, or the JSON a trigger sends with healthbot's template — into
// ticket records with status, escalation and satisfaction.
package zendesk

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
)

// Source is the connector's name in records, metrics and mappings.
const Source = "zendesk"

// EventTypes are the ticket events the connector uses and "trigger" (a
// trigger's payload): the closed set of type labels in metrics, where any
// other type counts as "other".
var EventTypes = []string{"trigger", "zen:event-type:ticket.created", "zen:event-type:ticket.status_changed",
	"zen:event-type:ticket.custom_status_changed", "zen:event-type:ticket.priority_changed",
	"zen:event-type:ticket.tags_changed", "zen:event-type:ticket.organization_changed"}

// DefaultWindow is how far the signed timestamp may be from now, either
// way. Zendesk signs the timestamp so replays can be refused but states no
// window; five minutes is the window Stripe and HubSpot document for the
// same scheme, wide enough for clock skew and a delivery queued briefly at
// Zendesk, narrow enough that a captured request cannot be replayed later.
// A replay inside it changes nothing: the store applies an event id once.
const DefaultWindow = 5 * time.Minute

// DefaultEscalationTags are the tags that mark a ticket escalated.
var DefaultEscalationTags = []string{"escalated", "escalation"}

// Config configures the connector.
type Config struct {
	// Secret is the webhook's signing secret.
	Secret string
	// Window overrides DefaultWindow.
	Window time.Duration
	// EscalationTags overrides DefaultEscalationTags.
	EscalationTags []string
}

// Connector verifies and translates Zendesk deliveries.
type Connector struct{ cfg Config }

// New returns the connector for cfg.
func New(cfg Config) *Connector {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.EscalationTags == nil {
		cfg.EscalationTags = DefaultEscalationTags
	}
	return &Connector{cfg: cfg}
}

// NewHandler is the http.Handler for POST /hooks/zendesk.
func NewHandler(cfg Config, sink connect.Sink, opts ...connect.Option) *connect.Handler {
	return connect.NewHandler(New(cfg), sink, opts...)
}

// Source implements connect.Connector.
func (*Connector) Source() string { return Source }

// Verify implements connect.Connector: X-Zendesk-Webhook-Signature is
// base64(HMAC-SHA256(timestamp + body)) keyed by the signing secret as
// given, and X-Zendesk-Webhook-Signature-Timestamp is within the window.
func (c *Connector) Verify(r *http.Request, body []byte, now time.Time) error {
	sig, ts := r.Header.Get("X-Zendesk-Webhook-Signature"), r.Header.Get("X-Zendesk-Webhook-Signature-Timestamp")
	if sig == "" || ts == "" {
		return fmt.Errorf("%w: X-Zendesk-Webhook-Signature and -Timestamp", connect.ErrMissingSignature)
	}
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return fmt.Errorf("%w: X-Zendesk-Webhook-Signature-Timestamp %q", connect.ErrBadTimestamp, ts)
	}
	if err := connect.Fresh(at, now, c.cfg.Window); err != nil {
		return err
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		got = nil
	}
	return connect.SameMAC(got, connect.MAC(sha256.New, []byte(c.cfg.Secret), []byte(ts), body))
}

// Translate implements connect.Connector.
func (c *Connector) Translate(r *http.Request, body []byte) (connect.Batch, error) {
	var probe struct {
		Type   string          `json:"type"`
		Ticket json.RawMessage `json:"ticket"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return connect.Batch{}, fmt.Errorf("read Zendesk payload: %w", err)
	}
	var (
		rec    *connect.TicketRecord
		id     string
		typ    = probe.Type
		reason string
		err    error
	)
	switch {
	case strings.HasPrefix(probe.Type, "zen:event-type:"):
		rec, id, reason, err = c.event(body)
	case probe.Ticket != nil:
		// A trigger's payload has no event id; Zendesk names each
		// invocation in a header, kept across its retries.
		id = r.Header.Get("X-Zendesk-Webhook-Invocation-Id")
		if id == "" {
			sum := sha256.Sum256(body)
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		typ = "trigger"
		rec, err = c.trigger(probe.Ticket)
	default:
		return connect.Batch{}, fmt.Errorf("read Zendesk payload: neither an event (type zen:event-type:…) nor a trigger payload (ticket)")
	}
	var b connect.Batch
	if errors.Is(err, errNoOrganization) {
		reason, err = err.Error(), nil
	}
	if err == nil && reason == "" {
		rec.Source, rec.EventID, rec.Type = Source, id, typ
	}
	b.Add(id, typ, []connect.Record{rec}, reason, err)
	return b, nil
}

// state is what both payload kinds say about a ticket.
type state struct {
	id, status, priority, org, orgExternal, rating string
	tags                                           []string
	created, updated                               time.Time
}

// statusRank orders a ticket's statuses for events in the same second: a
// ticket is worked, then solved, then closed.
var statusRank = map[string]int{"new": 0, "open": 0, "pending": 0, "hold": 0, "solved": 1, "closed": 2}

// errNoOrganization marks a ticket from a requester in no organization:
// nothing ties it to a customer account, so it is not used.
var errNoOrganization = errors.New("ticket belongs to no organization")

// record turns a ticket's state into a ticket record.
func (c *Connector) record(s state) (*connect.TicketRecord, error) {
	status := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s.status)), "-", "")
	if status == "onhold" {
		status = "hold"
	}
	rank, ok := statusRank[status]
	if !ok {
		return nil, fmt.Errorf("ticket %s: status %q unknown (new, open, pending, hold, solved or closed)", s.id, s.status)
	}
	priority := strings.ToLower(strings.TrimSpace(s.priority))
	if priority == "-" {
		priority = ""
	}
	escalated := priority == "urgent"
	for _, t := range s.tags {
		for _, e := range c.cfg.EscalationTags {
			escalated = escalated || strings.EqualFold(t, e)
		}
	}
	rec := &connect.TicketRecord{OpenedAt: s.created, Escalated: &escalated, Severity: priority,
		Sentiment: sentiment(s.rating)}
	if rank > 0 {
		closed := s.updated
		rec.ClosedAt = &closed
	}
	if rec.Sentiment != "" {
		rank += 4 // a rating arrives after the change it rates
	}
	rec.ObjectID, rec.Version = s.id, connect.Version{At: s.updated, Rank: rank}
	rec.Account = connect.AccountKey{ID: s.org, External: s.orgExternal}
	if s.org == "" || s.org == "0" {
		rec.Account.ID = s.orgExternal
	}
	if rec.Account.ID == "" {
		return nil, errNoOrganization
	}
	return rec, nil
}

// sentiment maps a satisfaction rating (good or bad, as the API names it,
// or the trigger placeholder's "Good, I'm satisfied") to positive or
// negative; no rating, or an offered one not yet given, is "".
func sentiment(rating string) string {
	r := strings.ToLower(strings.TrimSpace(rating))
	switch {
	case strings.HasPrefix(r, "good"):
		return "positive"
	case strings.HasPrefix(r, "bad"):
		return "negative"
	}
	return ""
}
