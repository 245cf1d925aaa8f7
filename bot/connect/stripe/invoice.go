package stripe

import (
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
)

// invoice is the part of a Stripe invoice read here. Where a field moved
// between API versions both places are read: basil (2025-03-31) moved the
// subscription's details under parent.subscription_details.
type invoice struct {
	ID                  string            `json:"id"`
	Customer            *customer         `json:"customer"`
	Status              string            `json:"status"`
	Currency            string            `json:"currency"`
	AmountDue           *int64            `json:"amount_due"`
	Created             int64             `json:"created"`
	DueDate             *int64            `json:"due_date"`
	Metadata            map[string]string `json:"metadata"`
	SubscriptionDetails *struct {
		Metadata map[string]string `json:"metadata"`
	} `json:"subscription_details"`
	Parent *struct {
		SubscriptionDetails *struct {
			Metadata map[string]string `json:"metadata"`
		} `json:"subscription_details"`
	} `json:"parent"`
	StatusTransitions struct {
		FinalizedAt *int64 `json:"finalized_at"`
		PaidAt      *int64 `json:"paid_at"`
	} `json:"status_transitions"`
}

// subscriptionMetadata is the metadata of the subscription the invoice
// bills, wherever the API version put it.
func (inv *invoice) subscriptionMetadata() map[string]string {
	if inv.Parent != nil && inv.Parent.SubscriptionDetails != nil {
		return inv.Parent.SubscriptionDetails.Metadata
	}
	if inv.SubscriptionDetails != nil {
		return inv.SubscriptionDetails.Metadata
	}
	return nil
}

// status maps the event (and for created or finalized, the invoice's own
// status at the time) to healthbot's open, paid, failed or void. An
// uncollectible invoice is a payment that failed for good, so failed.
func (inv *invoice) status(typ string) string {
	switch typ {
	case "invoice.paid":
		return "paid"
	case "invoice.payment_failed", "invoice.marked_uncollectible":
		return "failed"
	case "invoice.voided":
		return "void"
	}
	switch inv.Status {
	case "paid":
		return "paid"
	case "void":
		return "void"
	case "uncollectible":
		return "failed"
	}
	return "open" // draft or open: the customer will owe it
}

// record is the invoice's state as of the event.
func (inv *invoice) record(meta connect.Meta, typ string, v connect.Version) (*connect.InvoiceRecord, error) {
	if inv.ID == "" {
		return nil, errors.New("invoice has no id")
	}
	if inv.Customer == nil || inv.Customer.ID == "" {
		return nil, fmt.Errorf("invoice %s has no customer", inv.ID)
	}
	if inv.AmountDue == nil || inv.Currency == "" {
		return nil, fmt.Errorf("invoice %s has no amount_due or currency", inv.ID)
	}
	amount, err := connect.FromMinorInt(*inv.AmountDue, inv.Currency)
	if err != nil {
		return nil, fmt.Errorf("invoice %s amount_due: %w", inv.ID, err)
	}
	meta.ObjectID, meta.Version = inv.ID, v
	meta.Account = accountKey(inv.Customer, inv.Metadata, inv.subscriptionMetadata())
	rec := &connect.InvoiceRecord{Meta: meta, Status: inv.status(typ), Amount: amount}
	// An invoice charged automatically has no due date: it is due when it
	// is finalized and Stripe attempts payment.
	switch {
	case unixTime(inv.DueDate) != nil:
		rec.DueAt = *unixTime(inv.DueDate)
	case unixTime(inv.StatusTransitions.FinalizedAt) != nil:
		rec.DueAt = *unixTime(inv.StatusTransitions.FinalizedAt)
	default:
		rec.DueAt = time.Unix(inv.Created, 0).UTC()
	}
	if rec.Status == "paid" {
		rec.PaidAt = unixTime(inv.StatusTransitions.PaidAt)
		if rec.PaidAt == nil {
			at := v.At
			rec.PaidAt = &at
		}
	}
	return rec, nil
}
