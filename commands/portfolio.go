package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// portfolio is what the lists (/health list, a bare /health, /health
// renewals, /health home) show: every account active on day with its
// score of now, in the store's account order (by name).
//
// Scores come from the snapshots, not from a rescore per call (1.8 s at
// 10,000 accounts, growing with the portfolio): the daily rescore writes
// one for every account, and every write that changes an account (a
// pulse, a touch, an ingested batch, a connector's events) rescores it and
// saves its snapshot for the day before replying. An account never scored
// (created since the last rescore) is scored on the spot. Before the day's
// rescore has run, the accounts it has not reached yet show their previous
// day's score, and stale counts them so the reply can say so.
type portfolio struct {
	scored []Scored
	stale  int       // accounts shown with a snapshot older than day
	oldest time.Time // the oldest such snapshot's day
}

func (s *Service) portfolio(ctx context.Context, day time.Time) (portfolio, error) {
	accounts, err := s.Store.ActiveAccounts(ctx, day)
	if err != nil {
		return portfolio{}, fmt.Errorf("portfolio: %w", err)
	}
	heads, err := s.Store.LatestSnapshotHeads(ctx, day)
	if err != nil {
		return portfolio{}, fmt.Errorf("portfolio: %w", err)
	}
	var p portfolio
	p.scored = make([]Scored, len(accounts))
	unscored := map[uint]bool{}
	today := day.Format(models.DayLayout)
	for i, a := range accounts {
		h, ok := heads[a.ID]
		if !ok {
			unscored[a.ID] = true
			continue
		}
		p.scored[i] = Scored{Account: a, Result: resultOfHead(h)}
		if h.Day < today {
			p.stale++
			if d, ok := storedDay(h.Day); ok && (p.oldest.IsZero() || d.Before(p.oldest)) {
				p.oldest = d
			}
		}
	}
	if len(unscored) > 0 {
		if err := s.scoreUnscored(ctx, day, accounts, unscored, p.scored); err != nil {
			return portfolio{}, err
		}
	}
	return p, nil
}

// scoreUnscored scores the accounts of unscored, which have no snapshot,
// into their place in out (out[i] is accounts[i]'s): one by one when they
// are few, else with the set-based pass (a portfolio not rescored yet).
func (s *Service) scoreUnscored(ctx context.Context, day time.Time, accounts []models.Account, unscored map[uint]bool, out []Scored) error {
	var fresh []Scored
	var err error
	if len(unscored) <= smallRescore {
		fresh, err = s.scoreEach(ctx, s.Store, day, unscored)
	} else {
		fresh, err = s.scoreSome(ctx, s.Store, day, unscored)
	}
	if err != nil {
		return fmt.Errorf("portfolio: %w", err)
	}
	byID := make(map[uint]Scored, len(fresh))
	for _, sc := range fresh {
		byID[sc.Account.ID] = sc
	}
	for i, a := range accounts {
		if !unscored[a.ID] {
			continue
		}
		if sc, ok := byID[a.ID]; ok {
			sc.Account = a
			out[i] = sc
		} else {
			// Created between the two reads: shown without a score.
			out[i] = Scored{Account: a, Result: scoring.Result{AccountID: a.ID, AsOf: day}}
		}
	}
	return nil
}

// resultOfHead is the part of a result a snapshot's head keeps: what the
// lists show.
func resultOfHead(h models.Snapshot) scoring.Result {
	r := scoring.Result{AccountID: h.AccountID, Known: h.Known, Score: h.Score, Computed: h.Computed,
		Status: scoring.Status(h.Status), Profile: h.Profile, Version: h.ModelVersion}
	if d, ok := storedDay(h.Day); ok {
		r.AsOf = d
	}
	return r
}

// annotate adds to a list's reply, when some scores predate day, a line
// that says so.
func (p portfolio) annotate(r Reply, day time.Time) Reply {
	if p.stale > 0 {
		r.Context = append(r.Context, fmt.Sprintf("%s as of %s: today's rescore has not reached them yet.",
			countNoun(p.stale, "score"), p.oldest.Format("Mon 2 Jan")))
	}
	return r
}

// lastPulses is the day of each account's latest pulse on or before day
// (what Recency.LastPulse holds when scored), which the snapshots do not
// keep: what "pulses to refresh" lists.
func (s *Service) lastPulses(ctx context.Context, day time.Time, accounts []Scored) (map[uint]*time.Time, error) {
	ids := make([]uint, len(accounts))
	for i, sc := range accounts {
		ids[i] = sc.Account.ID
	}
	pulses, err := s.Store.LatestPulseDays(ctx, day, ids)
	if err != nil {
		return nil, fmt.Errorf("portfolio: %w", err)
	}
	out := make(map[uint]*time.Time, len(pulses))
	for id, d := range pulses {
		out[id] = &d
	}
	return out, nil
}

// listPage is one list's accounts: the worst (ScorePage's rows, with the
// accounts never scored scored on the spot and merged in) and the figures
// of all that the filter selects.
type listPage struct {
	rows   []Scored
	count  map[scoring.Status]int   // by status, NoData for unknown scores
	mrr    map[scoring.Status]int64 // by status
	total  int
	stale  int
	oldest time.Time
}

// page reads a list's page from the day's snapshots (see portfolio for
// why they are current): the worst limit accounts f selects (all when
// limit is 0) and the counts and MRR of all of them, ranked and counted
// by the database, so a list costs the same whatever the portfolio.
func (s *Service) page(ctx context.Context, day time.Time, f models.ScoreFilter, limit int, money bool) (listPage, error) {
	rows, st, unscored, err := s.Store.ScorePage(ctx, day, f, limit, money)
	if err != nil {
		return listPage{}, err
	}
	p := listPage{count: map[scoring.Status]int{}, mrr: map[scoring.Status]int64{}, stale: st.Stale}
	for status, n := range st.Count {
		if f.Status != "" && status != f.Status {
			continue // counted for the stale note, not listed
		}
		p.count[scoring.Status(status)] += n
		p.mrr[scoring.Status(status)] += st.MRR[status]
		p.total += n
	}
	if d, ok := storedDay(st.Oldest); ok && st.Stale > 0 {
		p.oldest = d
	}
	p.rows = make([]Scored, 0, len(rows)+len(unscored))
	for _, r := range rows {
		p.rows = append(p.rows, Scored{Account: r.Account, Result: resultOfHead(r.Head)})
	}
	if len(unscored) == 0 {
		return p, nil
	}
	want := make(map[uint]bool, len(unscored))
	for _, id := range unscored {
		want[id] = true
	}
	var fresh []Scored
	if len(want) <= smallRescore {
		fresh, err = s.scoreEach(ctx, s.Store, day, want)
	} else {
		fresh, err = s.scoreSome(ctx, s.Store, day, want)
	}
	if err != nil {
		return listPage{}, fmt.Errorf("list: %w", err)
	}
	for _, sc := range fresh {
		st := statusOfResult(sc.Result)
		if f.Status != "" && (!sc.Result.Known || string(st) != f.Status) {
			continue
		}
		p.rows = append(p.rows, sc)
		p.count[st]++
		p.mrr[st] += sc.Account.MRRCents
		p.total++
	}
	return p, nil
}

// totalMRR is the MRR of every account of the page.
func (p listPage) totalMRR() int64 {
	var t int64
	for _, m := range p.mrr {
		t += m
	}
	return t
}

// annotate is portfolio.annotate for a page.
func (p listPage) annotate(r Reply, day time.Time) Reply {
	return portfolio{stale: p.stale, oldest: p.oldest}.annotate(r, day)
}
