package models

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// A rescore of some accounts (a stream of connector events touches some
// thousands of a portfolio's between two rescores) reads their rows only:
// every statement of the gather is narrowed to them, while the
// organisation-wide figures are still taken over the whole portfolio.

// MaxSubset is the most accounts ModelSignalsOf narrows its statements to;
// past it (half of a 10,000-account portfolio), a pass over every account
// costs about as much.
const MaxSubset = 5000

// ModelSignalsOf is ModelSignals for the active accounts among ids (nil:
// every active account), with the same figures: each statement is
// narrowed to those accounts, and the organisation-wide figures (the mean
// tickets, the value features seen, which sources hold data) are still
// taken over the whole portfolio. A stream of connector events touches a
// few thousand accounts between two rescores, and their rescore reads
// their rows only. Past MaxSubset accounts it reads every account and
// calls fn for those of ids only. On a store WithParallelReads, fn may be
// called from that many goroutines at once.
func (s *Store) ModelSignalsOf(ctx context.Context, model *scoring.Model, asOf time.Time, ids []uint, fn func(*scoring.Effective, scoring.Signals) error) error {
	_, err := s.modelSignalsOf(ctx, model, asOf, ids, fn, false)
	return err
}

// ModelSignalsOfOrg is ModelSignalsOf that also returns the
// organisation-wide figures a pass over every account computed (none for
// a subset), for the rescore to save (OrgAggregate).
func (s *Store) ModelSignalsOfOrg(ctx context.Context, model *scoring.Model, asOf time.Time, ids []uint, fn func(*scoring.Effective, scoring.Signals) error) ([]OrgAggregate, error) {
	return s.modelSignalsOf(ctx, model, asOf, ids, fn, true)
}

