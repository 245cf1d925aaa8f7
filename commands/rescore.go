package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// RescoreStats describes one rescoring run, for logs, metrics and the
// `healthbot rescore` output.
type RescoreStats struct {
	Day      time.Time              // the scored day (midnight UTC of the organisation's date)
	Accounts int                    // active accounts scored
	Known    int                    // of those, with a score (not "no data")
	ByStatus map[scoring.Status]int // accounts per status, NoData included
	Duration time.Duration          // by the injected clock
}

// rescoreFoldWait is how long a rescore waits for a fold under way (after
// a batch) before it reads without folding the queued activity first.
const rescoreFoldWait = 2 * time.Second

// Rescore scores every active account as of day, then, in one
// transaction, upserts that day's snapshots (so re-running a day replaces
// its rows) and calls OnRescore. It issues a constant number of queries
// whatever the number of accounts. day is taken at its own calendar date.
func (s *Service) Rescore(ctx context.Context, day time.Time) (RescoreStats, error) {
	start := s.now()
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	stats := RescoreStats{Day: day, ByStatus: map[scoring.Status]int{}}
	// Where the store can (PostgreSQL), the signals are read before the
	// write transaction, rescoreParallelReads statements at a time: under
	// READ COMMITTED each took its own snapshot inside the transaction as
	// well, so reading first changes when they run, not what they see.
	var (
		scored []Scored
		org    []models.OrgAggregate
	)
	// Activity ingested since the last fold is read from its raw rows:
	// exact, but for a day's worth of accounts dearer than folding first.
	if _, err := s.Store.FoldActivityRollups(ctx, rescoreFoldWait); err != nil {
		s.logger().Warn("activity rollups not folded before the rescore; the queued accounts' activity is read from its raw rows", "err", err)
	}
	reader := s.Store.WithParallelReads(rescoreParallelReads)
	readFirst := reader.ParallelReads() > 1
	if readFirst {
		var err error
		if scored, org, err = s.scoreSomeOrg(ctx, reader, day, nil); err != nil {
			return RescoreStats{}, fmt.Errorf("rescore %s: %w", day.Format(models.DayLayout), err)
		}
	}
	// The previous heads: the alert rules compare scores; the alerts that
	// are posted load their previous snapshots in full (Alerter.record).
	// In the transaction they are read before the day's snapshots are
	// written: on a new day they are current_scores' rows, which the
	// snapshots' trigger replaces. Where the signals were read first,
	// they are read on the pool beside the snapshots' COPY instead, like
	// the alert states (PrefetchRescore): the COPY's rows are not
	// committed, so that read sees the same heads, and the rescore does
	// not wait for it before the COPY begins. (Started as the signals'
	// reads end, beside the scoring, they slowed it more than they sped
	// up the COPY: BENCHMARKS.md.)
	var heads func() (map[uint]models.Snapshot, error)
	hookCtx := ctx // the hooks' context, carrying what PrefetchRescore started
	if readFirst {
		if s.PrefetchRescore != nil {
			hookCtx = s.PrefetchRescore(hookCtx, s.Store)
		}
		type read struct {
			prev map[uint]models.Snapshot
			err  error
		}
		done := make(chan read, 1)
		go func() {
			prev, err := s.Store.PreviousSnapshotHeads(ctx, day)
			done <- read{prev, err}
		}()
		heads = sync.OnceValues(func() (map[uint]models.Snapshot, error) {
			r := <-done
			return r.prev, r.err
		})
	}
	err := s.Store.WithBulkTx(ctx, func(tx *models.Store) error {
		if !readFirst {
			var err error
			if scored, org, err = s.scoreSomeOrg(ctx, tx, day, nil); err != nil {
				return err
			}
			prev, err := tx.PreviousSnapshotHeads(ctx, day)
			heads = func() (map[uint]models.Snapshot, error) { return prev, err }
		}
		// The organisation-wide figures the pass computed, so a card or a
		// write scoring one account today reads them instead of counting
		// the organisation again.
		if err := tx.SaveOrgAggregates(ctx, org, s.now()); err != nil {
			return err
		}
		// Beside the COPY (where the signals were read first): the previous
		// heads set on each account, then OnRescore's evaluation
		// (PlanRescore), on the core the COPY's trigger leaves idle. The
		// COPY reads each account's ID and Result only, never Previous.
		planned := make(chan error, 1)
		go func() {
			prev, err := heads()
			if err == nil {
				for i := range scored {
					if p, ok := prev[scored[i].Account.ID]; ok {
						scored[i].Previous = &p
					}
				}
				if readFirst && s.PlanRescore != nil {
					hookCtx, err = s.PlanRescore(hookCtx, s.Store, day, scored)
				}
			}
			planned <- err
		}()
		copyErr := tx.SaveSnapshotBatch(ctx, snapshotBatch(day, scored, s.now()))
		if err := cmp.Or(copyErr, <-planned); err != nil {
			return err
		}
		for i := range scored {
			stats.Accounts++
			if scored[i].Result.Known {
				stats.Known++
			}
			stats.ByStatus[statusOfResult(scored[i].Result)]++
		}
		return s.onRescore(hookCtx, tx, day, scored)
	})
	if err != nil {
		return RescoreStats{}, fmt.Errorf("rescore %s: %w", day.Format(models.DayLayout), err)
	}
	stats.Duration = s.now().Sub(start)
	s.logger().InfoContext(ctx, "rescored", "day", day.Format(models.DayLayout), "accounts", stats.Accounts,
		"known", stats.Known, "duration", stats.Duration)
	return stats, nil
}

