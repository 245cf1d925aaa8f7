package models

import (
	"context"
	"fmt"
	"time"
)

// The Upsert methods below share one shape: load the stored rows with the
// same keys, drop the rows that would change nothing, and write the rest in
// multi-row INSERT … ON CONFLICT DO UPDATE statements. Comparing in Go gives
// exact inserted / updated / unchanged counts on SQLite and PostgreSQL alike
// (neither RowsAffected nor RETURNING can tell an insert from an update on
// both). Call them inside Store.WithTx so the comparison and the write see the
// same data. Rows repeating a key within one call keep the last one; the
// earlier ones count as unchanged.

// UpsertAccounts inserts or updates accounts by external id. Every column of
// a given row is written, so callers merge partial updates first.
func (s *Store) UpsertAccounts(ctx context.Context, rows []Account) (Counts, error) {
	rows, dups := lastPerKey(rows, func(a Account) string { return a.ExternalID })
	existing, err := s.AccountsByExternalID(ctx, keysOf(rows, func(a Account) string { return a.ExternalID }))
	if err != nil {
		return Counts{}, fmt.Errorf("upsert accounts: %w", err)
	}
	c := Counts{Unchanged: dups}
	var write []Account
	var changed []string
	for _, r := range rows {
		r.ID, r.CreatedAt, r.UpdatedAt = 0, time.Time{}, time.Time{}
		if e, ok := existing[r.ExternalID]; ok {
			if sameAccount(e, r) {
				c.Unchanged++
				continue
			}
			c.Updated++
		} else {
			c.Inserted++
		}
		write = append(write, r)
		changed = append(changed, r.ExternalID)
	}
	if _, err := insertChunks(ctx, s.db, write, upsertOn([]string{"external_id"},
		"name", "slug", "plan", "segment", "mrr_cents", "seats", "owner", "started_on", "renewal_on",
		"first_value_on", "churned_on", "sponsor_name", "sponsor_title", "sponsor_status", "channel", "updated_at")); err != nil {
		return Counts{}, fmt.Errorf("upsert accounts: %w", err)
	}
	ids, err := s.AccountIDsByExternalID(ctx, changed)
	if err != nil {
		return Counts{}, fmt.Errorf("upsert accounts: %w", err)
	}
	for _, id := range ids {
		c.Changed = append(c.Changed, id)
	}
	return c, nil
}

func sameAccount(a, b Account) bool {
	return a.Name == b.Name && a.Slug == b.Slug && a.Plan == b.Plan && a.Segment == b.Segment &&
		a.MRRCents == b.MRRCents && a.Seats == b.Seats && a.Owner == b.Owner &&
		sameStringPtr(a.StartedOn, b.StartedOn) && sameStringPtr(a.RenewalOn, b.RenewalOn) &&
		sameStringPtr(a.FirstValueOn, b.FirstValueOn) && sameStringPtr(a.ChurnedOn, b.ChurnedOn) &&
		a.SponsorName == b.SponsorName && a.SponsorTitle == b.SponsorTitle &&
		a.SponsorStatus == b.SponsorStatus && a.Channel == b.Channel
}

