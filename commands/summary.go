package commands

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"
)

// Summary builds the weekly health summary as of today, for /health
// summary: without MRR for a caller who may not see it.
func (s *Service) Summary(ctx context.Context, caller Caller) (Reply, error) {
	day, money := s.today(), caller.Role.SeesMRR()
	key := fmt.Sprintf("%p/%s/%t", s.Store, day.Format(models.DayLayout), money)
	v, err, _ := summaryFlight.Do(key, func() (any, error) {
		// Not the first caller's cancellation: the others wait for it too.
		sum, err := s.weeklySummary(context.WithoutCancel(ctx), day, money)
		return sum.Reply, err
	})
	if err != nil {
		return Reply{}, err
	}
	r := v.(Reply)
	// Execute rewrites each section's buttons for its caller's role.
	r.Sections = slices.Clone(r.Sections)
	return r, nil
}

// summaryFlight lets the "/health summary" calls that arrive while one is
// being computed, for the same store, day and MRR visibility, share its
// answer. At 100,000 accounts a summary takes seconds and a few hundred
// MiB; sixty-seven asked within a minute of a load test ran at once two at
// a time and took serve's memory to 1.2 GiB (BENCHMARKS.md, issue 17).
var summaryFlight singleflight.Group

// StatusWeek is the number of accounts per status on one day, a bar of
// the summary chart.
type StatusWeek struct {
	Day    time.Time
	Counts map[scoring.Status]int
}

// WeeklySummaryResult is the summary message and the data of its chart.
type WeeklySummaryResult struct {
	Reply Reply
	Weeks []StatusWeek // the last 8 weeks, oldest first, ending on the summary's day
}

var summaryStatuses = []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical, scoring.NoData}

// summaryAccount is one account's figures for the summary.
type summaryAccount struct {
	acc       *models.Account // into the summary's accounts (goneAccount when gone): a copy per row was 50 MB at 100,000
	snap      models.Snapshot
	prev      *models.Snapshot // a week before
	mrr       int64
	prevMRR   int64
	daysCrit  int
	costliest string // the "issue": override reasons when capped, then the costliest component
	gone      bool   // active a week ago, not on the summary's day: counts in last week's figures only
}

// WeeklySummary builds the summary of scoring.md "Weekly summary" as of day
// (midnight UTC of the organisation's date), comparing with day−7, MRR
// included: the scheduler posts it to the team channels admins chose.
func (s *Service) WeeklySummary(ctx context.Context, day time.Time) (WeeklySummaryResult, error) {
	return s.weeklySummary(ctx, day, true)
}

