package models

import (
	"database/sql"
	"slices"
	"sync/atomic"
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
// and nullable days into internedDay: database/sql converts a driver's
// int64 into a uint or an int through a formatted string, and a **string
// through reflection.
//
// Each row is scanned into the fields below, through one destination
// slice, and then copied into its Account: scanned in place, the slice of
// a new Account's field pointers was an allocation a row. The columns of
// few distinct values are interned (internedText).
type accountRows struct {
	whole                                   bool // every active account: accountsSeen applies
	out                                     []Account
	dest                                    []any
	id, seats, mrr                          int64
	externalID, name, slug                  string
	sponsorName, sponsorTitle               string
	plan, segment, owner, sponsorStatus     internedText
	channel                                 internedText
	started, renewal, firstValue, churnedOn internedDay
	created, updated                        storedTime // as snapshotScan reads its own
}

func (r *accountRows) scan(rows rowScanner) error {
	if r.out == nil {
		n := 16
		if r.whole {
			n = wholePortfolio()
		}
		r.out = make([]Account, 0, n)
	}
	if r.dest == nil {
		r.dest = []any{&r.id, &r.externalID, &r.name, &r.slug, &r.plan, &r.segment, &r.mrr, &r.seats,
			&r.owner, &r.started, &r.renewal, &r.firstValue, &r.churnedOn, &r.sponsorName,
			&r.sponsorTitle, &r.sponsorStatus, &r.channel, &r.created, &r.updated}
	}
	if err := rows.Scan(r.dest...); err != nil {
		return err
	}
	r.out = append(r.out, Account{})
	a := &r.out[len(r.out)-1]
	a.ID, a.ExternalID, a.Name, a.Slug = uint(r.id), r.externalID, r.name, r.slug
	a.Plan, a.Segment, a.MRRCents, a.Seats = r.plan.s, r.segment.s, r.mrr, int(r.seats)
	a.Owner, a.SponsorName, a.SponsorTitle = r.owner.s, r.sponsorName, r.sponsorTitle
	a.SponsorStatus, a.Channel = r.sponsorStatus.s, r.channel.s
	a.StartedOn, a.RenewalOn = r.started.ptr(), r.renewal.ptr()
	a.FirstValueOn, a.ChurnedOn = r.firstValue.ptr(), r.churnedOn.ptr()
	a.CreatedAt, a.UpdatedAt = r.created.t, r.updated.t
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
