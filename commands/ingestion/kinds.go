package ingestion

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/models"
)

// Record kinds accepted by ingestion (CSV import, the HTTP API).
const (
	KindAccounts = "accounts"
	KindActivity = "activity"
	KindTickets  = "tickets"
	KindTouches  = "touches"
	KindSurveys  = "surveys"
	KindInvoices = "invoices"
	KindMRR      = "mrr"
	KindMetrics  = "metrics"
)

// kindTable is every record kind, one row each, in the order a fresh
// installation loads them (accounts first: the others refer to them).
// Adding a kind is a row here and its sink: the parse that validates a
// record into a row, and the models write that stores a chunk of rows.
// Field length limits follow the column sizes in models.go, so PostgreSQL
// never sees a value too long for its column.
var kindTable = []kindSpec{
	{
		name: KindAccounts,
		fields: []string{"external_id", "name", "slug", "plan", "segment", "mrr", "seats", "owner", "started_on",
			"renewal_on", "first_value_on", "churned_on", "sponsor_name", "sponsor_title", "sponsor_status", "channel"},
		required: []string{"external_id", "name"},
		newSink:  newAccountSink,
	},
	{
		name:      KindActivity,
		fields:    []string{"account", "user", "day", "at", "feature"},
		required:  []string{"account", "user"},
		needOneOf: &[2]string{"day", "at"},
		newSink:   newActivitySink,
	},
	{
		name:     KindTickets,
		fields:   []string{"external_id", "account", "opened_at", "closed_at", "sentiment", "escalated", "severity"},
		required: []string{"external_id", "account", "opened_at"},
		newSink:  newTicketSink,
	},
	{
		name:     KindTouches,
		fields:   []string{"account", "at", "kind", "exec", "note", "by"},
		required: []string{"account", "at", "kind"},
		newSink:  newTouchSink,
	},
	{
		name:     KindSurveys,
		fields:   []string{"account", "kind", "score", "at", "respondent"},
		required: []string{"account", "kind", "score", "at"},
		newSink:  newSurveySink,
	},
	{
		name:     KindInvoices,
		fields:   []string{"external_id", "account", "amount", "due_on", "paid_on", "status"},
		required: []string{"external_id", "account", "amount", "due_on", "status"},
		newSink:  newInvoiceSink,
	},
	{
		name:     KindMRR,
		fields:   []string{"account", "effective_on", "mrr"},
		required: []string{"account", "effective_on", "mrr"},
		newSink:  newMRRSink,
	},
	{
		name:      KindMetrics,
		fields:    []string{"account", "name", "day", "at", "value"},
		required:  []string{"account", "name", "value"},
		needOneOf: &[2]string{"day", "at"},
		newSink:   newMetricSink,
	},
}

// Kinds lists every ingestible record kind, in kindTable's order.
var Kinds = func() []string {
	out := make([]string, len(kindTable))
	for i, k := range kindTable {
		out[i] = k.name
	}
	return out
}()

// kindSpecs finds a kind's row by its name.
var kindSpecs = func() map[string]kindSpec {
	out := make(map[string]kindSpec, len(kindTable))
	for _, k := range kindTable {
		out[k.name] = k
	}
	return out
}()

func newActivitySink(b *batch) sink {
	return &rowSink[models.Activity]{b: b,
		parse: func(p *fieldParser) (models.Activity, string) {
			a := models.Activity{UserID: p.need("user", 128), Feature: p.str("feature", 128)}
			account := p.need("account", 128)
			a.Day = p.dayOrAt(b.dayOf)
			return a, account
		},
		setAccount: func(a *models.Activity, id uint) { a.AccountID = id },
		order:      models.SortActivity,
		write:      (*models.Store).InsertActivity,
		chunk:      models.ActivityChunk,
	}
}

func newTouchSink(b *batch) sink {
	return &rowSink[models.Touch]{b: b,
		parse: func(p *fieldParser) (models.Touch, string) {
			account := p.need("account", 128)
			return models.Touch{
				At: p.needPastTime("at"), Kind: p.enum("kind", true, models.TouchKinds...), Exec: p.boolean("exec"),
				Note: p.str("note", 2000), By: p.str("by", 128),
			}, account
		},
		key: func(t models.Touch, account string) string {
			return fmt.Sprintf("%s|%d|%s|%s", account, t.At.UnixMicro(), t.Kind, t.By)
		},
		dupField:   "at",
		dupWhat:    "same account, at, kind and by",
		setAccount: func(t *models.Touch, id uint) { t.AccountID = id },
		write:      (*models.Store).UpsertTouches,
	}
}

func newSurveySink(b *batch) sink {
	return &rowSink[models.Survey]{b: b,
		parse: func(p *fieldParser) (models.Survey, string) {
			account := p.need("account", 128)
			v := models.Survey{Kind: p.enum("kind", true, "nps", "csat"), At: p.needPastTime("at"), Respondent: p.str("respondent", 256)}
			switch v.Kind {
			case "nps":
				v.Score = p.integer("score", 0, 10, true)
			case "csat":
				v.Score = p.integer("score", 1, 5, true)
			}
			return v, account
		},
		key: func(v models.Survey, account string) string {
			return fmt.Sprintf("%s|%s|%d|%s", account, v.Kind, v.At.UnixMicro(), v.Respondent)
		},
		dupField:   "at",
		dupWhat:    "same account, kind, at and respondent",
		setAccount: func(v *models.Survey, id uint) { v.AccountID = id },
		write:      (*models.Store).UpsertSurveys,
	}
}

