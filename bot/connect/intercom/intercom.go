// Package intercom is the Intercom webhooks connector: it verifies
// X-Hub-Signature ("sha1=" and the hex HMAC-SHA1 of the body under the
// app's client secret) and turns conversation notifications into ticket
// records, the conversation's rating becoming the ticket's sentiment.
package intercom

import (
	"crypto/sha1"
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
const Source = "intercom"

// EventTypes are the conversation topics the setup subscribes to, and
// Intercom's ping: the closed set of type labels in metrics, where any
// other topic counts as "other".
var EventTypes = []string{"conversation.user.created", "conversation.user.replied", "conversation.admin.replied",
	"conversation.admin.opened", "conversation.admin.closed", "conversation.admin.snoozed",
	"conversation.admin.unsnoozed", "conversation.admin.assigned", "conversation_part.tag.created",
	"conversation.rating.added", "conversation.priority.updated", "ping"}

// DefaultEscalationTags are the conversation tags that mark it escalated.
var DefaultEscalationTags = []string{"escalated", "escalation"}

// Config configures the connector.
type Config struct {
	// Secret is the app's client secret.
	Secret string
	// EscalationTags overrides DefaultEscalationTags.
	EscalationTags []string
}

// Connector verifies and translates Intercom notifications.
type Connector struct{ cfg Config }

// New returns the connector for cfg.
func New(cfg Config) *Connector {
	if cfg.EscalationTags == nil {
		cfg.EscalationTags = DefaultEscalationTags
	}
	return &Connector{cfg: cfg}
}

// NewHandler is the http.Handler for POST /hooks/intercom.
func NewHandler(cfg Config, sink connect.Sink, opts ...connect.Option) *connect.Handler {
	return connect.NewHandler(New(cfg), sink, opts...)
}

// Source implements connect.Connector.
func (*Connector) Source() string { return Source }

// Verify implements connect.Connector. Intercom signs no timestamp, so no
// staleness can be checked; a replayed notification repeats an id the store
// has already applied, and an older conversation state never overwrites a
// newer one, so a replay changes nothing.
func (c *Connector) Verify(r *http.Request, body []byte, _ time.Time) error {
	sig := r.Header.Get("X-Hub-Signature")
	if sig == "" {
		return fmt.Errorf("%w: X-Hub-Signature", connect.ErrMissingSignature)
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(sig), "sha1=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil {
		got = nil
	}
	return connect.SameMAC(got, connect.MAC(sha1.New, []byte(c.cfg.Secret), body))
}

// notification is Intercom's webhook envelope.
type notification struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Topic string `json:"topic"`
	Data  struct {
		Item json.RawMessage `json:"item"`
	} `json:"data"`
}

// conversation is the part of an Intercom conversation read here.
type conversation struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
	State     string `json:"state"`
	Priority  string `json:"priority"`
	Tags      struct {
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
	} `json:"tags"`
	Rating *struct {
		Rating    *int  `json:"rating"`
		UpdatedAt int64 `json:"updated_at"`
	} `json:"conversation_rating"`
	Company *struct {
		ID        string `json:"id"`
		CompanyID string `json:"company_id"`
	} `json:"company"`
	Contacts struct {
		Contacts []struct {
			ID string `json:"id"`
		} `json:"contacts"`
	} `json:"contacts"`
	Statistics *struct {
		LastCloseAt int64 `json:"last_close_at"`
	} `json:"statistics"`
}

// Translate implements connect.Connector.
func (c *Connector) Translate(_ *http.Request, body []byte) (connect.Batch, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return connect.Batch{}, fmt.Errorf("read Intercom notification: %w", err)
	}
	if n.Type != "notification_event" {
		return connect.Batch{}, fmt.Errorf("read Intercom notification: type %q, want notification_event", n.Type)
	}
	var b connect.Batch
	rec, reason, err := c.translate(n)
	b.Add(n.ID, n.Topic, []connect.Record{rec}, reason, err)
	return b, nil
}

func (c *Connector) translate(n notification) (connect.Record, string, error) {
	// Every conversation topic carries the whole conversation; a deletion
	// carries only its id and is left alone.
	if !strings.HasPrefix(n.Topic, "conversation") || n.Topic == "conversation.deleted" {
		return nil, "topic not used", nil
	}
	var cv conversation
	if err := json.Unmarshal(n.Data.Item, &cv); err != nil {
		return nil, "", fmt.Errorf("read conversation: %w", err)
	}
	if cv.Type != "conversation" {
		return nil, "topic not used", nil
	}
	if n.ID == "" || cv.ID == "" || cv.CreatedAt == 0 {
		return nil, "", errors.New("conversation notification without an id or created_at")
	}
	key, err := accountKey(&cv)
	if err != nil {
		return nil, "", err
	}
	escalated := cv.Priority == "priority"
	for _, t := range cv.Tags.Tags {
		for _, e := range c.cfg.EscalationTags {
			escalated = escalated || strings.EqualFold(t.Name, e)
		}
	}
	updated := time.Unix(max(cv.UpdatedAt, cv.CreatedAt), 0).UTC()
	rec := &connect.TicketRecord{
		Meta:     connect.Meta{Source: Source, EventID: n.ID, Type: n.Topic, ObjectID: cv.ID, Account: key},
		OpenedAt: time.Unix(cv.CreatedAt, 0).UTC(), Escalated: &escalated,
	}
	if cv.Priority == "priority" {
		rec.Severity = "priority"
	}
	rank := 0
	if cv.State == "closed" {
		closed := updated
		if cv.Statistics != nil && cv.Statistics.LastCloseAt > 0 {
			closed = time.Unix(cv.Statistics.LastCloseAt, 0).UTC()
		}
		rec.ClosedAt, rank = &closed, 1
	}
	if cv.Rating != nil && cv.Rating.Rating != nil {
		rec.Sentiment = sentiment(*cv.Rating.Rating)
		rank += 2
	}
	rec.Version = connect.Version{At: updated, Rank: rank}
	return rec, "", nil
}

// sentiment maps Intercom's 1–5 rating: 4 and 5 are positive, 3 neutral,
// 1 and 2 negative.
func sentiment(rating int) string {
	switch {
	case rating >= 4:
		return "positive"
	case rating == 3:
		return "neutral"
	}
	return "negative"
}

// accountKey is the conversation's company (API 2.15 on names it on the
// conversation: Intercom's id, and company_id, the team's own id for it),
// else its first contact, which a mapping can tie to an account.
func accountKey(cv *conversation) (connect.AccountKey, error) {
	if cv.Company != nil && cv.Company.ID != "" {
		return connect.AccountKey{ID: cv.Company.ID, External: strings.TrimSpace(cv.Company.CompanyID)}, nil
	}
	if len(cv.Contacts.Contacts) > 0 && cv.Contacts.Contacts[0].ID != "" {
		return connect.AccountKey{ID: "contact:" + cv.Contacts.Contacts[0].ID}, nil
	}
	return connect.AccountKey{}, fmt.Errorf("conversation %s names no company or contact", cv.ID)
}
