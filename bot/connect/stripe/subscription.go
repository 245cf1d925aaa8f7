package stripe

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
)

// subscription is the part of a Stripe subscription read here.
type subscription struct {
	ID         string            `json:"id"`
	Customer   *customer         `json:"customer"`
	Status     string            `json:"status"`
	Currency   string            `json:"currency"`
	Metadata   map[string]string `json:"metadata"`
	EndedAt    *int64            `json:"ended_at"`
	CanceledAt *int64            `json:"canceled_at"`
	Items      struct {
		Data []item `json:"data"`
	} `json:"items"`
}

// item is one subscription item: a price (or, in subscriptions created
// before prices existed, a plan) times a quantity.
type item struct {
	Quantity *int64 `json:"quantity"`
	Price    *price `json:"price"`
	Plan     *price `json:"plan"`
}

// price reads both a Price (unit_amount, recurring.interval) and a legacy
// Plan (amount, interval at the top).
type price struct {
	Currency          string  `json:"currency"`
	BillingScheme     string  `json:"billing_scheme"`
	UnitAmount        *int64  `json:"unit_amount"`
	UnitAmountDecimal *string `json:"unit_amount_decimal"`
	Amount            *int64  `json:"amount"`
	AmountDecimal     *string `json:"amount_decimal"`
	Recurring         *struct {
		Interval      string `json:"interval"`
		IntervalCount int64  `json:"interval_count"`
		UsageType     string `json:"usage_type"`
	} `json:"recurring"`
	Interval      string `json:"interval"`
	IntervalCount int64  `json:"interval_count"`
	UsageType     string `json:"usage_type"`
}

// perMonth is how many of each billing interval make a month, on average
// over a year: 365 days or 52 weeks to 12 months.
var perMonth = map[string]*big.Rat{
	"day": big.NewRat(365, 12), "week": big.NewRat(52, 12), "month": big.NewRat(1, 1), "year": big.NewRat(1, 12),
}

// errUnpriced marks an item whose recurring amount depends on usage.
var errUnpriced = errors.New("metered or tiered price")

// monthly is the item's amount per month in minor units.
func (it item) monthly() (*big.Rat, error) {
	p := it.Price
	if p == nil {
		p = it.Plan
	}
	if p == nil {
		return nil, errors.New("item has neither price nor plan")
	}
	interval, count, usage := p.Interval, p.IntervalCount, p.UsageType
	if p.Recurring != nil {
		interval, count, usage = p.Recurring.Interval, p.Recurring.IntervalCount, p.Recurring.UsageType
	}
	if usage == "metered" || p.BillingScheme == "tiered" {
		return nil, errUnpriced
	}
	unit := new(big.Rat)
	switch {
	case p.UnitAmountDecimal != nil:
		if _, ok := unit.SetString(*p.UnitAmountDecimal); !ok {
			return nil, fmt.Errorf("unit_amount_decimal %q is not a number", *p.UnitAmountDecimal)
		}
	case p.UnitAmount != nil:
		unit.SetInt64(*p.UnitAmount)
	case p.AmountDecimal != nil:
		if _, ok := unit.SetString(*p.AmountDecimal); !ok {
			return nil, fmt.Errorf("amount_decimal %q is not a number", *p.AmountDecimal)
		}
	case p.Amount != nil:
		unit.SetInt64(*p.Amount)
	default:
		return nil, errUnpriced
	}
	f, ok := perMonth[interval]
	if !ok {
		return nil, fmt.Errorf("billing interval %q unknown", interval)
	}
	if count < 1 {
		count = 1
	}
	q := int64(1)
	if it.Quantity != nil {
		q = *it.Quantity
	}
	m := new(big.Rat).Mul(unit, big.NewRat(q, 1))
	m.Mul(m, f)
	return m.Quo(m, big.NewRat(count, 1)), nil
}

// live says a subscription in this status is being paid for: past_due is
// still owed and retried; trialing has not paid yet, and the rest have
// stopped or never started.
func live(status string) bool { return status == "active" || status == "past_due" }

// records are the MRR record for a subscription event, and for
// customer.subscription.deleted the churn record too.
func (sub *subscription) records(meta connect.Meta, typ string, at time.Time) ([]connect.Record, string, error) {
	if sub.ID == "" {
		return nil, "", errors.New("subscription has no id")
	}
	if sub.Customer == nil || sub.Customer.ID == "" {
		return nil, "", fmt.Errorf("subscription %s has no customer", sub.ID)
	}
	rank := 1
	switch typ {
	case "customer.subscription.created":
		rank = 0
	case "customer.subscription.deleted":
		rank = 2
	}
	meta.ObjectID, meta.Version = sub.ID, connect.Version{At: at, Rank: rank}
	meta.Account = accountKey(sub.Customer, sub.Metadata)
	rec := &connect.MRRRecord{Meta: meta, Status: sub.Status, Live: live(sub.Status), At: at}
	total := new(big.Rat)
	currency := sub.Currency
	for _, it := range sub.Items.Data {
		m, err := it.monthly()
		if errors.Is(err, errUnpriced) {
			rec.Unpriced++
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("subscription %s: %w", sub.ID, err)
		}
		total.Add(total, m)
		if currency == "" && it.Price != nil {
			currency = it.Price.Currency
		}
	}
	if !rec.Live {
		total.SetInt64(0)
	}
	monthly, err := connect.FromMinor(total, currency)
	if err != nil {
		return nil, "", fmt.Errorf("subscription %s: %w", sub.ID, err)
	}
	rec.Monthly = monthly
	if typ != "customer.subscription.deleted" {
		return []connect.Record{rec}, "", nil
	}
	ended := at
	if t := unixTime(sub.EndedAt); t != nil {
		ended = *t
	} else if t := unixTime(sub.CanceledAt); t != nil {
		ended = *t
	}
	rec.At = ended
	return []connect.Record{rec, &connect.ChurnRecord{Meta: meta, EndedAt: ended}}, "", nil
}
