// Package connect holds what every webhook connector (bot/connect/stripe,
// segment, zendesk, hubspot, intercom) shares: the neutral records a vendor's
// events are translated into, the money and version helpers, the HMAC checks
// and the HTTP handler skeleton that bounds, verifies, translates and hands a
// delivery to a Sink.
//
// A connector never writes anything itself. It answers the vendor at once and
// leaves the writing — account mapping, parking, idempotency by event id,
// refusing older versions, rescoring — to the Sink, so a slow database never
// makes a vendor time out and retry.
package connect

import (
	"time"
)

// Record kinds. Where a kind matches an ingestion kind it has the same name.
const (
	KindAccount  = "accounts"
	KindActivity = "activity"
	KindTicket   = "tickets"
	KindInvoice  = "invoices"
	KindMRR      = "mrr"
	KindChurn    = "churn"
	KindLink     = "link"
)

// Record is one fact a vendor event states, in healthbot's terms. The
// concrete types are AccountRecord, ActivityRecord, TicketRecord,
// InvoiceRecord, MRRRecord, ChurnRecord and LinkRecord; a Sink switches on
// the type.
type Record interface {
	// Head is the part every record carries: where it came from, which
	// object it is about, how it orders, which account it belongs to.
	Head() *Meta
	// Kind is one of the Kind constants.
	Kind() string
}

// Meta is what every record carries so the store can make delivery
// idempotent, order-safe and mapped to an account.
type Meta struct {
	// Source is the connector's name: "stripe", "segment", "zendesk",
	// "hubspot" or "intercom".
	Source string
	// EventID identifies the vendor event the record came from, unique
	// within Source; records sharing one are one unit (one Stripe
	// customer.subscription.deleted gives an MRR and a churn record), to be
	// applied together and once.
	EventID string
	// Type is the vendor's own event type (invoice.paid, track,
	// company.propertyChange, …), for metrics and logs.
	Type string
	// ObjectID is the vendor object the record describes: an invoice,
	// subscription, ticket, conversation, company or group id.
	ObjectID string
	// Version orders the states the vendor reports for ObjectID; the store
	// keeps the newest and refuses to let an older one overwrite it.
	Version Version
	// Account is the account as the vendor knows it.
	Account AccountKey
}

// Head returns m itself, so every record type that embeds Meta satisfies
// Record's Head.
func (m *Meta) Head() *Meta { return m }

// AccountKey is an account as a vendor knows it. The store resolves it in
// this order: an explicit mapping of (Source, ID) (healthbot map), then an
// account whose external_id is External; when neither matches, the record
// is parked under (Source, ID) until a mapping appears.
type AccountKey struct {
	// ID is the vendor's id for the customer-like object: a Stripe customer,
	// a Segment group (or "user:ID" for a user not yet in a group), a Zendesk
	// organization, a HubSpot company, an Intercom company (or "contact:ID"
	// when the conversation names no company).
	ID string
	// External is an account external_id the vendor states outright: Stripe
	// metadata.healthbot_account, a Segment groupId, a Zendesk organization's
	// external_id, an Intercom company's company_id. Empty when it states
	// none.
	External string
}

// Version orders the states one vendor reports for one object: a later At
// is newer; Rank breaks ties at the same At, where a vendor's clock is too
// coarse to tell two events apart (Stripe's event.created is in seconds, and
// an invoice is often finalized and paid within one).
type Version struct {
	At   time.Time
	Rank int // 0..15
}

// Less reports whether v is older than o.
func (v Version) Less(o Version) bool {
	if !v.At.Equal(o.At) {
		return v.At.Before(o.At)
	}
	return v.Rank < o.Rank
}

// Key packs v into one integer that sorts as Less does, for a single bigint
// column: microseconds since 1970 times 16, plus the rank.
func (v Version) Key() int64 {
	return v.At.UnixMicro()*16 + int64(v.Rank&15)
}

// AccountRecord sets some of an account's fields. Vendors send partial
// updates (a HubSpot propertyChange names one property, a Segment group call
// the traits it has), so each field is ordered on its own: the store keeps a
// version per (Source, ObjectID, field) and applies a field only when this
// record's Version is newer than the one that last set it.
type AccountRecord struct {
	Meta
	// Fields maps ingestion account field names (name, plan, segment, mrr,
	// seats, owner, renewal_on, …) to values already in ingestion format:
	// dates YYYY-MM-DD, money 1234.50, counts as digits.
	Fields map[string]string
}

// Kind is KindAccount.
func (*AccountRecord) Kind() string { return KindAccount }

