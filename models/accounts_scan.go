package models

import (
	"database/sql"
	"slices"
	"sync/atomic"
	"time"
)

// accountColumns are the Account columns in scanAccounts' order; nullable
// text columns read as "" as gorm would.
const accountColumns = `id, external_id, name, slug, COALESCE(plan, ''), COALESCE(segment, ''), mrr_cents, seats,
	COALESCE(owner, ''), started_on, renewal_on, first_value_on, churned_on, COALESCE(sponsor_name, ''),
	COALESCE(sponsor_title, ''), COALESCE(sponsor_status, ''), COALESCE(channel, ''), created_at, updated_at`

// accountsSeen is the length of the last account list scanned, the
// capacity the next one starts with: a portfolio is listed on every
// command and rescore, and growing a 10,000-account list from a small
// slice copied it a dozen times.
var accountsSeen atomic.Int64

// scanAccounts reads rows of accountColumns with plain Scan calls: listing
// 10,000 accounts through gorm's reflection took 100-200 ms on the
// benchmark machine, which /health paid on every call. Integers are read
// into int64 and nullable days into sql.NullString: database/sql converts
// a driver's int64 into a uint or an int through a formatted string, and a
// **string through reflection.
func scanAccounts(rows *sql.Rows) ([]Account, error) {
	defer rows.Close()
	out := make([]Account, 0, max(16, accountsSeen.Load()))
	var (
		id, seats                               int64
		started, renewal, firstValue, churnedOn sql.NullString
		created, updated                        sql.NullTime
	)
	for rows.Next() {
		// Scanned in place: Scan's pointers into a local Account moved
		// it to the heap, one allocation per row.
		out = append(out, Account{})
		a := &out[len(out)-1]
		err := rows.Scan(&id, &a.ExternalID, &a.Name, &a.Slug, &a.Plan, &a.Segment, &a.MRRCents, &seats,
			&a.Owner, &started, &renewal, &firstValue, &churnedOn, &a.SponsorName,
			&a.SponsorTitle, &a.SponsorStatus, &a.Channel, &created, &updated)
		if err != nil {
			return nil, err
		}
		a.ID, a.Seats = uint(id), int(seats)
		a.StartedOn, a.RenewalOn = stringOrNil(started), stringOrNil(renewal)
		a.FirstValueOn, a.ChurnedOn = stringOrNil(firstValue), stringOrNil(churnedOn)
		a.CreatedAt, a.UpdatedAt = timeOrZero(created), timeOrZero(updated)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	accountsSeen.Store(int64(len(out)))
	if cap(out) > 2*len(out)+16 {
		// A short list after a long one (another store in the same
		// process) does not keep the long one's array.
		out = slices.Clone(out)
	}
	return out, nil
}

func stringOrNil(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func timeOrZero(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time
}
