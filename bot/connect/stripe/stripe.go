// Package stripe is the Stripe webhook connector: it verifies the
// Stripe-Signature header with stripe-go's own webhook package and turns
// invoice, subscription and customer events into neutral records
// (connect.InvoiceRecord, MRRRecord, ChurnRecord, LinkRecord).
package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	stripe "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// Source is the connector's name in records, metrics and mappings.
const Source = "stripe"

// EventTypes are the event types the connector uses, and the subscription
// events Stripe also offers for paused subscriptions: the closed set of
// type labels in metrics, where any other type counts as "other".
var EventTypes = []string{"invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_failed",
	"invoice.voided", "invoice.marked_uncollectible", "customer.subscription.created", "customer.subscription.updated",
	"customer.subscription.deleted", "customer.subscription.paused", "customer.subscription.resumed",
	"customer.created", "customer.updated"}

// MetadataKey is the customer, subscription or invoice metadata key whose
// value names the healthbot account (its external_id).
const MetadataKey = "healthbot_account"

// Tolerance is how old a signature's timestamp may be: Stripe's documented
// five minutes.
const Tolerance = webhook.DefaultTolerance

// Connector verifies and translates Stripe webhook deliveries.
type Connector struct {
	secret string
}

// New returns the connector for an endpoint signing secret (whsec_…).
func New(secret string) *Connector { return &Connector{secret: secret} }

// NewHandler is the http.Handler for POST /hooks/stripe.
func NewHandler(secret string, sink connect.Sink, opts ...connect.Option) *connect.Handler {
	return connect.NewHandler(New(secret), sink, opts...)
}

// Source implements connect.Connector.
func (*Connector) Source() string { return Source }

// Verify implements connect.Connector with stripe-go's ConstructEventWithOptions:
// the v1 HMAC-SHA256 of "t.body" with any of the header's v1 signatures
// (Stripe sends two while a secret is being rolled), and t no older than
// five minutes, by the SDK's clock (now is not used).
//
// The event's API version is not checked (IgnoreAPIVersionMismatch). Stripe
// renders an event in the API version of the endpoint or the account, which
// the operator chooses and Stripe moves forward; refusing a mismatch would
// turn every such change into failed deliveries that Stripe retries for
// three days and then disables the endpoint over. The SDK's check exists
// because its typed objects may then decode wrongly; this connector reads
// data.object with its own small structs instead, accepting the field
// shapes of both older versions and basil (see invoice and subscription).
func (c *Connector) Verify(r *http.Request, body []byte, _ time.Time) error {
	_, err := webhook.ConstructEventWithOptions(body, r.Header.Get("Stripe-Signature"), c.secret,
		webhook.ConstructEventOptions{Tolerance: Tolerance, IgnoreAPIVersionMismatch: true})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webhook.ErrNotSigned):
		return fmt.Errorf("%w: Stripe-Signature", connect.ErrMissingSignature)
	case errors.Is(err, webhook.ErrTooOld):
		return fmt.Errorf("%w: Stripe-Signature t older than %s", connect.ErrStale, Tolerance)
	case errors.Is(err, webhook.ErrInvalidHeader):
		return fmt.Errorf("%w: Stripe-Signature unreadable", connect.ErrBadTimestamp)
	case errors.Is(err, webhook.ErrNoValidSignature):
		return fmt.Errorf("%w: no v1 signature in Stripe-Signature matches", connect.ErrBadSignature)
	}
	// The signature held; what failed is decoding the JSON, which Translate
	// reports as a bad body rather than as a forged request.
	return nil
}

// Translate implements connect.Connector.
func (*Connector) Translate(_ *http.Request, body []byte) (connect.Batch, error) {
	var ev stripe.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return connect.Batch{}, fmt.Errorf("read Stripe event: %w", err)
	}
	if ev.ID == "" || ev.Data == nil {
		return connect.Batch{}, errors.New("read Stripe event: no id or data")
	}
	var b connect.Batch
	recs, reason, err := translate(&ev)
	b.Add(ev.ID, string(ev.Type), recs, reason, err)
	return b, nil
}

// invoiceEvents are the invoice events used, each with the rank that orders
// it against another event for the same invoice in the same second: an
// invoice moves from draft through finalized, may fail, and ends paid, void
// or uncollectible.
var invoiceEvents = map[string]int{
	"invoice.created": 0, "invoice.finalized": 1, "invoice.payment_failed": 2,
	"invoice.marked_uncollectible": 3, "invoice.paid": 4, "invoice.voided": 4,
}

// translate picks the records for one event; a non-empty reason means the
// event type is not used.
func translate(ev *stripe.Event) ([]connect.Record, string, error) {
	typ := string(ev.Type)
	at := time.Unix(ev.Created, 0).UTC()
	meta := connect.Meta{Source: Source, EventID: ev.ID, Type: typ}
	_, isInvoice := invoiceEvents[typ]
	switch {
	case isInvoice:
		var inv invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return nil, "", fmt.Errorf("read invoice: %w", err)
		}
		rec, err := inv.record(meta, typ, connect.Version{At: at, Rank: invoiceEvents[typ]})
		if err != nil {
			return nil, "", err
		}
		return []connect.Record{rec}, "", nil
	case strings.HasPrefix(typ, "customer.subscription."):
		var sub subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return nil, "", fmt.Errorf("read subscription: %w", err)
		}
		return sub.records(meta, typ, at)
	case typ == "customer.created" || typ == "customer.updated":
		var cus customer
		if err := json.Unmarshal(ev.Data.Raw, &cus); err != nil {
			return nil, "", fmt.Errorf("read customer: %w", err)
		}
		if cus.ID == "" {
			return nil, "", errors.New("customer has no id")
		}
		ext := strings.TrimSpace(cus.Metadata[MetadataKey])
		if ext == "" {
			return nil, "customer has no metadata." + MetadataKey, nil
		}
		meta.ObjectID, meta.Version = cus.ID, connect.Version{At: at}
		meta.Account = connect.AccountKey{ID: cus.ID, External: ext}
		return []connect.Record{&connect.LinkRecord{Meta: meta}}, "", nil
	}
	return nil, "event type not used", nil
}

// customer is the part of a Stripe customer read here; invoices and
// subscriptions carry it as an id, or as this object when expanded.
type customer struct {
	ID       string            `json:"id"`
	Metadata map[string]string `json:"metadata"`
}

// UnmarshalJSON accepts the customer as an id string or an object.
func (c *customer) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.ID)
	}
	type plain customer
	return json.Unmarshal(b, (*plain)(c))
}

// accountKey is the account as Stripe knows it: the customer, and the first
// metadata.healthbot_account found on the object itself, then the sources
// given (subscription metadata copied onto an invoice), then the customer
// when expanded.
func accountKey(cus *customer, own map[string]string, more ...map[string]string) connect.AccountKey {
	k := connect.AccountKey{}
	if cus != nil {
		k.ID = cus.ID
	}
	for _, md := range append(append([]map[string]string{own}, more...), customerMetadata(cus)) {
		if v := strings.TrimSpace(md[MetadataKey]); v != "" {
			k.External = v
			break
		}
	}
	return k
}

func customerMetadata(c *customer) map[string]string {
	if c == nil {
		return nil
	}
	return c.Metadata
}

// unixTime converts an optional Unix time.
func unixTime(sec *int64) *time.Time {
	if sec == nil || *sec == 0 {
		return nil
	}
	t := time.Unix(*sec, 0).UTC()
	return &t
}
