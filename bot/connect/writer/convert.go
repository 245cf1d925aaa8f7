package writer

import (
	"maps"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/commands/connector"
)

// events groups a delivery's records into the events they came from, in
// the order the events first appear, each record in ingestion's terms
// (dates on the organisation's calendar, day).
func events(b connect.Batch, day connect.DayFunc) []connector.Event {
	var out []connector.Event
	index := map[string]int{}
	for _, r := range b.Records {
		h := r.Head()
		i, ok := index[h.EventID]
		if !ok {
			i = len(out)
			index[h.EventID] = i
			out = append(out, connector.Event{Source: b.Source, ID: h.EventID, Type: h.Type, Received: b.Received})
		}
		out[i].Records = append(out[i].Records, record(r, day))
	}
	return out
}

// record is one connect record as the store applies it.
func record(r connect.Record, day connect.DayFunc) connector.Record {
	h := r.Head()
	out := connector.Record{Object: h.ObjectID, Version: h.Version.Key(), At: h.Version.At,
		Account: connector.AccountKey{ID: h.Account.ID, External: h.Account.External}}
	switch x := r.(type) {
	case *connect.AccountRecord:
		out.Kind, out.Fields = connector.KindAccount, maps.Clone(x.Fields)
	case *connect.ActivityRecord:
		out.Kind, out.Fields = connector.KindActivity, x.IngestFields("")
	case *connect.TicketRecord:
		out.Kind, out.Fields = connector.KindTicket, x.IngestFields("")
	case *connect.InvoiceRecord:
		out.Kind, out.Fields = connector.KindInvoice, x.IngestFields("", day)
	case *connect.MRRRecord:
		out.Kind, out.At = connector.KindSubscription, x.At
		out.Subscription = &connector.Subscription{Status: x.Status, Live: x.Live, MonthlyCents: x.Monthly.Cents, Currency: x.Monthly.Currency}
	case *connect.ChurnRecord:
		out.Kind, out.EndedAt = connector.KindChurn, x.EndedAt
	case *connect.LinkRecord:
		out.Kind = connector.KindLink
	}
	// The store names the account; an empty placeholder is not a field.
	delete(out.Fields, "account")
	return out
}