// weeklySummary is WeeklySummary with MRR shown or left out (money).
func (s *Service) weeklySummary(ctx context.Context, day time.Time, money bool) (WeeklySummaryResult, error) {
	st := s.Store
	weekAgo := day.AddDate(0, 0, -7)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the bars' queries, when the summary fails first

	// The 8-week chart: each bar counts the accounts active on its own day
	// (so an account that churned since still shows in the weeks it was a
	// customer) by their latest snapshot then, among those of the last
	// 120 days. Each is one day of snapshots (two when that day was not
	// fully rescored) and a few probes, not a pass over the history (which
	// was 12.7 s at 10,000 accounts), counted in the database. The bars
	// are history, independent of the rest of the summary: they are
	// counted meanwhile, two at a time on connections of their own (1.4 s
	// of a summary's 7 s at 100,000 accounts, one after the other). The
	// last two bars, a week ago and today, are counted
	// from the heads the summary reads for those days anyway: the same
	// latest snapshots of the same accounts.
	weeks := make([]StatusWeek, 8)
	for i := range weeks {
		weeks[i] = StatusWeek{Day: day.AddDate(0, 0, -7*(7-i)), Counts: map[scoring.Status]int{}}
	}
	from := day.AddDate(0, 0, -90)
	if weeks[0].Day.Before(from) {
		from = weeks[0].Day
	}
	from = from.AddDate(0, 0, -30)
	fromKey := from.Format(models.DayLayout)
	barCounts := make([]map[string]int, len(weeks))
	barsDone := make(chan error, 1)
	go func() {
		var g errgroup.Group
		g.SetLimit(2)
		for i, w := range weeks[:len(weeks)-2] {
			g.Go(func() error {
				c, err := st.LatestStatusCounts(ctx, w.Day, fromKey)
				barCounts[i] = c
				return err
			})
		}
		barsDone <- g.Wait()
	}()

	accounts, err := st.ActiveAccounts(ctx, day)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	// Heads (no JSON) for every account: the summary reads their status
	// and score; only the At-risk accounts' full snapshots are loaded
	// below, for their issue. Full rows for the portfolio, twice, were
	// most of the summary's memory (hundreds of MiB at 100,000 accounts).
	curHeads, err := st.LatestSnapshotHeads(ctx, day)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	oldHeads, err := st.LatestSnapshotHeads(ctx, weekAgo)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	old := byAccountID(oldHeads)
	barCounts[len(weeks)-2], barCounts[len(weeks)-1] = barOf(oldHeads, fromKey), barOf(curHeads, fromKey)
	mrr, err := st.MRRAt(ctx, day)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	oldMRR, err := st.MRRAt(ctx, weekAgo)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	// Only the accounts the At-risk and Critical lists name (the worst
	// summaryListRows of each) need their issue and their days Critical:
	// at 100,000 accounts a list can hold tens of thousands, and finding
	// each one's Critical run was 1.8 s of the summary.
	atRisk := worstIDs(accounts, curHeads, scoring.AtRisk)
	critical := worstIDs(accounts, curHeads, scoring.Critical)
	// The latest snapshot on or before day is the previous one of the day after.
	atRiskFull, err := st.PreviousSnapshots(ctx, day.AddDate(0, 0, 1), atRisk)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}

	if err := <-barsDone; err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	for i, c := range barCounts {
		for status, n := range c {
			weeks[i].Counts[scoring.Status(status)] += n
		}
	}
	active := map[uint]bool{}
	for _, a := range accounts {
		active[a.ID] = true
	}
	critSince, err := st.CriticalSince(ctx, from, day, critical)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}

	// Each row's week-old head points into old, found by binary search
	// (old is in account order): a copy of each head a row pointed to,
	// and the rows' slice grown again for the accounts gone since, were
	// 80 MB of the summary's 300 MB an op at 100,000 accounts.
	gone := 0
	for i := range old {
		if !active[old[i].AccountID] {
			gone++
		}
	}
	prevOf := func(id uint) *models.Snapshot {
		if i, ok := slices.BinarySearchFunc(old, id, func(h models.Snapshot, id uint) int { return cmp.Compare(h.AccountID, id) }); ok {
			return &old[i]
		}
		return nil
	}
	rows := make([]summaryAccount, 0, len(accounts)+gone)
	for i := range accounts {
		a := &accounts[i]
		sn, ok := curHeads[a.ID]
		if !ok {
			continue
		}
		row := summaryAccount{acc: a, snap: sn, mrr: mrr[a.ID], prevMRR: oldMRR[a.ID]}
		if full, ok := atRiskFull[a.ID]; ok && sn.Status == string(scoring.AtRisk) { // the only accounts whose issue is shown
			row.costliest = issueOf(s.Config, full)
		}
		row.prev = prevOf(a.ID)
		if since, ok := critSince[a.ID]; ok && sn.Status == string(scoring.Critical) {
			if t, ok := storedDay(since); ok {
				row.daysCrit = dayDiff(t, day) + 1
			}
		}
		rows = append(rows, row)
	}
	// Accounts scored a week ago that are no longer active (churned) still
	// count in last week's overview, or the week-over-week change would
	// hide the churn.
	for i := range old {
		if p := &old[i]; !active[p.AccountID] {
			rows = append(rows, summaryAccount{acc: &goneAccount, prev: p, prevMRR: oldMRR[p.AccountID], gone: true})
		}
	}

	in, err := st.OrgInputs(ctx, day.AddDate(0, 0, -(metricDays-1)), day)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	// The same latest pulse the scores and alerts take, one per account.
	latest, err := st.LatestPulseBy(ctx, day.AddDate(0, 0, -(pulseDays(s.Config)-1)), day)
	if err != nil {
		return WeeklySummaryResult{}, fmt.Errorf("weekly summary: %w", err)
	}
	var pulses []models.Pulse
	for id, p := range latest {
		// Churned accounts are not listed: their last pulses do not count.
		if active[id] {
			pulses = append(pulses, p)
		}
	}
	slices.SortFunc(pulses, func(a, b models.Pulse) int { return cmp.Compare(a.AccountID, b.AccountID) })
	rep := buildSummary(s.Config, day, rows, scoring.OrgMetrics(s.Config, in), pulses, mrr, money)
	return WeeklySummaryResult{Reply: rep, Weeks: weeks}, nil
}

// barOf counts heads by status, those dated on or after since
// only: the bar of the heads' day (models.Store.LatestStatusCounts).
func barOf(heads map[uint]models.Snapshot, since string) map[string]int {
	out := map[string]int{}
	for _, h := range heads {
		if h.Day >= since {
			out[h.Status]++
		}
	}
	return out
}

