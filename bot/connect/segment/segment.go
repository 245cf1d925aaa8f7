// Package segment is the Segment webhooks-destination connector: it
// verifies X-Signature (the hex HMAC-SHA1 of the body under the shared
// secret) and turns track calls into activity and group calls into account
// fields and user-to-group links.
package segment

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
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
const Source = "segment"

// EventTypes are Segment's call types: the closed set of type labels in
// metrics (track and group are used, the rest counted as ignored).
var EventTypes = []string{"track", "group", "identify", "page", "screen", "alias"}

// Config configures the connector.
type Config struct {
	// Secret is the shared secret set in the destination's settings.
	Secret string
	// Traits maps account fields to the group trait that sets each; a
	// field not listed is set by the trait of its own name. Trait names
	// match as Segment treats them, ignoring case, spaces and underscores
	// (renewal_on, renewalOn and "Renewal On" are one trait).
	Traits map[string]string
}

// Connector verifies and translates Segment deliveries.
type Connector struct{ cfg Config }

// New returns the connector for cfg.
func New(cfg Config) *Connector { return &Connector{cfg: cfg} }

// ParseTraits reads "field=trait,field=trait" (as an environment variable
// would carry it) into a Config.Traits.
func ParseTraits(s string) (map[string]string, error) { return connect.ParseFieldMap(s, nil) }

// NewHandler is the http.Handler for POST /hooks/segment.
func NewHandler(cfg Config, sink connect.Sink, opts ...connect.Option) *connect.Handler {
	return connect.NewHandler(New(cfg), sink, opts...)
}

// Source implements connect.Connector.
func (*Connector) Source() string { return Source }

// Verify implements connect.Connector: X-Signature is the hex HMAC-SHA1 of
// the raw body. Segment signs no timestamp, so there is no staleness to
// check; a replayed delivery repeats message ids the store has already
// applied, and activity is a set, so it changes nothing.
func (c *Connector) Verify(r *http.Request, body []byte, _ time.Time) error {
	sig := r.Header.Get("X-Signature")
	if sig == "" {
		return fmt.Errorf("%w: X-Signature", connect.ErrMissingSignature)
	}
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		got = nil
	}
	return connect.SameMAC(got, connect.MAC(sha1.New, []byte(c.cfg.Secret), body))
}

// message is the part of a Segment message read here.
type message struct {
	Type              string         `json:"type"`
	MessageID         string         `json:"messageId"`
	UserID            string         `json:"userId"`
	GroupID           string         `json:"groupId"`
	Event             string         `json:"event"`
	Timestamp         string         `json:"timestamp"`
	OriginalTimestamp string         `json:"originalTimestamp"`
	ReceivedAt        string         `json:"receivedAt"`
	Traits            map[string]any `json:"traits"`
	Context           struct {
		GroupID string `json:"groupId"`
	} `json:"context"`
}

// Translate implements connect.Connector. The body is one message (the
// Webhooks destination), an array of them (Webhooks (Actions) with
// batching) or {"batch": [...]} (Segment's HTTP API batch shape).
func (c *Connector) Translate(_ *http.Request, body []byte) (connect.Batch, error) {
	raws, err := messages(body)
	if err != nil {
		return connect.Batch{}, err
	}
	var b connect.Batch
	for _, raw := range raws {
		var m message
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			b.Ignored = append(b.Ignored, connect.Ignored{Reason: "not a Segment message: " + err.Error(), Malformed: true})
			continue
		}
		if m.MessageID == "" {
			// Every Segment library sets messageId; without one the
			// message's own bytes identify it, so a resend still dedupes.
			sum := sha256.Sum256(raw)
			m.MessageID = "sha256:" + hex.EncodeToString(sum[:])
		}
		recs, reason, err := c.translate(&m)
		b.Add(m.MessageID, m.Type, recs, reason, err)
	}
	return b, nil
}