// ActivityRecord is one end user using one feature at one time. Activity is
// a set of (account, user, day, feature) tuples, so it needs no ordering and
// a repeated record is harmless.
type ActivityRecord struct {
	Meta
	User    string
	Feature string // "" when the event names none
	At      time.Time
}

// Kind is KindActivity.
func (*ActivityRecord) Kind() string { return KindActivity }

// TicketRecord is the state of one support ticket (a Zendesk ticket, an
// Intercom conversation) as of Version.
type TicketRecord struct {
	Meta
	OpenedAt time.Time
	// ClosedAt is when the ticket was solved or closed; nil while open. A
	// record always states it, so a reopened ticket clears it.
	ClosedAt *time.Time
	// Sentiment is positive, neutral or negative from the customer's rating,
	// or "" when this event carries no rating (the store keeps the one it has).
	Sentiment string
	// Escalated is whether the ticket is urgent or tagged as escalated, or
	// nil when this event cannot tell (the store keeps the one it has).
	Escalated *bool
	// Severity is the vendor's priority, lower case, "" when unknown.
	Severity string
}

// Kind is KindTicket.
func (*TicketRecord) Kind() string { return KindTicket }

// InvoiceRecord is the state of one invoice as of Version.
type InvoiceRecord struct {
	Meta
	// Status is open, paid, failed or void.
	Status string
	Amount Money
	// DueAt is when payment is due: the invoice's due date, or for an
	// invoice charged automatically the moment it was finalized (or created).
	DueAt time.Time
	// PaidAt is when it was paid; nil unless Status is paid.
	PaidAt *time.Time
}

// Kind is KindInvoice.
func (*InvoiceRecord) Kind() string { return KindInvoice }

// MRRRecord is one subscription's contribution to its account's MRR as of
// Version. An account's MRR is the sum over its live subscriptions, which no
// single event states: the store keeps one row per (Source, ObjectID) with
// the newest MRRRecord's Live and Monthly, and after applying one recomputes
// the account's MRR as the sum of its live rows and records it from the day
// of At.
type MRRRecord struct {
	Meta
	// Status is the vendor's subscription status (active, past_due,
	// trialing, canceled, …).
	Status string
	// Live says the subscription counts towards MRR (active or past_due).
	Live bool
	// Monthly is the subscription's recurring amount normalised to one
	// month, over every item and its quantity; zero when not Live.
	Monthly Money
	// Unpriced counts items whose monthly amount cannot be known from the
	// subscription alone (metered or tiered prices); they count as zero.
	Unpriced int
	// At is when the change took effect (the event's time).
	At time.Time
}

// Kind is KindMRR.
func (*MRRRecord) Kind() string { return KindMRR }

// ChurnRecord says the subscription ObjectID ended at EndedAt. It makes the
// account churned only when, after the MRR record of the same event is
// applied, the account has no live subscription left and had at least one
// before; a later live subscription undoes a churn the connector set.
type ChurnRecord struct {
	Meta
	EndedAt time.Time
}

// Kind is KindChurn.
func (*ChurnRecord) Kind() string { return KindChurn }

// LinkRecord says the vendor's Account.ID belongs to the account whose
// external_id is Account.External (a Stripe customer's
// metadata.healthbot_account, a Segment group call's userId and groupId).
// The store records it as a mapping that an explicit healthbot map
// overrides, then replays what was parked under Account.ID.
type LinkRecord struct {
	Meta
}

// Kind is KindLink.
func (*LinkRecord) Kind() string { return KindLink }

// Ignored is a vendor event the connector does not use. The endpoint still
// answers 2xx (a vendor retries anything else, and some disable endpoints
// that keep failing) and the sink counts it.
type Ignored struct {
	EventID string
	Type    string
	Reason  string
	// Malformed marks an event of a type the connector uses that it could
	// not read (a missing id, an unreadable amount): counted like the rest,
	// but logged, because it means data did not arrive.
	Malformed bool
}

// Batch is everything one verified delivery said.
type Batch struct {
	Source   string
	Received time.Time
	Records  []Record
	Ignored  []Ignored
}

// Add files one event's translation: its records, or when reason is set an
// ignored event of a type not used, or when err is set an unusable one.
func (b *Batch) Add(eventID, typ string, recs []Record, reason string, err error) {
	switch {
	case err != nil:
		b.Ignored = append(b.Ignored, Ignored{EventID: eventID, Type: typ, Reason: err.Error(), Malformed: true})
	case reason != "":
		b.Ignored = append(b.Ignored, Ignored{EventID: eventID, Type: typ, Reason: reason})
	default:
		b.Records = append(b.Records, recs...)
	}
}
