// Package connector is the store side of the webhook connectors (Stripe,
// Segment, Zendesk, HubSpot, Intercom): it applies their events, already
// verified and translated into Records, to the database.
//
// For each event it
//   - applies it once: (source, event id) is claimed in the database, so a
//     retried delivery, on any replica, changes nothing;
//   - finds its account: an explicit mapping of the vendor's id (healthbot
//     map), else the account whose external_id the vendor names; failing
//     both, the event is parked under the vendor's id and replayed when a
//     mapping appears, never dropped;
//   - never goes backwards: an invoice, ticket, subscription, link or
//     account field is changed only by a version newer than the one that
//     last changed it;
//   - writes through commands/ingestion, the validated write path every
//     source of records shares, in the caller's transaction, so an event's
//     records are written together or not at all.
//
// Apply takes many events at once (a writer's group commit): one
// transaction, a constant number of statements per record kind. A record
// that ingestion refuses rejects its event alone; the rest are applied.
package connector

import (
	"time"
)

// Sources are the connectors' names, as events, mappings and metrics
// carry them.
var Sources = []string{"stripe", "segment", "zendesk", "hubspot", "intercom"}

// Record kinds. The first four are ingestion kinds and carry its fields.
const (
	KindAccount      = "accounts"     // some fields of an account
	KindActivity     = "activity"     // one user active on one day
	KindTicket       = "tickets"      // a ticket's state
	KindInvoice      = "invoices"     // an invoice's state
	KindSubscription = "subscription" // a subscription's share of MRR
	KindChurn        = "churn"        // the subscription of the event ended
	KindLink         = "link"         // Account.ID belongs to the account External names
)

// Results of an event, as metrics count them.
const (
	ResultWritten   = "written"   // applied (at least one of its records changed something, or could have)
	ResultDuplicate = "duplicate" // taken in before: a retried delivery
	ResultIgnored   = "ignored"   // every record older than what is stored
	ResultParked    = "parked"    // its account is not known yet
	ResultRejected  = "rejected"  // a record failed validation: nothing of it was written
)

// Results lists every result, for metrics.
var Results = []string{ResultWritten, ResultDuplicate, ResultIgnored, ResultParked, ResultRejected}

// Event is one vendor event: its records are applied together, once.
type Event struct {
	Source   string
	ID       string // unique within Source
	Type     string // the vendor's event type, for metrics and the unmapped list
	Received time.Time
	Records  []Record
}

// AccountKey is an account as a vendor knows it: its own id for the
// customer (ID) and, when it states one, the account's external_id.
type AccountKey struct {
	ID       string
	External string
}

// Record is one fact an event states.
type Record struct {
	Kind string
	// Object is the vendor object the record describes (an invoice,
	// ticket, subscription, company); Version orders its states, newer
	// greater. Activity is a set and needs neither.
	Object  string
	Version int64
	// At is when the state held: refused when more than a day ahead of
	// today; for a subscription, the day its MRR takes effect.
	At      time.Time
	Account AccountKey
	// Fields are the ingestion fields of Kind (accounts, activity, tickets,
	// invoices) in ingestion's text format, without the account, which the
	// store fills in once it has found it.
	Fields map[string]string
	// Subscription is the state of a KindSubscription record.
	Subscription *Subscription
	// EndedAt is when a KindChurn record's subscription ended.
	EndedAt time.Time
}

// Subscription is a subscription's state as it counts towards MRR.
type Subscription struct {
	Status       string
	Live         bool  // counts towards MRR
	MonthlyCents int64 // normalised to a month; 0 unless Live
	Currency     string
}

// Outcome is what became of one event.
type Outcome struct {
	Source, ID, Type string
	Result           string // one of Results
	Reason           string // why it was rejected, parked or ignored
	Received         time.Time
	// Account is the account a written event's records went to (0 when
	// it created the account, or was not written).
	Account uint
}

// Report is what an Apply or a Map did.
type Report struct {
	// Outcomes has one entry per event given to Apply, in order.
	Outcomes []Outcome
	// Replayed are the parked events a new mapping let through (written,
	// ignored, parked again under another id, or rejected).
	Replayed []Outcome
	// Accounts lists the accounts whose records changed, ascending: what
	// needs rescoring.
	Accounts []uint
}

// ReplayedWritten counts the replayed events that were applied.
func (r Report) ReplayedWritten() int {
	n := 0
	for _, o := range r.Replayed {
		if o.Result == ResultWritten || o.Result == ResultIgnored {
			n++
		}
	}
	return n
}