// UpsertTickets inserts or updates tickets by external id; OpenedDay is
// filled from OpenedAt in the organisation's time zone.
func (s *Store) UpsertTickets(ctx context.Context, rows []Ticket) (Counts, error) {
	rows, dups := lastPerKey(rows, func(t Ticket) string { return t.ExternalID })
	existing, err := s.TicketsByExternalID(ctx, keysOf(rows, func(t Ticket) string { return t.ExternalID }))
	if err != nil {
		return Counts{}, fmt.Errorf("upsert tickets: %w", err)
	}
	c := Counts{Unchanged: dups}
	var write []Ticket
	for _, r := range rows {
		r.ID = 0
		r.OpenedAt = canonicalTime(r.OpenedAt)
		r.ClosedAt = canonicalTimePtr(r.ClosedAt)
		r.OpenedDay = s.DayOf(r.OpenedAt)
		if e, ok := existing[r.ExternalID]; ok {
			if e.AccountID == r.AccountID && e.OpenedAt.Equal(r.OpenedAt) && e.OpenedDay == r.OpenedDay &&
				sameTimePtr(e.ClosedAt, r.ClosedAt) && e.Sentiment == r.Sentiment &&
				e.Escalated == r.Escalated && e.Severity == r.Severity {
				c.Unchanged++
				continue
			}
			c.Updated++
			c.Changed = append(c.Changed, e.AccountID)
		} else {
			c.Inserted++
		}
		write = append(write, r)
		c.Changed = append(c.Changed, r.AccountID)
	}
	if _, err := insertChunks(ctx, s.db, write, upsertOn([]string{"external_id"},
		"account_id", "opened_at", "opened_day", "closed_at", "sentiment", "escalated", "severity")); err != nil {
		return Counts{}, fmt.Errorf("upsert tickets: %w", err)
	}
	c.Changed = uniqueIDs(c.Changed)
	return c, nil
}

// UpsertInvoices inserts or updates invoices by external id.
func (s *Store) UpsertInvoices(ctx context.Context, rows []Invoice) (Counts, error) {
	rows, dups := lastPerKey(rows, func(i Invoice) string { return i.ExternalID })
	existing, err := s.InvoicesByExternalID(ctx, keysOf(rows, func(i Invoice) string { return i.ExternalID }))
	if err != nil {
		return Counts{}, fmt.Errorf("upsert invoices: %w", err)
	}
	c := Counts{Unchanged: dups}
	var write []Invoice
	for _, r := range rows {
		r.ID = 0
		if e, ok := existing[r.ExternalID]; ok {
			if e.AccountID == r.AccountID && e.AmountCents == r.AmountCents && e.DueOn == r.DueOn &&
				sameStringPtr(e.PaidOn, r.PaidOn) && e.Status == r.Status {
				c.Unchanged++
				continue
			}
			c.Updated++
			c.Changed = append(c.Changed, e.AccountID)
		} else {
			c.Inserted++
		}
		write = append(write, r)
		c.Changed = append(c.Changed, r.AccountID)
	}
	if _, err := insertChunks(ctx, s.db, write, upsertOn([]string{"external_id"},
		"account_id", "amount_cents", "due_on", "paid_on", "status")); err != nil {
		return Counts{}, fmt.Errorf("upsert invoices: %w", err)
	}
	c.Changed = uniqueIDs(c.Changed)
	return c, nil
}

// UpsertTouches stores touches, idempotent by (account, at, kind, by); a
// re-sent touch with a new note or exec flag updates it. Day is filled
// from At.
func (s *Store) UpsertTouches(ctx context.Context, rows []Touch) (Counts, error) {
	for i := range rows {
		rows[i].ID = 0
		rows[i].At = canonicalTime(rows[i].At)
		rows[i].Day = s.DayOf(rows[i].At)
	}
	key := func(t Touch) string { return fmt.Sprintf("%d|%d|%s|%s", t.AccountID, t.At.UnixMicro(), t.Kind, t.By) }
	rows, dups := lastPerKey(rows, key)
	var existing []Touch
	if err := findByKey(ctx, s, &existing, rows, touchKey); err != nil {
		return Counts{}, fmt.Errorf("upsert touches: %w", err)
	}
	old := make(map[string]Touch, len(existing))
	for _, e := range existing {
		old[key(e)] = e
	}
	c := Counts{Unchanged: dups}
	var write []Touch
	for _, r := range rows {
		if e, ok := old[key(r)]; ok {
			if e.Day == r.Day && e.Exec == r.Exec && e.Note == r.Note {
				c.Unchanged++
				continue
			}
			c.Updated++
		} else {
			c.Inserted++
		}
		write = append(write, r)
		c.Changed = append(c.Changed, r.AccountID)
	}
	if _, err := insertChunks(ctx, s.db, write, upsertOn([]string{"account_id", "at", "kind", "by"}, "day", "exec", "note")); err != nil {
		return Counts{}, fmt.Errorf("upsert touches: %w", err)
	}
	c.Changed = uniqueIDs(c.Changed)
	return c, nil
}

