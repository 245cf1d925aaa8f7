package zendesk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
)

// flexString reads a JSON string or number as text: Zendesk sends ids as
// strings in event payloads and as numbers elsewhere.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// usedEvents are the ticket events that change what healthbot keeps of a
// ticket. Every ticket event carries the whole ticket in detail, so any of
// them gives the full state; the rest (comments, assignments, …) are
// ignored rather than rewritten to no effect.
var usedEvents = map[string]bool{
	"zen:event-type:ticket.created":               true,
	"zen:event-type:ticket.status_changed":        true,
	"zen:event-type:ticket.custom_status_changed": true,
	"zen:event-type:ticket.priority_changed":      true,
	"zen:event-type:ticket.tags_changed":          true,
	"zen:event-type:ticket.organization_changed":  true,
}

// event is a Zendesk event-subscription payload for a ticket.
type event struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Detail struct {
		ID             flexString `json:"id"`
		CreatedAt      string     `json:"created_at"`
		UpdatedAt      string     `json:"updated_at"`
		Status         string     `json:"status"`
		Priority       string     `json:"priority"`
		Tags           []string   `json:"tags"`
		OrganizationID flexString `json:"organization_id"`
	} `json:"detail"`
}

// event reads an event-subscription payload; a non-empty reason means the
// event type is not used.
func (c *Connector) event(body []byte) (rec *connect.TicketRecord, id, reason string, err error) {
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, "", "", fmt.Errorf("read Zendesk event: %w", err)
	}
	if !usedEvents[ev.Type] {
		return nil, ev.ID, "event type not used", nil
	}
	if ev.ID == "" || ev.Detail.ID == "" {
		return nil, ev.ID, "", errors.New("ticket event without an id or a ticket id")
	}
	created, err := parseTime("created_at", ev.Detail.CreatedAt)
	if err != nil {
		return nil, ev.ID, "", err
	}
	updated, err := parseTime("updated_at", ev.Detail.UpdatedAt)
	if err != nil {
		return nil, ev.ID, "", err
	}
	rec, err = c.record(state{id: string(ev.Detail.ID), status: ev.Detail.Status, priority: ev.Detail.Priority,
		org: string(ev.Detail.OrganizationID), tags: ev.Detail.Tags, created: created, updated: updated})
	return rec, ev.ID, "", err
}

// trigger is the JSON body of healthbot's trigger template (docs/connectors),
// every value a Zendesk placeholder rendered as text.
type trigger struct {
	ID                     flexString `json:"id"`
	CreatedAt              string     `json:"created_at"`
	UpdatedAt              string     `json:"updated_at"`
	Status                 string     `json:"status"`
	Priority               string     `json:"priority"`
	Tags                   string     `json:"tags"`
	OrganizationExternalID string     `json:"organization_external_id"`
	Satisfaction           string     `json:"satisfaction"`
}

// trigger reads a trigger payload's ticket object. Placeholders render in
// the requester's language; a status that is not one of Zendesk's English
// names is refused (and logged) rather than guessed.
func (c *Connector) trigger(raw json.RawMessage) (*connect.TicketRecord, error) {
	var t trigger
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("read trigger ticket: %w", err)
	}
	if t.ID == "" {
		return nil, errors.New("trigger ticket without an id")
	}
	created, err := parseTime("created_at", t.CreatedAt)
	if err != nil {
		return nil, err
	}
	updated, err := parseTime("updated_at", t.UpdatedAt)
	if err != nil {
		return nil, err
	}
	ext := strings.TrimSpace(t.OrganizationExternalID)
	return c.record(state{id: string(t.ID), status: t.Status, priority: t.Priority, orgExternal: ext,
		tags: strings.Fields(t.Tags), rating: t.Satisfaction, created: created, updated: updated})
}

// parseTime reads an RFC 3339 time, or the minute-precision form of
// Zendesk's *_with_timestamp placeholders (2013-12-12T05:35Z).
func parseTime(field, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a time", field, s)
}