// rescoreParallelReads is how many of the daily rescore's reads run at
// once: the two cores of the smallest machine BENCHMARKS.md measures on,
// where its reads (3 s at 100,000 accounts one after the other) left one
// core of the database server idle.
const rescoreParallelReads = 2

// smallRescore is the number of accounts up to which RescoreAccounts scores
// each account on its own (about ten indexed queries each) rather than the
// whole portfolio with the set-based pass: a batch that touched a handful of
// accounts should not cost a full rescore of 10,000.
const smallRescore = 25

// RescoreAccounts rescores the accounts ids as of day inside the caller's
// transaction tx (for an ingested batch that touched them): their snapshots
// for day are upserted and OnRescore runs with them. Churned or unknown ids
// are skipped. Up to smallRescore accounts are scored one by one; beyond
// that it costs a constant number of queries, however many accounts the
// batch touched.
func (s *Service) RescoreAccounts(ctx context.Context, tx *models.Store, day time.Time, ids []uint) ([]Scored, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	want := make(map[uint]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var all []Scored
	var err error
	if len(want) <= smallRescore {
		all, err = s.scoreEach(ctx, tx, day, want)
	} else {
		all, err = s.scoreSome(ctx, tx, day, want)
	}
	if err != nil {
		return nil, fmt.Errorf("rescore accounts: %w", err)
	}
	var scored []Scored
	var picked []uint
	for _, sc := range all {
		if want[sc.Account.ID] {
			scored = append(scored, sc)
			picked = append(picked, sc.Account.ID)
		}
	}
	if len(picked) == 0 {
		// A nil id list would ask PreviousSnapshots for every account.
		return nil, nil
	}
	prev, err := tx.PreviousSnapshots(ctx, day, picked)
	if err != nil {
		return nil, fmt.Errorf("rescore accounts: %w", err)
	}
	for i := range scored {
		if p, ok := prev[scored[i].Account.ID]; ok {
			scored[i].Previous = &p
		}
	}
	if err := s.saveScored(ctx, tx, day, scored); err != nil {
		return nil, fmt.Errorf("rescore accounts: %w", err)
	}
	return scored, nil
}

// scoreAll scores every active account as of day with the set-based
// AllSignals, returning them in the store's account order (by name).
func (s *Service) scoreAll(ctx context.Context, store *models.Store, day time.Time) ([]Scored, error) {
	return s.scoreSome(ctx, store, day, nil)
}

// scoreSome is scoreAll for the accounts in want (nil: all): the
// set-based pass reads the signals of the accounts wanted only, up to
// models.MaxSubset of them (a stream of connector events touches some
// thousands of a portfolio's accounts between two rescores, not all);
// past that, every account's, scoring only those wanted.
func (s *Service) scoreSome(ctx context.Context, store *models.Store, day time.Time, want map[uint]bool) ([]Scored, error) {
	scored, _, err := s.scoreSomeOrg(ctx, store, day, want)
	return scored, err
}

// scoreSomeOrg is scoreSome that also returns the organisation-wide
// figures the pass computed over every account (models.OrgAggregate; none
// for a subset).
func (s *Service) scoreSomeOrg(ctx context.Context, store *models.Store, day time.Time, want map[uint]bool) ([]Scored, []models.OrgAggregate, error) {
	var ids []uint // nil: every account
	if want != nil && len(want) <= models.MaxSubset {
		ids = slices.Sorted(maps.Keys(want))
	}
	var (
		accounts []models.Account
		index    map[uint]int
		results  []Scored
		seen     []bool
		read     = make(chan error, 1)
	)
	readAccounts := func() {
		var err error
		if ids != nil {
			accounts, err = store.ActiveAccountsOf(ctx, day, ids)
		} else {
			accounts, err = store.ActiveAccounts(ctx, day)
		}
		if err == nil {
			index = make(map[uint]int, len(accounts))
			for i, a := range accounts {
				index[a.ID] = i
			}
			results, seen = make([]Scored, len(accounts)), make([]bool, len(accounts))
			// Written once here, beside the signals' reads, rather than first
			// by the callback below once they are all read: at 100,000
			// accounts the results are 50 MB of fresh pages, and on the
			// virtual machines BENCHMARKS.md measures on, the first write to
			// each page cost about 35 µs, 0.4 s of CPU in all.
			clear(results)
		}
		read <- err
	}
	// The accounts (names, owners: what messages show) are read while the
	// signals are, when the store runs reads in parallel: the signals are
	// handed to the callback below only once all of them are read.
	if store.ParallelReads() > 1 {
		go readAccounts()
	} else {
		readAccounts()
	}
	accountsRead := sync.OnceValue(func() error { return <-read })
	// Called from several goroutines at once on the daily rescore's store
	// (WithParallelReads): each call writes its own account's slot.
	org, err := store.ModelSignalsOfOrg(ctx, s.model(), day, ids, func(eff *scoring.Effective, sig scoring.Signals) error {
		if err := accountsRead(); err != nil {
			return err
		}
		i, ok := index[sig.AccountID]
		if !ok || (want != nil && !want[sig.AccountID]) {
			// Not wanted, or an account created between the two queries:
			// it is scored on the next run rather than half-described now.
			return nil
		}
		results[i], seen[i] = scoredOf(eff, accounts[i], sig), true
		return nil
	})
	// Waits for the accounts whether or not the callback ran.
	if err := accountsRead(); err != nil {
		return nil, nil, fmt.Errorf("score all: %w", err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("score all: %w", err)
	}
	out := results[:0]
	for i := range results {
		if seen[i] {
			out = append(out, results[i])
		}
	}
	return out, org, nil
}

// scoreEach scores the active accounts among ids one by one, in the
// store's account order, as scoreAll would have.
func (s *Service) scoreEach(ctx context.Context, store *models.Store, day time.Time, ids map[uint]bool) ([]Scored, error) {
	var out []Scored
	for id := range ids {
		acc, err := store.Account(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("score account %d: %w", id, err)
		}
		if !activeOn(acc, day) {
			continue
		}
		sc, _, err := s.scoreAccount(ctx, store, acc, day)
		if err != nil {
			return nil, fmt.Errorf("score %s: %w", acc.Slug, err)
		}
		out = append(out, sc)
	}
	// The store's order (models.ActiveAccounts): names byte by byte, then ids.
	slices.SortFunc(out, func(a, b Scored) int { return models.CompareByName(&a.Account, &b.Account) })
	return out, nil
}

// snapshotBatch is the stored form of each scored account's result,
// written at the time at, encoded as it is written (models.SnapshotBatch):
// the JSON of 100,000 snapshots is 0.3-0.4 s of Go, which the daily
// rescore used to wait for before its COPY began.
func snapshotBatch(day time.Time, scored []Scored, at time.Time) models.SnapshotBatch {
	order := make([]int, len(scored))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(scored[a].Account.ID, scored[b].Account.ID) })
	key := day.Format(models.DayLayout)
	return models.SnapshotBatch{Len: len(scored), First: key, Last: key, Row: func(i int) (models.Snapshot, error) {
		sc := &scored[order[i]]
		return snapshotOf(sc.Account.ID, day, sc.Result, at)
	}}
}

