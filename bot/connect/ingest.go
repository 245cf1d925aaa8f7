package connect

import "time"

// DayFunc is the organisation's calendar: the day (YYYY-MM-DD) a moment
// falls on in its time zone. The store supplies it; records carry times.
type DayFunc func(time.Time) string

// IngestFields renders the record as an ingestion activity record for the
// account with external id account.
func (r *ActivityRecord) IngestFields(account string) map[string]string {
	return map[string]string{"account": account, "user": r.User, "feature": r.Feature, "at": r.At.UTC().Format(time.RFC3339Nano)}
}

// TicketExternalID is the ticket's external_id in healthbot: the source
// and its id, since Zendesk and Intercom both number from 1.
func (r *TicketRecord) TicketExternalID() string { return r.Source + ":" + r.ObjectID }

// IngestFields renders the record as an ingestion ticket record for the
// account with external id account. closed_at is always present (empty
// while open) so a reopened ticket is reopened; sentiment and escalated only
// when the event told, so the stored value stays otherwise.
func (r *TicketRecord) IngestFields(account string) map[string]string {
	f := map[string]string{"external_id": r.TicketExternalID(), "account": account,
		"opened_at": r.OpenedAt.UTC().Format(time.RFC3339Nano), "closed_at": ""}
	if r.ClosedAt != nil {
		f["closed_at"] = r.ClosedAt.UTC().Format(time.RFC3339Nano)
	}
	if r.Sentiment != "" {
		f["sentiment"] = r.Sentiment
	}
	if r.Escalated != nil {
		f["escalated"] = "false"
		if *r.Escalated {
			f["escalated"] = "true"
		}
	}
	if r.Severity != "" {
		f["severity"] = r.Severity
	}
	return f
}

// IngestFields renders the record as an ingestion invoice record for the
// account with external id account, dates on day's calendar. paid_on is
// always present (empty unless paid) so a record never leaves a stale one.
func (r *InvoiceRecord) IngestFields(account string, day DayFunc) map[string]string {
	f := map[string]string{"external_id": r.ObjectID, "account": account, "amount": r.Amount.String(),
		"due_on": day(r.DueAt), "paid_on": "", "status": r.Status}
	if r.PaidAt != nil {
		f["paid_on"] = day(*r.PaidAt)
	}
	return f
}