func pulseDays(cfg scoring.Config) int {
	if cfg.Windows.PulseDays > 0 {
		return cfg.Windows.PulseDays
	}
	return 30
}

// byAccountID lists snapshots keyed by account in ascending account id
// order, as LatestSnapshots returns them.
func byAccountID(m map[uint]models.Snapshot) []models.Snapshot {
	out := slices.AppendSeq(make([]models.Snapshot, 0, len(m)), maps.Values(m))
	slices.SortFunc(out, func(a, b models.Snapshot) int { return cmp.Compare(a.AccountID, b.AccountID) })
	return out
}

// issueOf is the summary's "issue" of a snapshot: for a capped score the
// reasons of its overrides first ("executive sponsor left", "CSM pulse
// red: budget"), since they are what holds it down, then the costliest
// component; "" when there is neither.
func issueOf(cfg scoring.Config, sn models.Snapshot) string {
	var parts []string
	if sn.Known && sn.Score < sn.Computed {
		if det, err := sn.DecodeDetails(); err == nil {
			parts = append(parts, det.Overrides...)
		}
	}
	if c := costliest(cfg, sn); c != "" {
		parts = append(parts, c)
	}
	return strings.Join(parts, ", then ")
}

// costliest is the component that costs the snapshot most points: weight ×
// (100 − sub-score), among the components with data. The weights are those
// the account was scored with (its profile's), as the snapshot keeps them;
// a snapshot written before it kept them is read with cfg's.
func costliest(cfg scoring.Config, sn models.Snapshot) string {
	subs, err := sn.DecodeSubscores()
	if err != nil {
		return ""
	}
	weights := cfg.Weights
	names := scoring.Components
	if r, err := sn.Result(); err == nil {
		weights, names = map[string]float64{}, nil
		for _, p := range r.Parts {
			weights[p.Component] = p.Weight
			names = append(names, p.Component)
		}
	}
	best, lost := "", 0.0
	for _, c := range names {
		sub, ok := subs[c]
		w := weights[c]
		if !ok || w <= 0 {
			continue
		}
		if l := w * float64(100-sub); l > lost {
			best, lost = c, l
		}
	}
	return best
}