func newMRRSink(b *batch) sink {
	return &rowSink[models.MRRChange]{b: b,
		parse: func(p *fieldParser) (models.MRRChange, string) {
			account := p.need("account", 128)
			return models.MRRChange{EffectiveOn: p.needDate("effective_on"), MRRCents: p.money("mrr", true)}, account
		},
		key:        func(m models.MRRChange, account string) string { return account + "|" + m.EffectiveOn },
		dupField:   "effective_on",
		dupWhat:    "same account and effective_on",
		setAccount: func(m *models.MRRChange, id uint) { m.AccountID = id },
		write:      (*models.Store).UpsertMRR,
	}
}

func newMetricSink(b *batch) sink {
	return &rowSink[models.Metric]{b: b,
		parse: func(p *fieldParser) (models.Metric, string) {
			account := p.need("account", 128)
			m := models.Metric{Name: p.need("name", 128), Value: p.number("value")}
			m.Day = p.dayOrAt(b.dayOf)
			return m, account
		},
		key:        func(m models.Metric, account string) string { return account + "|" + m.Name + "|" + m.Day },
		dupField:   "day",
		dupWhat:    "same account, name and day",
		setAccount: func(m *models.Metric, id uint) { m.AccountID = id },
		write:      (*models.Store).UpsertMetrics,
	}
}

func newTicketSink(b *batch) sink {
	return &rowSink[models.Ticket]{b: b,
		parse: func(p *fieldParser) (models.Ticket, string) {
			t := models.Ticket{ExternalID: p.need("external_id", 128), OpenedAt: p.needPastTime("opened_at"),
				ClosedAt: p.pastTime("closed_at"), Sentiment: p.enum("sentiment", false, "positive", "neutral", "negative"),
				Escalated: p.boolean("escalated"), Severity: p.str("severity", 32)}
			if t.ClosedAt != nil && t.ClosedAt.Before(t.OpenedAt) {
				p.fail("closed_at", "is before opened_at")
			}
			return t, p.need("account", 128)
		},
		key:        func(t models.Ticket, _ string) string { return t.ExternalID },
		dupField:   "external_id",
		dupWhat:    "same external_id",
		setAccount: func(t *models.Ticket, id uint) { t.AccountID = id },
		merge: func(ctx context.Context, s *rowSink[models.Ticket], chunk []pending[models.Ticket]) error {
			return mergeStored(ctx, chunk, s.b.tx.TicketsByExternalID, func(t models.Ticket) string { return t.ExternalID },
				func(row *models.Ticket, old models.Ticket, has func(string) bool) {
					if !has("closed_at") {
						row.ClosedAt = old.ClosedAt
					}
					if !has("sentiment") {
						row.Sentiment = old.Sentiment
					}
					if !has("escalated") {
						row.Escalated = old.Escalated
					}
					if !has("severity") {
						row.Severity = old.Severity
					}
				})
		},
		write: (*models.Store).UpsertTickets,
	}
}

func newInvoiceSink(b *batch) sink {
	return &rowSink[models.Invoice]{b: b,
		parse: func(p *fieldParser) (models.Invoice, string) {
			return models.Invoice{ExternalID: p.need("external_id", 128), AmountCents: p.money("amount", true),
				DueOn: p.needDate("due_on"), PaidOn: p.pastDate("paid_on"),
				Status: p.enum("status", true, "open", "paid", "failed", "void")}, p.need("account", 128)
		},
		key:        func(i models.Invoice, _ string) string { return i.ExternalID },
		dupField:   "external_id",
		dupWhat:    "same external_id",
		setAccount: func(i *models.Invoice, id uint) { i.AccountID = id },
		merge: func(ctx context.Context, s *rowSink[models.Invoice], chunk []pending[models.Invoice]) error {
			return mergeStored(ctx, chunk, s.b.tx.InvoicesByExternalID, func(i models.Invoice) string { return i.ExternalID },
				func(row *models.Invoice, old models.Invoice, has func(string) bool) {
					if !has("paid_on") {
						row.PaidOn = old.PaidOn
					}
				})
		},
		write: (*models.Store).UpsertInvoices,
	}
}

// mergeStored fills the optional fields a record did not carry from the
// stored row with the same external id, so a partial record updates only
// what it names.
func mergeStored[T any](ctx context.Context, chunk []pending[T],
	load func(context.Context, []string) (map[string]T, error), key func(T) string,
	keep func(row *T, old T, has func(string) bool)) error {
	ids := make([]string, len(chunk))
	for i, p := range chunk {
		ids[i] = key(p.row)
	}
	stored, err := load(ctx, ids)
	if err != nil {
		return err
	}
	for i := range chunk {
		if old, ok := stored[key(chunk[i].row)]; ok {
			fields := chunk[i].fields
			keep(&chunk[i].row, old, func(f string) bool { _, ok := fields[f]; return ok })
		}
	}
	return nil
}