// modelSignalsOf is ModelSignalsOf, collecting the org-wide figures when
// collect is set. A subset reads the day's saved figures (OrgAggregate)
// rather than counting the organisation again, when a full rescore of the
// day saved them.
func (s *Store) modelSignalsOf(ctx context.Context, model *scoring.Model, asOf time.Time, ids []uint, fn func(*scoring.Effective, scoring.Signals) error, collect bool) ([]OrgAggregate, error) {
	if ids != nil && len(ids) == 0 {
		return nil, nil
	}
	var want map[uint]bool
	subset := ids
	if len(ids) > MaxSubset {
		want = make(map[uint]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		subset = nil
	} else if ids != nil {
		subset = slices.Clone(ids)
		slices.Sort(subset)
		subset = slices.Compact(subset)
	}
	var (
		sigs  map[uint]*scoring.Signals
		order []uint
		effs  []*scoring.Effective
		err   error
	)
	var (
		org    *orgFigures
		stored map[string]int64
	)
	if collect && subset == nil {
		org = &orgFigures{day: dayKey(asOf)}
	}
	if subset != nil {
		if stored, err = s.OrgAggregates(ctx, asOf); err != nil {
			return nil, fmt.Errorf("all signals: %w", err)
		}
	}
	err = s.customPlans(ctx, subset != nil, func(s *Store) error {
		sigs, order, effs, err = s.gather(ctx, model.For, modelInputs(model), asOf, 0, subset, org, stored, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("all signals: %w", err)
	}
	if want != nil {
		for i, id := range order {
			if want[id] {
				if err := fn(effs[i], *sigs[id]); err != nil {
					return nil, err
				}
			}
		}
		return org.list(), nil
	}
	if err := s.eachSignals(ctx, order, effs, sigs, fn); err != nil {
		return nil, err
	}
	return org.list(), nil
}

// eachSignals calls fn with each account's model and signals, in order;
// with WithParallelReads (PostgreSQL) and at least parallelCallbacks
// accounts, the order is cut into ParallelReads() runs called at once:
// scoring 100,000 accounts is 0.3 s of Go that the daily rescore waits
// for, with the database idle.
func (s *Store) eachSignals(ctx context.Context, order []uint, effs []*scoring.Effective, sigs map[uint]*scoring.Signals,
	fn func(*scoring.Effective, scoring.Signals) error) error {
	run := func(from, to int) error {
		for i := from; i < to; i++ {
			if err := fn(effs[i], *sigs[order[i]]); err != nil {
				return err
			}
		}
		return nil
	}
	n := s.ParallelReads()
	if n < 2 || len(order) < parallelCallbacks {
		return run(0, len(order))
	}
	g, gctx := errgroup.WithContext(ctx)
	for k := range n {
		from, to := k*len(order)/n, (k+1)*len(order)/n
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			return run(from, to)
		})
	}
	return g.Wait()
}

// parallelCallbacks is the number of accounts from which eachSignals
// calls its callback from several goroutines: below it one more goroutine
// costs more than it saves.
const parallelCallbacks = 2000

// subsetCond is the condition that col is one of the subset's ids, with
// the value to bind to @subset. On PostgreSQL the ids go as one array
// (= ANY): a list of thousands of parameters costs tens of milliseconds
// to parse and plan in every statement of a rescore, the array almost
// nothing, and the executor hashes it. SQLite takes the IN list.
func (s *Store) subsetCond(col string, ids []uint) (string, any) {
	if s.dialect == DialectPostgres {
		return col + " = ANY(CAST(@subset AS bigint[]))", idArray(ids)
	}
	return col + " IN @subset", ids
}

// customPlans runs fn with PostgreSQL planning each statement for its
// own parameters (plan_cache_mode force_custom_plan) when on is set, in
// the caller's transaction or one of its own, and the mode restored
// after. A subset's statements need it: from its sixth run a cached
// statement may take the generic plan, which guesses a handful of ids in
// "= ANY($1)" and probes the indexes once per id of thousands (four times
// the backend time of reading every account, measured). SQLite, and
// every account, run fn as it is.
func (s *Store) customPlans(ctx context.Context, on bool, fn func(*Store) error) error {
	if !on || s.dialect != DialectPostgres {
		return fn(s)
	}
	run := func(tx *Store) error {
		if err := tx.orm(ctx).Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
			return fmt.Errorf("custom plans: %w", err)
		}
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.orm(ctx).Exec("SET LOCAL plan_cache_mode TO DEFAULT").Error; err != nil {
			return fmt.Errorf("custom plans: %w", err)
		}
		return nil
	}
	if s.inTx {
		return run(s)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return run(s.bound(tx)) })
}

// idArray is ids as one PostgreSQL array value ('{1,2,3}'), bound as a
// single parameter.
type idArray []uint

// Value implements driver.Valuer.
func (a idArray) Value() (driver.Value, error) {
	b := make([]byte, 0, 2+len(a)*6)
	b = append(b, '{')
	for i, id := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(id), 10)
	}
	return string(append(b, '}')), nil
}

// orgMeanTickets is the organisation's mean tickets per active account in
// w's support window, counted apart from the accounts being scored (one
// account, or a subset). The org mean is everything minus the (few)
// churned accounts, so each count is an index range (ticket_opened_day,
// idx_accounts_churned_on) and a /health card does not join every ticket
// of the window to accounts. CROSS JOIN makes SQLite start from the
// churned accounts (PostgreSQL plans it as an inner join either way).
func orgMeanTickets(db *gorm.DB, w sigWindow) (float64, error) {
	var org struct{ Accounts, Tickets int64 }
	err := db.Raw(`SELECT
		(SELECT COUNT(*) FROM accounts) - (SELECT COUNT(*) FROM accounts WHERE `+churnedAtNamed+`) AS accounts,
		(SELECT COUNT(*) FROM tickets WHERE opened_day >= @support AND opened_day <= @t)
		- (SELECT COUNT(*) FROM accounts CROSS JOIN tickets
		    WHERE tickets.account_id = accounts.id AND `+churnedAtNamed+`
		      AND tickets.opened_day >= @support AND tickets.opened_day <= @t) AS tickets`,
		w.args()).Scan(&org).Error
	if err != nil {
		return 0, fmt.Errorf("org tickets: %w", err)
	}
	return mean(org.Tickets, org.Accounts), nil
}
