package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// gather runs every source query as of asOf for every active account (or
// the one account, whatever its state), each account's figures taken with
// the windows and value features of the model pick gives it, and returns
// the signals by account, the accounts in id order and each one's model.
//
// Profiles may restate windows and value features, which change the SQL,
// but most accounts share most of them: each source is read once for
// every distinct setting of what its statement depends on, over the
// accounts that have it (one statement per source when no profile
// restates a window). The accounts, sources (with every custom metric's
// "has any row"), pulses and custom components are read once whatever the
// profiles: they depend on no window a profile may change, and ParseModel
// holds a custom component's figure the same in every profile.
//
// org, when not nil, collects the organisation-wide figures a gather over
// every account computes (OrgAggregate); stored, when not nil, holds those
// of asOf's day a full rescore saved, which a gather of one account reads
// instead of aggregating the organisation.
//
// With pointInTime (a backtest's past day, PointInTimeSignals) the
// accounts are those active as of asOf that had started by then, each
// one's MRR is its mrr_changes' as of asOf, a departed sponsor counts only
// after the account's last touch with the sponsor present (sponsorAtNamed),
// and a source counts as connected when it holds a row dated on or before
// asOf.
func (s *Store) gather(ctx context.Context, pick func(segment, plan string) *scoring.Effective,
	comps []scoring.NamedComponent, asOf time.Time, account uint, subset []uint, org *orgFigures, stored map[string]int64,
	pointInTime bool) (map[uint]*scoring.Signals, []uint, []*scoring.Effective, error) {
	db := s.orm(ctx)
	base := s.window(scoring.Config{}, asOf, account)
	inSubset, subsetArg := s.subsetCond("account_id", subset)
	base.subset, base.inSubset, base.subsetArg = subset, inSubset, subsetArg
	day, _ := ParseDay(base.t)

	sponsorCol, mrrCol := "COALESCE(sponsor_status, '')", "mrr_cents"
	if pointInTime {
		sponsorCol, mrrCol = sponsorAtNamed, mrrAtNamed
	}
	q := "SELECT id, " + sponsorCol + ", COALESCE(segment, ''), COALESCE(plan, ''), seats, " + mrrCol + " FROM accounts WHERE "
	switch {
	case account != 0:
		q += "id = @account"
	case pointInTime:
		q += activeAtNamed + " AND " + startedByNamed
	case subset != nil:
		cond, _ := s.subsetCond("id", subset)
		q += activeAtNamed + " AND " + cond
	default:
		q += activeAtNamed
	}
	// Sized for the portfolio when every account is read (the accounts
	// below are the critical path's first step, before any source is
	// read), and each account's signals taken from one slab: at 100,000
	// accounts, growing the map and allocating each account's signals
	// apart was nearly half of this step's CPU.
	size := 1
	if account == 0 {
		size = wholePortfolio()
		if subset != nil {
			size = min(size, len(subset))
		}
	}
	sigs := make(map[uint]*scoring.Signals, size)
	var (
		order = make([]uint, 0, size)
		effs  = make([]*scoring.Effective, 0, size) // the model of order[i]
		slab  = make([]scoring.Signals, 0, size)
		picks = pickCache{pick: pick}
		// Reused from row to row, their few distinct texts interned.
		sponsor, segment, plan internedText
		id                     uint
		seats                  int
		mrr                    int64
		dest                   = []any{&id, &sponsor, &segment, &plan, &seats, &mrr}
	)
	read := func(db *gorm.DB) error {
		return eachRow(db, q+" ORDER BY id", base.args(), func(rows rowScanner) error {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if len(slab) == cap(slab) {
				// More accounts than expected: a new slab, the signals
				// already handed out staying where they are.
				slab = make([]scoring.Signals, 0, max(cap(slab), 256))
			}
			slab = append(slab, scoring.Signals{AccountID: id, AsOf: day, SponsorDeparted: sponsor.s == "departed", Seats: seats, MRRCents: mrr})
			sigs[id] = &slab[len(slab)-1]
			order = append(order, id)
			effs = append(effs, picks.of(segment.s, plan.s))
			return nil
		})
	}
	var err error
	if account == 0 {
		// Every account (or a subset), decoded by pgx where the store can
		// (nativeReads): the daily rescore's first read, which every
		// other waits for.
		err = s.nativeReads(ctx, read)
	} else {
		err = read(db)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("accounts: %w", err)
	}
	if len(order) == 0 {
		return sigs, order, effs, nil
	}

	inputs := metricInputs(comps)
	sources, metricSources, err := s.sources(db, inputs, base, pointInTime)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, sig := range sigs {
		sig.Sources = sources
		sig.MetricSources = metricSources
	}
	p := gatherPlan{order: order, sigs: sigs, effs: effs, windows: map[*scoring.Effective]sigWindow{}, org: org, stored: stored}
	for _, e := range picks.distinct {
		w := s.window(e.Config, asOf, account)
		w.subset, w.inSubset, w.subsetArg = subset, inSubset, subsetArg
		w.pointInTime = pointInTime && account == 0 && subset == nil
		w.postgres = s.dialect == DialectPostgres
		p.windows[e] = w
	}
	// Each read sets its own fields of the signals (and adds its own
	// org-wide figures), so they may run in any order, or at once. The
	// longest, the activity, goes first.
	reads := []func(db *gorm.DB) error{
		p.activity,
		func(db *gorm.DB) error { return p.tickets(db, s, account == 0 && subset == nil) },
	}
	for _, step := range []struct {
		key func(w sigWindow) string
		run func(*gorm.DB, sigWindow, map[uint]*scoring.Signals) error
	}{
		{func(w sigWindow) string { return w.engage + w.exec }, touchSignals},
		{func(w sigWindow) string { return w.late }, invoiceSignals},
		{func(w sigWindow) string { return w.survey }, surveySignals},
	} {
		for _, g := range p.groups(func(e *scoring.Effective) string { return step.key(p.windows[e]) }) {
			reads = append(reads, func(db *gorm.DB) error { return step.run(db, g.w, g.m) })
		}
	}
	reads = append(reads,
		func(db *gorm.DB) error { return s.pulseSignals(db, base, sigs) },
		func(db *gorm.DB) error { return metricSignals(db, base, inputs, sigs) })
	if err := s.runReads(ctx, db, reads); err != nil {
		return nil, nil, nil, err
	}
	return sigs, order, effs, nil
}