// saveScored writes the day's snapshots of scored and runs the OnRescore
// hook, inside the caller's transaction.
func (s *Service) saveScored(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) error {
	if err := tx.SaveSnapshotBatch(ctx, snapshotBatch(day, scored, s.now())); err != nil {
		return err
	}
	return s.onRescore(ctx, tx, day, scored)
}

// onRescore runs the OnRescore hook, if any, inside tx.
func (s *Service) onRescore(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) error {
	if s.OnRescore == nil {
		return nil
	}
	if err := s.OnRescore(ctx, tx, day, scored); err != nil {
		return fmt.Errorf("on rescore: %w", err)
	}
	return nil
}

// rescoreAccount scores one account as of day inside tx, saves its snapshot
// and runs OnRescore: what every write does before replying.
func (s *Service) rescoreAccount(ctx context.Context, tx *models.Store, acc models.Account, day time.Time) (scoring.Result, error) {
	sc, _, err := s.scoreAccount(ctx, tx, acc, day)
	if err != nil {
		return scoring.Result{}, fmt.Errorf("rescore %s: %w", acc.Slug, err)
	}
	prev, err := tx.PreviousSnapshots(ctx, day, []uint{acc.ID})
	if err != nil {
		return scoring.Result{}, fmt.Errorf("rescore %s: %w", acc.Slug, err)
	}
	if p, ok := prev[acc.ID]; ok {
		sc.Previous = &p
	}
	if err := s.saveScored(ctx, tx, day, []Scored{sc}); err != nil {
		return scoring.Result{}, fmt.Errorf("rescore %s: %w", acc.Slug, err)
	}
	return sc.Result, nil
}

// snapshotOf is the stored form of a result; an unknown score is stored as
// Known=false with Status "No data", never as a real 0. Details keep each
// component's raw figure, band and weight, the overrides and the unrounded
// score, and the row the profile and model version, for later messages
// and for "/health ACCOUNT why".
func snapshotOf(accountID uint, day time.Time, r scoring.Result, now time.Time) (models.Snapshot, error) {
	subscores, details, err := models.SnapshotJSON(r)
	if err != nil {
		return models.Snapshot{}, err
	}
	return models.Snapshot{
		AccountID:    accountID,
		Day:          day.Format(models.DayLayout),
		Known:        r.Known,
		Score:        r.Score,
		Computed:     r.Computed,
		Status:       string(statusOfResult(r)),
		Subscores:    subscores,
		Details:      details,
		Profile:      r.Profile,
		ModelVersion: r.Version,
		UpdatedAt:    now.UTC(),
	}, nil
}

// statusOfResult is the result's status, NoData when unknown whatever Status says.
func statusOfResult(r scoring.Result) scoring.Status {
	if !r.Known {
		return scoring.NoData
	}
	return r.Status
}