// UpsertSurveys stores survey responses, idempotent by (account, kind, at,
// respondent); a re-sent response with another score updates it. Day is
// filled from At.
func (s *Store) UpsertSurveys(ctx context.Context, rows []Survey) (Counts, error) {
	for i := range rows {
		rows[i].ID = 0
		rows[i].At = canonicalTime(rows[i].At)
		rows[i].Day = s.DayOf(rows[i].At)
	}
	key := func(v Survey) string {
		return fmt.Sprintf("%d|%s|%d|%s", v.AccountID, v.Kind, v.At.UnixMicro(), v.Respondent)
	}
	rows, dups := lastPerKey(rows, key)
	var existing []Survey
	if err := findByKey(ctx, s, &existing, rows, surveyKey); err != nil {
		return Counts{}, fmt.Errorf("upsert surveys: %w", err)
	}
	old := make(map[string]Survey, len(existing))
	for _, e := range existing {
		old[key(e)] = e
	}
	c := Counts{Unchanged: dups}
	var write []Survey
	for _, r := range rows {
		if e, ok := old[key(r)]; ok {
			if e.Day == r.Day && e.Score == r.Score {
				c.Unchanged++
				continue
			}
			c.Updated++
		} else {
			c.Inserted++
		}
		write = append(write, r)
		c.Changed = append(c.Changed, r.AccountID)
	}
	if _, err := insertChunks(ctx, s.db, write, upsertOn([]string{"account_id", "kind", "at", "respondent"}, "day", "score")); err != nil {
		return Counts{}, fmt.Errorf("upsert surveys: %w", err)
	}
	c.Changed = uniqueIDs(c.Changed)
	return c, nil
}

// UpsertMRR stores MRR changes, idempotent by (account, effective day); a
// re-sent day with another amount updates it.
func (s *Store) UpsertMRR(ctx context.Context, rows []MRRChange) (Counts, error) {
	key := func(m MRRChange) string { return fmt.Sprintf("%d|%s", m.AccountID, m.EffectiveOn) }
	rows, dups := lastPerKey(rows, key)
	for i := range rows {
		rows[i].ID = 0
	}
	var existing []MRRChange
	if err := findByKey(ctx, s, &existing, rows, mrrKey); err != nil {
		return Counts{}, fmt.Errorf("upsert mrr: %w", err)
	}
	old := make(map[string]MRRChange, len(existing))
	for _, e := range existing {
		old[key(e)] = e
	}
	c := Counts{Unchanged: dups}
	var write []MRRChange
	for _, r := range rows {
		if e, ok := old[key(r)]; ok {
			if e.MRRCents == r.MRRCents {
				c.Unchanged++
				continue
			}
			c.Updated++
		} else {
			c.Inserted++
		}
		write = append(write, r)
		c.Changed = append(c.Changed, r.AccountID)
	}
	if _, err := insertChunks(ctx, s.db, write, upsertOn([]string{"account_id", "effective_on"}, "mrr_cents")); err != nil {
		return Counts{}, fmt.Errorf("upsert mrr: %w", err)
	}
	c.Changed = uniqueIDs(c.Changed)
	return c, nil
}

// lastPerKey drops rows whose key appears again later, keeping order, and
// says how many it dropped.
func lastPerKey[T any](rows []T, key func(T) string) ([]T, int) {
	last := make(map[string]int, len(rows))
	for i, r := range rows {
		last[key(r)] = i
	}
	if len(last) == len(rows) {
		return rows, 0
	}
	out := make([]T, 0, len(last))
	for i, r := range rows {
		if last[key(r)] == i {
			out = append(out, r)
		}
	}
	return out, len(rows) - len(out)
}

// keysOf maps rows to their keys.
func keysOf[T any](rows []T, key func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = key(r)
	}
	return out
}