// buildSummary lays the summary out, with MRR when money; it reads
// nothing, so it is golden-tested.
func buildSummary(cfg scoring.Config, day time.Time, rows []summaryAccount, m scoring.Metrics, pulses []models.Pulse, mrr map[uint]int64, money bool) Reply {
	// withMRR is " · MRR 1,200" after a figure, or nothing without money.
	withMRR := func(cents int64) string {
		if !money {
			return ""
		}
		return " · MRR " + fmtMoney(cents)
	}
	rep := Reply{Colour: "grey", Title: "Weekly health summary — week of " + day.AddDate(0, 0, -6).Format("2 Jan") + " to " + day.Format("2 Jan 2006")}
	type agg struct {
		n, prevN     int
		mrr, prevMRR int64
	}
	byStatus := map[scoring.Status]*agg{}
	for _, st := range summaryStatuses {
		byStatus[st] = &agg{}
	}
	total, prevTotal := 0, 0
	for _, r := range rows {
		if a := byStatus[scoring.Status(r.snap.Status)]; a != nil && !r.gone {
			a.n++
			a.mrr += r.mrr
			total++
		}
		if r.prev != nil {
			if p := byStatus[scoring.Status(r.prev.Status)]; p != nil {
				p.prevN++
				p.prevMRR += r.prevMRR
				prevTotal++
			}
		}
	}
	rep.Text = fmt.Sprintf("%s scored.", countNoun(total, "account"))
	var ov []Field
	for _, st := range summaryStatuses {
		a := byStatus[st]
		if st == scoring.NoData && a.n == 0 && a.prevN == 0 {
			continue
		}
		share := 0
		if total > 0 {
			share = int(float64(a.n)*100/float64(total) + 0.5)
		}
		v := fmt.Sprintf("%d (%d%%)", a.n, share) + withMRR(a.mrr)
		if prevTotal > 0 {
			v += fmt.Sprintf(" · %s accounts", fmtDelta(a.n-a.prevN))
			if money {
				v += ", MRR " + fmtMoneyDelta(a.mrr-a.prevMRR)
			}
		}
		ov = append(ov, Field{Label: string(st), Value: v})
	}
	rep.Sections = append(rep.Sections, Section{Title: "Overview (change since last week)", Fields: ov})

	worstFirst := func(st scoring.Status) []*summaryAccount {
		var out []*summaryAccount
		for i := range rows {
			if r := &rows[i]; r.snap.Status == string(st) {
				out = append(out, r)
			}
		}
		slices.SortStableFunc(out, func(a, b *summaryAccount) int {
			return listOrder(a.snap.Score, a.acc.Name, b.snap.Score, b.acc.Name)
		})
		return out
	}
	// listed names the worst summaryListRows of rs and says how many more
	// there are, and where to see them.
	listed := func(rs []*summaryAccount, f []Field, status string) []Field {
		if n := len(rs) - summaryListRows; n > 0 {
			f = append(f[:summaryListRows], Field{Label: fmt.Sprintf("…and %d more", n), Value: "/health list " + status + " lists them all"})
		}
		return f
	}
	if rs := worstFirst(scoring.AtRisk); len(rs) > 0 {
		var f []Field
		for _, r := range rs[:min(len(rs), summaryListRows)] {
			issue := r.costliest
			if issue == "" {
				issue = "—"
			}
			f = append(f, Field{Label: r.acc.Name, Value: fmt.Sprintf("%d%s · issue: %s · %s", r.snap.Score, withMRR(r.mrr), issue, scoring.SuggestedAction(scoring.AtRisk))})
		}
		rep.Sections = append(rep.Sections, Section{Title: "At-risk accounts", Fields: listed(rs, f, "at-risk")})
	}
	if rs := worstFirst(scoring.Critical); len(rs) > 0 {
		var f []Field
		for _, r := range rs[:min(len(rs), summaryListRows)] {
			owner := r.acc.Owner
			if owner == "" {
				owner = "no owner"
			} else {
				owner = "@" + owner
			}
			f = append(f, Field{Label: r.acc.Name, Value: fmt.Sprintf("%d%s · critical for %s · %s", r.snap.Score, withMRR(r.mrr), countNoun(r.daysCrit, "day"), owner)})
		}
		rep.Sections = append(rep.Sections, Section{Title: "Critical accounts", Fields: listed(rs, f, "critical")})
	}
	var exp []Field
	for _, r := range rows {
		if r.snap.Status == string(scoring.Healthy) && r.snap.Score >= cfg.Alerts.Above80.Threshold {
			plan := r.acc.Plan
			if plan == "" {
				plan = "no plan"
			}
			exp = append(exp, Field{Label: r.acc.Name, Value: fmt.Sprintf("%d · %s%s", r.snap.Score, plan, withMRR(r.mrr))})
		}
	}
	if len(exp) > 0 {
		rep.Sections = append(rep.Sections, Section{Title: "Expansion ready", Fields: exp})
	}
	rep.Sections = append(rep.Sections, metricsSection(m))
	rep.Sections = append(rep.Sections, pulseSection(pulses, mrr, withMRR))
	if mv := movers(rows); len(mv) > 0 {
		rep.Sections = append(rep.Sections, Section{Title: "Biggest movers of the week", Fields: mv})
	}
	rep.Buttons = []Button{{Label: "At-risk list", Action: "/health list at-risk"}, {Label: "Critical list", Action: "/health list critical"}}
	return rep
}

// metricDays is the trailing window of the key metrics, the summary's day
// included: a week holds too few survey answers and account starts to say
// anything (the demo's NPS and time to value were "no data" most weeks),
// and a quarter is the period expansion and retention targets are set
// over. Adoption is always over the window's last 30 days (MAU).
const metricDays = 90

// metricWindow names the window of each key metric, as the summary shows it.
func metricWindow(m scoring.Metrics, name string) string {
	switch name {
	case m.TimeToValue.Name:
		return fmt.Sprintf("accounts started in %d days", metricDays)
	case m.Adoption.Name:
		return "MAU, 30 days"
	}
	return fmt.Sprintf("%d days", metricDays)
}

func metricsSection(m scoring.Metrics) Section {
	var f []Field
	for _, x := range m.All() {
		v := "no data"
		if x.Known {
			v = fmt.Sprintf("%s%s", trimFloat(x.Value), unitSuffix(x.Unit))
		}
		cmp := ">"
		if x.LowerIsBetter {
			cmp = "<"
		}
		target := fmt.Sprintf("%s %s%s", cmp, trimFloat(x.Target), unitSuffix(x.Unit))
		if x.Name == m.CSAT.Name {
			// The CSAT verdict is on the mean rating (seed 002: > 4.5 / 5).
			target = fmt.Sprintf("mean %s %s / 5", cmp, trimFloat(x.Target))
			if x.Known {
				v += fmt.Sprintf(", mean %.1f / 5", m.CSATMean)
			}
		}
		f = append(f, Field{Label: x.Name + " (" + metricWindow(m, x.Name) + ")", Value: fmt.Sprintf("%s (target %s) · %s", v, target, x.Verdict)})
	}
	return Section{Title: "Key metrics (trailing windows)", Fields: f}
}

