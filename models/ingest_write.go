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
	key := func(a Account) string { return a.ExternalID }
	return upsertRows(ctx, s, rows, upsertSpec[Account]{
		op:   "upsert accounts",
		prep: func(a *Account) { a.ID, a.CreatedAt, a.UpdatedAt = 0, time.Time{}, time.Time{} },
		key:  key,
		find: byExternalID(s.AccountsByExternalID, key),
		same: sameAccount,
		// Inserted accounts have no id until written, so ask afterwards.
		changedIDs: func(ctx context.Context, written []Account) ([]uint, error) {
			ids, err := s.AccountIDsByExternalID(ctx, keysOf(written, key))
			if err != nil {
				return nil, err
			}
			var out []uint
			for _, id := range ids {
				out = append(out, id)
			}
			return out, nil
		},
		conflict: []string{"external_id"},
		update: []string{"name", "slug", "plan", "segment", "mrr_cents", "seats", "owner", "started_on", "renewal_on",
			"first_value_on", "churned_on", "sponsor_name", "sponsor_title", "sponsor_status", "channel", "updated_at"},
	})
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
	key := func(t Ticket) string { return t.ExternalID }
	return upsertRows(ctx, s, rows, upsertSpec[Ticket]{
		op: "upsert tickets",
		prep: func(t *Ticket) {
			t.ID = 0
			t.OpenedAt = canonicalTime(t.OpenedAt)
			t.ClosedAt = canonicalTimePtr(t.ClosedAt)
			t.OpenedDay = s.DayOf(t.OpenedAt)
		},
		key:  key,
		find: byExternalID(s.TicketsByExternalID, key),
		same: func(e, r Ticket) bool {
			return e.AccountID == r.AccountID && e.OpenedAt.Equal(r.OpenedAt) && e.OpenedDay == r.OpenedDay &&
				sameTimePtr(e.ClosedAt, r.ClosedAt) && e.Sentiment == r.Sentiment &&
				e.Escalated == r.Escalated && e.Severity == r.Severity
		},
		accountID:    func(t Ticket) uint { return t.AccountID },
		movesAccount: true,
		conflict:     []string{"external_id"},
		update:       []string{"account_id", "opened_at", "opened_day", "closed_at", "sentiment", "escalated", "severity"},
	})
}

// UpsertInvoices inserts or updates invoices by external id.
func (s *Store) UpsertInvoices(ctx context.Context, rows []Invoice) (Counts, error) {
	key := func(i Invoice) string { return i.ExternalID }
	return upsertRows(ctx, s, rows, upsertSpec[Invoice]{
		op:   "upsert invoices",
		prep: func(i *Invoice) { i.ID = 0 },
		key:  key,
		find: byExternalID(s.InvoicesByExternalID, key),
		same: func(e, r Invoice) bool {
			return e.AccountID == r.AccountID && e.AmountCents == r.AmountCents && e.DueOn == r.DueOn &&
				sameStringPtr(e.PaidOn, r.PaidOn) && e.Status == r.Status
		},
		accountID:    func(i Invoice) uint { return i.AccountID },
		movesAccount: true,
		conflict:     []string{"external_id"},
		update:       []string{"account_id", "amount_cents", "due_on", "paid_on", "status"},
	})
}

// UpsertTouches stores touches, idempotent by (account, at, kind, by); a
// re-sent touch with a new note or exec flag updates it. Day is filled
// from At.
func (s *Store) UpsertTouches(ctx context.Context, rows []Touch) (Counts, error) {
	key := func(t Touch) string { return fmt.Sprintf("%d|%d|%s|%s", t.AccountID, t.At.UnixMicro(), t.Kind, t.By) }
	return upsertRows(ctx, s, rows, upsertSpec[Touch]{
		op: "upsert touches",
		prep: func(t *Touch) {
			t.ID = 0
			t.At = canonicalTime(t.At)
			t.Day = s.DayOf(t.At)
		},
		key:       key,
		find:      byNaturalKey(s, touchKey, key),
		same:      func(e, r Touch) bool { return e.Day == r.Day && e.Exec == r.Exec && e.Note == r.Note },
		accountID: func(t Touch) uint { return t.AccountID },
		conflict:  []string{"account_id", "at", "kind", "by"},
		update:    []string{"day", "exec", "note"},
	})
}

// UpsertSurveys stores survey responses, idempotent by (account, kind, at,
// respondent); a re-sent response with another score updates it. Day is
// filled from At.
func (s *Store) UpsertSurveys(ctx context.Context, rows []Survey) (Counts, error) {
	key := func(v Survey) string {
		return fmt.Sprintf("%d|%s|%d|%s", v.AccountID, v.Kind, v.At.UnixMicro(), v.Respondent)
	}
	return upsertRows(ctx, s, rows, upsertSpec[Survey]{
		op: "upsert surveys",
		prep: func(v *Survey) {
			v.ID = 0
			v.At = canonicalTime(v.At)
			v.Day = s.DayOf(v.At)
		},
		key:       key,
		find:      byNaturalKey(s, surveyKey, key),
		same:      func(e, r Survey) bool { return e.Day == r.Day && e.Score == r.Score },
		accountID: func(v Survey) uint { return v.AccountID },
		conflict:  []string{"account_id", "kind", "at", "respondent"},
		update:    []string{"day", "score"},
	})
}

// UpsertMRR stores MRR changes, idempotent by (account, effective day); a
// re-sent day with another amount updates it.
func (s *Store) UpsertMRR(ctx context.Context, rows []MRRChange) (Counts, error) {
	key := func(m MRRChange) string { return fmt.Sprintf("%d|%s", m.AccountID, m.EffectiveOn) }
	return upsertRows(ctx, s, rows, upsertSpec[MRRChange]{
		op:        "upsert mrr",
		prep:      func(m *MRRChange) { m.ID = 0 },
		key:       key,
		find:      byNaturalKey(s, mrrKey, key),
		same:      func(e, r MRRChange) bool { return e.MRRCents == r.MRRCents },
		accountID: func(m MRRChange) uint { return m.AccountID },
		conflict:  []string{"account_id", "effective_on"},
		update:    []string{"mrr_cents"},
	})
}
