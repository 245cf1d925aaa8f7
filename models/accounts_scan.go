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

// accountsSeen is the length of the last list of every active account
// scanned, the capacity the next one starts with: a portfolio is listed
// on every command and rescore, and growing a 10,000-account list from a
// small slice copied it a dozen times. A list of some accounts (a page,
// a subset) neither sets nor uses it: when it did, the page of 25 read
// between two daily rescores sent the next one's 100,000 accounts, and
// its signals' map and slabs, growing from nothing again.
var accountsSeen atomic.Int64

// wholePortfolio is how many rows a read of every account's should
// expect: the length of the last list of every active account scanned.
func wholePortfolio() int { return max(256, int(accountsSeen.Load())) }

// scanAccounts reads rows of accountColumns with plain Scan calls: listing
// 10,000 accounts through gorm's reflection took 100-200 ms on the
// benchmark machine, which /health paid on every call.
func scanAccounts(rows *sql.Rows) ([]Account, error) {
	defer rows.Close()
	var r accountRows
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return r.list(), nil
}

// accountRows collects rows of accountColumns, one scan call per row
// (eachRow's callback, or scanAccounts'). Integers are read into int64
// and nullable days into sql.NullString: database/sql converts a driver's
// int64 into a uint or an int through a formatted string, and a **string
// through reflection.
type accountRows struct {
	whole                                   bool // every active account: accountsSeen applies
	out                                     []Account
	id, seats                               int64
	started, renewal, firstValue, churnedOn sql.NullString
	created, updated                        sql.NullTime
}

func (r *accountRows) scan(rows rowScanner) error {
	if r.out == nil {
		n := 16
		if r.whole {
			n = wholePortfolio()
		}
		r.out = make([]Account, 0, n)
	}
	// Scanned in place: Scan's pointers into a local Account moved it to
	// the heap, one allocation per row.
	r.out = append(r.out, Account{})
	a := &r.out[len(r.out)-1]
	err := rows.Scan(&r.id, &a.ExternalID, &a.Name, &a.Slug, &a.Plan, &a.Segment, &a.MRRCents, &r.seats,
		&a.Owner, &r.started, &r.renewal, &r.firstValue, &r.churnedOn, &a.SponsorName,
		&a.SponsorTitle, &a.SponsorStatus, &a.Channel, &r.created, &r.updated)
	if err != nil {
		return err
	}
	a.ID, a.Seats = uint(r.id), int(r.seats)
	a.StartedOn, a.RenewalOn = stringOrNil(r.started), stringOrNil(r.renewal)
	a.FirstValueOn, a.ChurnedOn = stringOrNil(r.firstValue), stringOrNil(r.churnedOn)
	a.CreatedAt, a.UpdatedAt = timeOrZero(r.created), timeOrZero(r.updated)
	return nil
}

// list is the accounts scanned.
func (r *accountRows) list() []Account {
	out := r.out
	if out == nil {
		out = []Account{}
	}
	if r.whole {
		accountsSeen.Store(int64(len(out)))
		if cap(out) > 2*len(out)+16 {
			// A short portfolio after a long one (another store in the
			// same process) does not keep the long one's array.
			out = slices.Clone(out)
		}
	}
	return out
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