func unitSuffix(u string) string {
	switch u {
	case "", "%":
		return u
	}
	return " " + u
}

func trimFloat(f float64) string { return fmtPts(f) }

// pulseSection counts the latest pulses per colour, with their MRR as
// withMRR shows it.
func pulseSection(pulses []models.Pulse, mrr map[uint]int64, withMRR func(int64) string) Section {
	type agg struct {
		n   int
		mrr int64
	}
	by := map[string]*agg{scoring.Red: {}, scoring.Yellow: {}, scoring.Green: {}}
	reasons := map[string]int{}
	for _, p := range pulses {
		a := by[p.Colour]
		if a == nil {
			continue
		}
		a.n++
		a.mrr += mrr[p.AccountID]
		if p.Colour == scoring.Red {
			r := p.Reason
			if r == "" {
				r = "no reason"
			}
			reasons[r]++
		}
	}
	var f []Field
	for _, c := range []string{scoring.Red, scoring.Yellow, scoring.Green} {
		f = append(f, Field{Label: c, Value: countNoun(by[c].n, "account") + withMRR(by[c].mrr)})
	}
	sec := Section{Title: "CSM pulse (latest per account, last 30 days)", Fields: f}
	if len(reasons) > 0 {
		keys := make([]string, 0, len(reasons))
		for k := range reasons {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if reasons[keys[i]] != reasons[keys[j]] {
				return reasons[keys[i]] > reasons[keys[j]]
			}
			return keys[i] < keys[j]
		})
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, reasons[k]))
		}
		sec.Text = "Code-red reasons: " + strings.Join(parts, ", ")
	}
	return sec
}

// movers are the three biggest falls and rises of the week.
func movers(rows []summaryAccount) []Field {
	// Pointers into rows: a summaryAccount is over half a kilobyte, and
	// at 100,000 accounts copying them was the summary's largest
	// allocation.
	type mv struct {
		r *summaryAccount
		d int
	}
	var all []mv
	for i := range rows {
		r := &rows[i]
		if r.prev != nil && r.prev.Known && r.snap.Known && r.snap.Score != r.prev.Score {
			all = append(all, mv{r, r.snap.Score - r.prev.Score})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if abs(all[i].d) != abs(all[j].d) {
			return abs(all[i].d) > abs(all[j].d)
		}
		return all[i].r.acc.Name < all[j].r.acc.Name
	})
	if len(all) > 5 {
		all = all[:5]
	}
	var f []Field
	for _, m := range all {
		f = append(f, Field{Label: m.r.acc.Name, Value: fmt.Sprintf("%d → %d (%s) · %s → %s", m.r.prev.Score, m.r.snap.Score, signed(m.d), m.r.prev.Status, m.r.snap.Status)})
	}
	return f
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func fmtDelta(n int) string {
	if n == 0 {
		return "±0"
	}
	return signed(n)
}

func fmtMoneyDelta(c int64) string {
	switch {
	case c > 0:
		return "+" + fmtMoney(c)
	case c < 0:
		return "−" + fmtMoney(-c)
	}
	return "±0"
}

// goneAccount is the account of a summary row that is no longer active:
// none, read only.
var goneAccount models.Account

// summaryListRows is how many accounts the summary's At-risk and Critical
// lists name, worst first; the rest are counted. The chat renderers show
// fewer still, and /health list names them all.
const summaryListRows = 25

// listOrder orders the summary's account lists: lowest score first, then
// by name.
func listOrder(scoreA int, nameA string, scoreB int, nameB string) int {
	return cmp.Or(cmp.Compare(scoreA, scoreB), strings.Compare(nameA, nameB))
}

// worstIDs lists the accounts with a head in status, the worst
// summaryListRows by score then name, in the order (and with the ties
// broken as) the summary's lists have them: accounts' order, sorted stably.
func worstIDs(accounts []models.Account, heads map[uint]models.Snapshot, status scoring.Status) []uint {
	type entry struct {
		id    uint
		score int
		name  string
	}
	var in []entry
	for _, a := range accounts {
		if sn, ok := heads[a.ID]; ok && sn.Status == string(status) {
			in = append(in, entry{a.ID, sn.Score, a.Name})
		}
	}
	slices.SortStableFunc(in, func(a, b entry) int { return listOrder(a.score, a.name, b.score, b.name) })
	ids := make([]uint, 0, min(len(in), summaryListRows))
	for _, e := range in[:min(len(in), summaryListRows)] {
		ids = append(ids, e.id)
	}
	return ids
}