// messages splits the body into raw messages.
func messages(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, fmt.Errorf("read Segment messages: %w", err)
		}
		return list, nil
	}
	var env struct {
		Batch []json.RawMessage `json:"batch"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("read Segment message: %w", err)
	}
	if env.Batch != nil {
		return env.Batch, nil
	}
	return []json.RawMessage{body}, nil
}

// at is when the message happened: the timestamp Segment corrected for the
// device's clock, else the one the device sent, else when Segment got it.
func (m *message) at() (time.Time, error) {
	for _, s := range []string{m.Timestamp, m.OriginalTimestamp, m.ReceivedAt} {
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp %q is not an RFC 3339 time", s)
		}
		return t.UTC(), nil
	}
	return time.Time{}, errors.New("message has no timestamp")
}

func (c *Connector) translate(m *message) ([]connect.Record, string, error) {
	switch m.Type {
	case "track":
		return trackRecords(m)
	case "group":
		return c.groupRecords(m)
	}
	return nil, "message type not used", nil
}

// trackRecords: event name → feature, userId → user, and the account from
// the group the call names (context.groupId, Segment's field for
// attributing a call to an account, or a top-level groupId); with none, the
// user's group as a group call linked it.
func trackRecords(m *message) ([]connect.Record, string, error) {
	if m.UserID == "" {
		return nil, "track without a userId (an anonymous visitor, not a customer's user)", nil
	}
	at, err := m.at()
	if err != nil {
		return nil, "", err
	}
	group := m.Context.GroupID
	if group == "" {
		group = m.GroupID
	}
	key := connect.AccountKey{ID: group, External: group}
	if group == "" {
		key = connect.AccountKey{ID: "user:" + m.UserID}
	}
	return []connect.Record{&connect.ActivityRecord{
		Meta: connect.Meta{Source: Source, EventID: m.MessageID, Type: m.Type, ObjectID: m.UserID,
			Version: connect.Version{At: at}, Account: key},
		User: m.UserID, Feature: strings.TrimSpace(m.Event), At: at,
	}}, "", nil
}

// groupRecords: the group's traits → account fields (groupId is the
// account's external id), and userId → a link from the user to the group,
// so the user's later track calls without a groupId find their account.
func (c *Connector) groupRecords(m *message) ([]connect.Record, string, error) {
	if m.GroupID == "" {
		return nil, "", errors.New("group call without a groupId")
	}
	at, err := m.at()
	if err != nil {
		return nil, "", err
	}
	meta := connect.Meta{Source: Source, EventID: m.MessageID, Type: m.Type, ObjectID: m.GroupID,
		Version: connect.Version{At: at}, Account: connect.AccountKey{ID: m.GroupID, External: m.GroupID}}
	fields, err := c.fields(m.Traits)
	if err != nil {
		return nil, "", err
	}
	var recs []connect.Record
	if len(fields) > 0 {
		recs = append(recs, &connect.AccountRecord{Meta: meta, Fields: fields})
	}
	if m.UserID != "" {
		link := meta
		link.ObjectID, link.Account.ID = "user:"+m.UserID, "user:"+m.UserID
		recs = append(recs, &connect.LinkRecord{Meta: link})
	}
	if len(recs) == 0 {
		return nil, "group call with no mapped trait and no userId", nil
	}
	return recs, "", nil
}

// traitKey is how Segment compares trait names.
func traitKey(s string) string {
	return strings.NewReplacer("_", "", " ", "", "-", "").Replace(strings.ToLower(s))
}

// fields renders the traits that set account fields.
func (c *Connector) fields(traits map[string]any) (map[string]string, error) {
	byKey := make(map[string]any, len(traits))
	for k, v := range traits {
		byKey[traitKey(k)] = v
	}
	out := map[string]string{}
	for _, f := range connect.AccountFields {
		trait := f
		if t, ok := c.cfg.Traits[f]; ok {
			trait = t
		}
		v, ok := byKey[traitKey(trait)]
		if !ok {
			continue
		}
		s, err := connect.FieldValue(f, v)
		if err != nil {
			return nil, fmt.Errorf("trait %s: %w", trait, err)
		}
		out[f] = s
	}
	return out, nil
}
