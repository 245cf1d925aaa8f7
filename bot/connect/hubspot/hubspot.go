// Package hubspot is the HubSpot webhooks connector: it verifies the v3
// signature (X-HubSpot-Signature-v3, base64 HMAC-SHA256 of method, URI,
// body and X-HubSpot-Request-Timestamp, at most five minutes old) and turns
// company property changes into account fields, the HubSpot property for
// each field being configurable.
package hubspot

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
)

// Source is the connector's name in records, metrics and mappings.
const Source = "hubspot"

// EventTypes are the subscription types the connector uses: the closed set
// of type labels in metrics, where any other type counts as "other".
var EventTypes = []string{"company.propertyChange", "object.propertyChange"}

// Window is how old X-HubSpot-Request-Timestamp may be: HubSpot's
// documented five minutes (a timestamp as far in the future is refused too).
const Window = 5 * time.Minute

// DefaultProperties maps account fields to the company property that sets
// each: HubSpot's own company name, and properties of these names that a
// team creates for the CSM (a healthbot handle), the renewal date and MRR.
var DefaultProperties = map[string]string{
	"name": "name", "owner": "healthbot_owner", "renewal_on": "renewal_date", "mrr": "mrr",
}

// Config configures the connector.
type Config struct {
	// Secret is the app's client secret.
	Secret string
	// PublicURL is the scheme and host HubSpot calls (https://bot.example.com),
	// which the signature covers. When empty it is taken from
	// X-Forwarded-Proto and X-Forwarded-Host, else from the request itself.
	PublicURL string
	// Properties maps account fields to company properties; nil means
	// DefaultProperties.
	Properties map[string]string
}

// Connector verifies and translates HubSpot deliveries.
type Connector struct {
	cfg    Config
	fields map[string]string // property → account field
}

// New returns the connector for cfg.
func New(cfg Config) *Connector {
	if cfg.Properties == nil {
		cfg.Properties = DefaultProperties
	}
	c := &Connector{cfg: cfg, fields: map[string]string{}}
	for f, p := range cfg.Properties {
		c.fields[p] = f
	}
	return c
}

// NewHandler is the http.Handler for POST /hooks/hubspot.
func NewHandler(cfg Config, sink connect.Sink, opts ...connect.Option) *connect.Handler {
	return connect.NewHandler(New(cfg), sink, opts...)
}

// ParseProperties reads "field=property,field=property" (as an environment
// variable would carry it) into a Config.Properties, starting from
// DefaultProperties; "field=" stops a default.
func ParseProperties(s string) (map[string]string, error) {
	return connect.ParseFieldMap(s, DefaultProperties)
}

// Source implements connect.Connector.
func (*Connector) Source() string { return Source }

// uriDecoder undoes the percent-encodings HubSpot's validation guide lists:
// the signature covers the URI with these characters decoded.
var uriDecoder = func() *strings.Replacer {
	var pairs []string
	for _, c := range ":/?@!$'()*,;" {
		hex := fmt.Sprintf("%%%02X", c)
		pairs = append(pairs, hex, string(c), strings.ToLower(hex), string(c))
	}
	return strings.NewReplacer(pairs...)
}()

// requestURI is the URI HubSpot signed: scheme and host as HubSpot called
// them, then the path and query as received, with the listed characters
// decoded.
func (c *Connector) requestURI(r *http.Request) string {
	base := strings.TrimRight(c.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
			scheme = strings.TrimSpace(strings.Split(p, ",")[0])
		}
		host := r.Host
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			host = strings.TrimSpace(strings.Split(h, ",")[0])
		}
		base = scheme + "://" + host
	}
	// The request-target as it arrived, not as net/url re-escapes it.
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI()
	}
	return uriDecoder.Replace(base + target)
}

// Verify implements connect.Connector.
func (c *Connector) Verify(r *http.Request, body []byte, now time.Time) error {
	sig, ts := r.Header.Get("X-HubSpot-Signature-v3"), r.Header.Get("X-HubSpot-Request-Timestamp")
	if sig == "" || ts == "" {
		return fmt.Errorf("%w: X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp", connect.ErrMissingSignature)
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: X-HubSpot-Request-Timestamp %q", connect.ErrBadTimestamp, ts)
	}
	if err := connect.Fresh(time.UnixMilli(ms), now, Window); err != nil {
		return err
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		got = nil
	}
	return connect.SameMAC(got, connect.MAC(sha256.New, []byte(c.cfg.Secret),
		[]byte(r.Method), []byte(c.requestURI(r)), body, []byte(ts)))
}

// notification is one event of a HubSpot delivery.
type notification struct {
	EventID          json.Number `json:"eventId"`
	PortalID         json.Number `json:"portalId"`
	OccurredAt       int64       `json:"occurredAt"`
	SubscriptionType string      `json:"subscriptionType"`
	ObjectID         json.Number `json:"objectId"`
	ObjectTypeID     string      `json:"objectTypeId"`
	PropertyName     string      `json:"propertyName"`
	PropertyValue    any         `json:"propertyValue"`
}

// companyType is the objectTypeId of companies in HubSpot's generic
// object.* subscriptions.
const companyType = "0-2"

// Translate implements connect.Connector. HubSpot sends a JSON array of up
// to 100 events.
func (c *Connector) Translate(_ *http.Request, body []byte) (connect.Batch, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return connect.Batch{}, fmt.Errorf("read HubSpot events: %w", err)
	}
	var b connect.Batch
	for _, raw := range list {
		var n notification
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			b.Ignored = append(b.Ignored, connect.Ignored{Reason: "not a HubSpot event: " + err.Error(), Malformed: true})
			continue
		}
		// HubSpot says eventId alone is not guaranteed unique; with the
		// portal, the time, the object and the property it names one change,
		// and a retry repeats all of them (only attemptNumber differs).
		id := strings.Join([]string{n.PortalID.String(), n.EventID.String(), strconv.FormatInt(n.OccurredAt, 10),
			n.ObjectID.String(), n.PropertyName}, ":")
		rec, reason, err := c.translate(n, id)
		b.Add(id, n.SubscriptionType, []connect.Record{rec}, reason, err)
	}
	return b, nil
}

func (c *Connector) translate(n notification, id string) (connect.Record, string, error) {
	company := n.SubscriptionType == "company.propertyChange" ||
		(n.SubscriptionType == "object.propertyChange" && n.ObjectTypeID == companyType)
	if !company {
		return nil, "event type not used", nil
	}
	field, ok := c.fields[n.PropertyName]
	if !ok {
		return nil, fmt.Sprintf("company property %q is not mapped to an account field (mapped: %s)", n.PropertyName, c.mapped()), nil
	}
	if n.ObjectID == "" || n.OccurredAt == 0 {
		return nil, "", fmt.Errorf("company.propertyChange without objectId or occurredAt")
	}
	v, err := connect.FieldValue(field, n.PropertyValue)
	if err != nil {
		return nil, "", fmt.Errorf("company %s property %s: %w", n.ObjectID, n.PropertyName, err)
	}
	return &connect.AccountRecord{
		Meta: connect.Meta{Source: Source, EventID: id, Type: n.SubscriptionType, ObjectID: n.ObjectID.String(),
			Version: connect.Version{At: time.UnixMilli(n.OccurredAt).UTC()}, Account: connect.AccountKey{ID: n.ObjectID.String()}},
		Fields: map[string]string{field: v},
	}, "", nil
}

// mapped lists the mapped properties, for the ignored reason.
func (c *Connector) mapped() string {
	var ps []string
	for p := range c.fields {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return strings.Join(ps, ", ")
}