// runReads runs reads on db one after the other, or, when s allows it
// (WithParallelReads), s.ParallelReads() at a time, each on a pooled
// connection of its own (readGrouping); the first error stops the
// others.
func (s *Store) runReads(ctx context.Context, db *gorm.DB, reads []func(db *gorm.DB) error) error {
	n := s.ParallelReads()
	if n < 2 {
		for _, read := range reads {
			if err := read(db); err != nil {
				return err
			}
		}
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for _, read := range reads {
		g.Go(func() error { return s.readGroupingWith(s.orm(gctx), laneSettings, read) })
	}
	return g.Wait()
}

// groupingWorkMem is what a read that groups every account's rows may
// hash or sort in on PostgreSQL: at the default 4 MB such reads spilled
// to disk (activity_last's 1.2 M keys at 100,000 accounts: 0.68 s against
// 0.54 s in memory; a month of raw activity's distinct users in the
// weekly summary: past 150 s against 2.7 s). Two reads at once hold at
// most twice this.
const groupingWorkMem = "64MB"

// readGrouping runs fn in a read-only transaction on db (PostgreSQL)
// allowed groupingWorkMem, without JIT compilation: the activity rollups'
// read at 100,000 accounts, the only rescore read costly enough to be
// compiled, ran 0.68-1.11 s without it against 0.86-1.42 s with it, in
// four runs each, alternated (its 60 functions take 40 ms to emit, and
// the compiled code was no faster). On its connection eachRow decodes
// the rows with pgx (eachRowNative).
func (s *Store) readGrouping(db *gorm.DB, fn func(*gorm.DB) error) error {
	return s.readGroupingWith(db, groupingSettings, fn)
}

// portfolioRead runs fn, a read over every account, as readGrouping does
// on PostgreSQL outside a transaction (in one it runs fn there, as is):
// its statements are costly enough to be compiled by JIT, which the
// weekly summary's bars (a latest head per account on a past day) paid
// 80-100 ms each for at 100,000 accounts, and their sorts spilled to disk
// at the default work_mem (BENCHMARKS.md).
func (s *Store) portfolioRead(ctx context.Context, fn func(*gorm.DB) error) error {
	if s.dialect != DialectPostgres || s.inTx {
		return fn(s.orm(ctx))
	}
	return s.readGrouping(s.orm(ctx), fn)
}

// The settings of readGrouping's transaction, and of runReads' lanes.
// A lane's statement runs beside another lane's on a machine of a few
// cores, so it gets no parallel workers either: the rescore's tickets
// read, planned with two at 100,000 accounts, had three processes each
// group a third of the rows and the leader group their groups again, on
// cores the other lane was using. (Measured with the two other changes
// of its session: the rescore 0.97 of its earlier time, BENCHMARKS.md.)
const (
	groupingSettings = "SELECT set_config('work_mem', '" + groupingWorkMem + "', true), set_config('jit', 'off', true)"
	laneSettings     = groupingSettings + ", set_config('max_parallel_workers_per_gather', '0', true)"
)

// readGroupingWith is readGrouping with the settings statement settings.
func (s *Store) readGroupingWith(db *gorm.DB, settings string, fn func(*gorm.DB) error) error {
	return db.Connection(func(c *gorm.DB) error {
		return c.Transaction(func(tx *gorm.DB) error {
			err := tx.Exec(settings).Error
			if err != nil {
				return fmt.Errorf("grouping settings: %w", err)
			}
			if conn, ok := c.Statement.ConnPool.(*sql.Conn); ok {
				// eachRow reads the rows with pgx on this connection.
				tx = tx.Set(nativeConnKey, nativeConn{conn, s.stats}).Session(&gorm.Session{})
			}
			return fn(tx)
		}, &sql.TxOptions{ReadOnly: true})
	})
}

// pickCache remembers the model of each (segment, plan) met, so the
// accounts of a portfolio, which share a few, are matched once per pair.
type pickCache struct {
	pick     func(segment, plan string) *scoring.Effective
	bySeg    map[string]map[string]*scoring.Effective
	distinct []*scoring.Effective // every model picked, once, in the order first met
}

func (c *pickCache) of(segment, plan string) *scoring.Effective {
	if e, ok := c.bySeg[segment][plan]; ok {
		return e
	}
	e := c.pick(segment, plan)
	if c.bySeg == nil {
		c.bySeg = map[string]map[string]*scoring.Effective{}
	}
	byPlan := c.bySeg[segment]
	if byPlan == nil {
		byPlan = map[string]*scoring.Effective{}
		c.bySeg[segment] = byPlan
	}
	byPlan[plan] = e
	if !slices.Contains(c.distinct, e) {
		c.distinct = append(c.distinct, e)
	}
	return e
}

// gatherPlan is one gather's accounts and the window of each model in use.
type gatherPlan struct {
	order   []uint
	sigs    map[uint]*scoring.Signals
	effs    []*scoring.Effective // the model of order[i]
	windows map[*scoring.Effective]sigWindow
	org     *orgFigures      // collects the org-wide figures (gather of every account)
	stored  map[string]int64 // the day's saved org-wide figures (gather of one account)
}

// group is the accounts whose models agree on what one statement depends
// on: e is one of those models, w its window, m their signals.
type group struct {
	e *scoring.Effective
	w sigWindow
	m map[uint]*scoring.Signals
}

// groups splits the accounts by key(model), in the order of their first
// account. When every model in use has the same key (one model, or
// profiles that restate nothing this statement depends on), the one
// group's m is all of the signals, found without a pass over the accounts.
func (p *gatherPlan) groups(key func(*scoring.Effective) string) []group {
	keys := make(map[*scoring.Effective]string, len(p.windows))
	var first string
	same := true
	for e := range p.windows {
		keys[e] = key(e)
		if len(keys) == 1 {
			first = keys[e]
		}
		same = same && keys[e] == first
	}
	if same {
		e := p.effs[0]
		return []group{{e: e, w: p.windows[e], m: p.sigs}}
	}
	var out []group
	index := map[string]int{}
	for i, id := range p.order {
		e := p.effs[i]
		k := keys[e]
		gi, ok := index[k]
		if !ok {
			gi = len(out)
			index[k] = gi
			out = append(out, group{e: e, w: p.windows[e], m: map[uint]*scoring.Signals{}})
		}
		out[gi].m[id] = p.sigs[id]
	}
	return out
}

// activity fills the value features' count and the usage and adoption
// figures: the value features once per distinct list (or feature-seen
// window when none is listed), the activity once per distinct list and
// DAU, MAU and adoption windows.
func (p *gatherPlan) activity(db *gorm.DB) error {
	featureKey := func(e *scoring.Effective) string {
		if fs := distinctFeatures(e.Config.ValueFeatures); len(fs) > 0 {
			return "list\x00" + strings.Join(fs, "\x00")
		}
		return "seen\x00" + p.windows[e].seen
	}
	features := map[string][]string{}
	for _, g := range p.groups(featureKey) {
		var fs []string
		n, ok := 0, false
		if len(distinctFeatures(g.e.Config.ValueFeatures)) == 0 {
			var v int64
			v, ok = storedOrg(p.stored, OrgFeaturesSeen, g.w.seen)
			n = int(v)
		}
		if !ok {
			var err error
			if fs, n, err = valueFeatures(db, g.e.Config, g.w); err != nil {
				return err
			}
			if fs == nil {
				p.org.add(OrgFeaturesSeen, g.w.seen, int64(n))
			}
		}
		features[featureKey(g.e)] = fs
		for _, sig := range g.m {
			sig.ValueFeatures = n
		}
	}
	for _, g := range p.groups(func(e *scoring.Effective) string {
		w := p.windows[e]
		return featureKey(e) + "\x00" + w.dau + w.mau + w.adopt
	}) {
		if err := activitySignals(db, g.w, features[featureKey(g.e)], g.m); err != nil {
			return err
		}
	}
	return nil
}

// tickets fills the support figures once per distinct support window.
// For a subset of the accounts, it sets the organisation's mean tickets
// from a count of its own (orgMeanTickets). With every account (all), it
// also sets the organisation's mean tickets
// in that window over every active account: with one window that is the
// mean of the figures just read; with several, each window's statement
// reads every account, the others' figures into throwaway signals.
func (p *gatherPlan) tickets(db *gorm.DB, s *Store, all bool) error {
	gs := p.groups(func(e *scoring.Effective) string { return p.windows[e].support })
	for _, g := range gs {
		m := g.m
		if all && len(gs) > 1 {
			m = make(map[uint]*scoring.Signals, len(p.order))
			for _, id := range p.order {
				if sig, ok := g.m[id]; ok {
					m[id] = sig
				} else {
					m[id] = &scoring.Signals{}
				}
			}
		}
		if err := s.ticketSignals(db, g.w, m); err != nil {
			return err
		}
		if !all && g.w.subset != nil {
			// The subset's figures are not the organisation's: the day's
			// saved ones, else counted apart.
			orgMean, ok := storedMean(p.stored, g.w)
			if !ok {
				var err error
				if orgMean, err = orgMeanTickets(db, g.w); err != nil {
					return err
				}
			}
			for _, sig := range g.m {
				sig.OrgMeanTickets90 = orgMean
			}
		}
		if !all {
			continue
		}
		var tickets int64
		for _, sig := range m {
			tickets += int64(sig.Tickets90)
		}
		orgMean := mean(tickets, int64(len(m)))
		p.org.add(OrgTickets, g.w.support, tickets)
		p.org.add(OrgActiveAccounts, "", int64(len(m)))
		for _, sig := range g.m {
			sig.OrgMeanTickets90 = orgMean
		}
	}
	return nil
}

// sources asks, in one statement, which sources hold any row at all, and
// which of the metrics the custom components read do (by metric name;
// nil when they read none).
//
// With asOf, a source counts only with a row dated on or before w's day:
// on a backtest's past day, a source connected later had no data then.
func (s *Store) sources(db *gorm.DB, inputs []metricInput, w sigWindow, asOf bool) (scoring.Sources, map[string]bool, error) {
	args := map[string]any{}
	cond := func(string) string { return "" } // a source's rows as of the day
	if asOf {
		args["t"] = w.t
		cond = func(col string) string { return col + " <= @t" }
	}
	where := func(col string) string {
		if c := cond(col); c != "" {
			return " WHERE " + c
		}
		return ""
	}
	and := func(col string) string {
		if c := cond(col); c != "" {
			return " AND " + c
		}
		return ""
	}
	cols, metrics := metricSourcesSQL(inputs, args, and("day"))
	flags := make([]int, 7+len(metrics))
	dest := make([]any, len(flags))
	for i := range flags {
		dest[i] = &flags[i]
	}
	err := eachRow(db, `SELECT
		CASE WHEN EXISTS (SELECT 1 FROM activities`+where("day")+`) THEN 1 ELSE 0 END AS activity,
		CASE WHEN EXISTS (SELECT 1 FROM tickets`+where("opened_day")+`) THEN 1 ELSE 0 END AS tickets,
		CASE WHEN EXISTS (SELECT 1 FROM touches`+where("day")+`) THEN 1 ELSE 0 END AS touches,
		CASE WHEN EXISTS (SELECT 1 FROM invoices`+where("due_on")+`) THEN 1 ELSE 0 END AS invoices,
		CASE WHEN EXISTS (SELECT 1 FROM surveys WHERE kind = 'nps'`+and("day")+`) THEN 1 ELSE 0 END AS nps,
		CASE WHEN EXISTS (SELECT 1 FROM surveys WHERE kind = 'csat'`+and("day")+`) THEN 1 ELSE 0 END AS csat,
		CASE WHEN EXISTS (SELECT 1 FROM pulses`+where("day")+`) THEN 1 ELSE 0 END AS pulses`+cols, args,
		func(rows rowScanner) error { return rows.Scan(dest...) })
	if err != nil {
		return scoring.Sources{}, nil, fmt.Errorf("sources: %w", err)
	}
	src := scoring.Sources{
		Activity: flags[0] == 1, Tickets: flags[1] == 1, Touches: flags[2] == 1, Invoices: flags[3] == 1,
		NPS: flags[4] == 1, CSAT: flags[5] == 1, Pulses: flags[6] == 1,
	}
	var ms map[string]bool
	if len(metrics) > 0 {
		ms = make(map[string]bool, len(metrics))
		for i, name := range metrics {
			ms[name] = flags[7+i] == 1
		}
	}
	return src, ms, nil
}

// distinctFeatures is a value-feature list without blanks or repeats,
// sorted: how it is compared and queried.
func distinctFeatures(fs []string) []string {
	if len(fs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// valueFeatures returns the configured value features (deduplicated), or
// nil and the number of distinct features seen org-wide in the feature-seen
// window (90 days by default).
func valueFeatures(db *gorm.DB, cfg scoring.Config, w sigWindow) ([]string, int, error) {
	if out := distinctFeatures(cfg.ValueFeatures); len(out) > 0 {
		return out, len(out), nil
	}
	// A loose index scan over activity_feature_day: the recursive part
	// steps from one distinct feature to the next (one index probe each)
	// and the EXISTS probes each for a row in the window, so the cost
	// follows the number of distinct features, not of activity rows.
	// Features > '' are exactly the non-empty ones. The probe is a
	// scalar subquery with LIMIT 1, not EXISTS: on activities partitioned
	// by month, PostgreSQL turned the EXISTS into a hashed subplan that
	// read the window's three months in full (1.4M rows, 2.1 s at 10,000
	// accounts, where the probes take about 10 ms).
	var n int64
	err := db.Raw(`WITH RECURSIVE f(feature) AS (
		SELECT MIN(feature) FROM activities WHERE feature > ''
		UNION ALL
		SELECT (SELECT MIN(a.feature) FROM activities a WHERE a.feature > f.feature) FROM f WHERE f.feature IS NOT NULL
	)
	SELECT COUNT(*) FROM f WHERE f.feature IS NOT NULL
		AND (SELECT 1 FROM activities a WHERE a.feature = f.feature AND a.day >= @seen AND a.day <= @t LIMIT 1) IS NOT NULL`, w.args()).Scan(&n).Error
	if err != nil {
		return nil, 0, fmt.Errorf("value features: %w", err)
	}
	return nil, int(n), nil
}
