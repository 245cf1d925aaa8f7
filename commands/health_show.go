package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
	"golang.org/x/sync/errgroup"
)

// historyDays bounds the history a card's days in status count back
// over; a status older than this shows as "for 366 days or more".
const historyDays = 365

// trendDays is how far back a card reads every snapshot: its 30-day change
// and model changes look no further (cardHistory).
const trendDays = 30

// card is everything an account's card shows, gathered before rendering so
// the rendering is a pure function.
type card struct {
	Now     time.Time
	Day     time.Time
	Account models.Account
	Result  scoring.Result
	Sources scoring.Sources // which integrations are connected: a zero from one that is not is no data
	Trend   scoring.TrendResult
	// StatusCapped: the status began more than historyDays ago; days in
	// status count from historyDays ago ("366 days or more").
	StatusCapped bool
	Changed      *modelChange // the latest change of model within the 30-day trend, if any
	Pulse        *models.Pulse
	Touch        *models.Touch
	Tickets      []models.Ticket
	Overdue      []models.Invoice
	Money        bool // the caller sees MRR and invoice amounts (Role.SeesMRR)
}

// healthShow answers "/health ACCOUNT" with the account's card, without
// MRR or invoice amounts for a caller who may not see them; a churned
// account's is frozen as it stood when it left (churnedCard).
func (s *Service) healthShow(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	day := s.today()
	acc, reply, err := resolveAny(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	if churned, ok := churnDay(*acc, day); ok {
		return s.churnedCard(ctx, *acc, day, churned, caller.Role.SeesMRR())
	}
	c, err := s.gatherCard(ctx, *acc, day)
	if err != nil {
		return Reply{}, err
	}
	c.Money = caller.Role.SeesMRR()
	return renderCard(c), nil
}

func (s *Service) gatherCard(ctx context.Context, acc models.Account, day time.Time) (card, error) {
	c := card{Now: s.now(), Day: day, Account: acc}
	// The score (the account's signals) and the rest of the card (a year
	// of snapshot heads, the latest pulse and touch, open tickets, overdue
	// invoices) read different tables: where the store can run reads at
	// once (PostgreSQL), the rest runs beside the score, so a card costs
	// about its longest read rather than the sum of them.
	var (
		sig   scoring.Signals
		hist  []models.Snapshot
		since string
		known bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.Store.WithParallelReads(cardParallelReads).ParallelReads())
	g.Go(func() error {
		var err error
		if c.Result, sig, err = s.score(gctx, s.Store, acc, day); err != nil {
			return fmt.Errorf("card %s: signals: %w", acc.Slug, err)
		}
		return nil
	})
	g.Go(func() error {
		var err error
		if hist, since, known, err = s.cardHistory(gctx, acc.ID, day); err != nil {
			return fmt.Errorf("card %s: history: %w", acc.Slug, err)
		}
		return s.gatherCardRecords(gctx, &c)
	})
	if err := g.Wait(); err != nil {
		return c, err
	}
	c.Sources = sig.Sources
	if !known && c.Result.Status == scoring.Status(hist[len(hist)-1].Status) {
		// Today's status is the heads' own, which began before them on a
		// day current_scores does not know.
		var err error
		if hist, since, err = s.cardHistoryYear(ctx, acc.ID, day); err != nil {
			return c, fmt.Errorf("card %s: history: %w", acc.Slug, err)
		}
	}
	points := snapshotPoints(hist)
	// Today's point is the fresh score, not today's stored snapshot, which
	// may predate a pulse or ingested data.
	points = append(points, scoring.Point{Day: day, Known: c.Result.Known, Score: c.Result.Score, Status: c.Result.Status})
	c.Trend = scoring.Trend(day, points)
	from := day.AddDate(0, 0, -historyDays)
	if first, ok := storedDay(since); ok && len(hist) > 0 && c.Result.Status == scoring.Status(hist[len(hist)-1].Status) {
		// Today's status is the one every head read has, and began
		// before them: historyDays ago at most.
		if c.StatusCapped = first.Before(from); c.StatusCapped {
			first = from
		}
		c.Trend.BeganOn(day, first)
	}
	c.Changed = latestModelChange(hist, c.Result, day.AddDate(0, 0, -30))
	return c, nil
}

// cardHistory reads the account's snapshot heads before day that a card
// needs, from historyDays before it: those of the last trendDays, after
// the latest before them (what the 30-day change and a model change
// compare with). When the status of the last head began before the first
// head read, since is the day it began (how far back matters only up to
// historyDays: the card caps it there). That day comes from
// current_scores when the heads read all have one status; known is false
// when it is not known there (a database still being upgraded, today's
// head of another status), and the card then reads the year
// (cardHistoryYear) if today's status is the heads' own. A year of heads
// was the card's longest read: 365 rows on as many pages, 2.6 ms of a
// card's 4 ms at 100,000 accounts (BENCHMARKS.md).
func (s *Service) cardHistory(ctx context.Context, accountID uint, day time.Time) (hist []models.Snapshot, since string, known bool, err error) {
	from, window, to := day.AddDate(0, 0, -historyDays), day.AddDate(0, 0, -trendDays), day.AddDate(0, 0, -1)
	if hist, err = s.Store.RecentHeads(ctx, accountID, from, window, to); err != nil {
		return nil, "", false, err
	}
	if len(hist) == 0 || hist[0].Day >= window.Format(models.DayLayout) || !oneStatus(hist) {
		return hist, "", true, nil // the heads show when the last one's status began
	}
	run, ok, err := s.Store.StatusRun(ctx, accountID)
	if err != nil {
		return nil, "", false, err
	}
	// The stored run covers the last head read when it has that status,
	// is of that day or later, and began no later than the first head
	// read: the days in between all have its status.
	last := hist[len(hist)-1]
	if ok && run.Status == last.Status && run.Day >= last.Day && run.Since <= hist[0].Day {
		if run.Since < hist[0].Day {
			since = run.Since
		}
		return hist, since, true, nil
	}
	return hist, "", false, nil
}

// cardHistoryYear is cardHistory from the historyDays of heads before day
// and the latest before them, for a status whose first day
// current_scores does not know.
func (s *Service) cardHistoryYear(ctx context.Context, accountID uint, day time.Time) (hist []models.Snapshot, since string, err error) {
	from := day.AddDate(0, 0, -historyDays)
	if hist, err = s.Store.RecentHeads(ctx, accountID, time.Time{}, from, day.AddDate(0, 0, -1)); err != nil {
		return nil, "", err
	}
	if len(hist) > 0 && hist[0].Day < from.Format(models.DayLayout) {
		older := hist[0]
		hist = hist[1:]
		if len(hist) > 0 && oneStatus(hist) && older.Status == hist[0].Status {
			since = older.Day
		}
	}
	return hist, since, nil
}

// oneStatus reports whether every head has the same status.
func oneStatus(heads []models.Snapshot) bool {
	for _, h := range heads {
		if h.Status != heads[0].Status {
			return false
		}
	}
	return true
}

// cardParallelReads is how many of a card's reads run at once: the score
// and the rest, each on its own connection.
const cardParallelReads = 2

// gatherCardRecords reads the records a card lists beside its score: the
// latest pulse and touch, open tickets and overdue invoices.
func (s *Service) gatherCardRecords(ctx context.Context, c *card) error {
	acc := c.Account
	if p, err := s.Store.LatestPulse(ctx, acc.ID); err == nil {
		c.Pulse = &p
	} else if !errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("card %s: latest pulse: %w", acc.Slug, err)
	}
	if t, err := s.Store.LastTouch(ctx, acc.ID); err == nil {
		c.Touch = &t
	} else if !errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("card %s: last touch: %w", acc.Slug, err)
	}
	var err error
	if c.Tickets, err = s.Store.OpenTickets(ctx, acc.ID); err != nil {
		return fmt.Errorf("card %s: open tickets: %w", acc.Slug, err)
	}
	if c.Overdue, err = s.Store.OverdueInvoices(ctx, acc.ID, c.Day); err != nil {
		return fmt.Errorf("card %s: overdue invoices: %w", acc.Slug, err)
	}
	return nil
}

// snapshotPoints converts stored snapshots to trend points, skipping rows
// with a malformed day.
func snapshotPoints(snaps []models.Snapshot) []scoring.Point {
	points := make([]scoring.Point, 0, len(snaps))
	for _, sn := range snaps {
		d, ok := storedDay(sn.Day)
		if !ok {
			continue
		}
		points = append(points, scoring.Point{Day: d, Known: sn.Known, Score: sn.Score, Status: scoring.Status(sn.Status)})
	}
	return points
}

// renderCard lays out an account's card.
func renderCard(c card) Reply {
	r := c.Result
	slug := c.Account.Slug
	reply := Reply{
		Colour:  resultColour(r),
		Title:   cardTitle(c.Account.Name, r, c.Trend),
		Buttons: cardButtons(slug),
	}
	if r.Known && c.Trend.Change7 != nil && *c.Trend.Change7 != 0 {
		// What moved it, and the picture of how: the 90 days' chart.
		reply.Buttons = append(reply.Buttons,
			Button{Label: "Why did it change?", Style: StyleDefault, Action: "/health " + slug + " " + HealthWhy},
			Button{Label: "Chart", Style: StyleDefault, Action: "/health " + slug + " " + HealthChart})
	}
	var lead []string
	if r.Known {
		lead = append(lead, trendLine(c.Trend, c.Changed))
		for _, o := range r.Overrides {
			if o.Cap < r.Computed {
				lead = append(lead, fmt.Sprintf("Capped at %d from %d: %s.", o.Cap, r.Computed, o.Reason))
			}
		}
		lead = append(lead, "Suggested action: "+scoring.SuggestedAction(r.Status)+".")
	} else {
		lead = append(lead, "No connected source has data for this account yet, so it has no score (no data, not 0). Connect usage, tickets, touches or invoices, or record a pulse.")
	}
	if r.PulseNote != "" {
		lead = append(lead, r.PulseNote)
	}
	reply.Text = strings.Join(lead, "\n")

	if r.Known {
		reply.Sections = append(reply.Sections, componentsSection(r))
		if raise := raiseSection(r); raise != nil {
			reply.Sections = append(reply.Sections, *raise)
		}
	} else if len(r.NoData) > 0 {
		reply.Sections = append(reply.Sections, Section{Title: "Components", Text: "No data: " + noDataList(r) + "."})
	}
	reply.Context = cardContext(c)
	return reply
}

// cardTitle is the card's header: the score with both numbers when capped,
// and the 7-day trend, e.g. "Paper Street Soap — 59 At-risk (capped;
// computed 100) ▼3 7d".
func cardTitle(name string, r scoring.Result, t scoring.TrendResult) string {
	title := name + " — " + scoreSentence(r)
	if !r.Known {
		title = name + " — " + scoreLabel(r)
	}
	if r.Known && t.Change7 != nil {
		title += " " + fmtChange(*t.Change7) + " 7d"
	}
	return title
}

// trendLine is the card's trend, with the latest change of model in it
// marked: "▼12 over 7 days, ±0 over 30 days; model changed on 2027-01-04
// (profile default → smb)."
func trendLine(t scoring.TrendResult, changed *modelChange) string {
	var parts []string
	if t.Change7 != nil {
		parts = append(parts, fmtChange(*t.Change7)+" over 7 days")
	}
	if t.Change30 != nil {
		parts = append(parts, fmtChange(*t.Change30)+" over 30 days")
	}
	line := "No trend yet: not enough history"
	if len(parts) > 0 {
		line = strings.Join(parts, ", ")
	}
	if changed != nil {
		line += "; model changed on " + changed.Day
		if changed.From != changed.To {
			line += " (profile " + changed.From + " → " + changed.To + ")"
		}
	}
	return line + "."
}

// modelChange is the day an account was first scored with another model
// than the day before: a new profile, or a config change.
type modelChange struct {
	Day      string
	From, To string // the profiles before and after
}

// latestModelChange finds the latest day on or after since whose model
// version differs from the one before it, in the account's snapshots
// (oldest first) and today's result. Snapshots written before versions
// were kept have none and are skipped, not taken for a change.
func latestModelChange(hist []models.Snapshot, today scoring.Result, since time.Time) *modelChange {
	first := since.Format(models.DayLayout)
	var out *modelChange
	prevVersion, prevProfile := "", ""
	see := func(day, version, profile string) {
		if version == "" {
			return
		}
		if prevVersion != "" && version != prevVersion && day >= first {
			out = &modelChange{Day: day, From: prevProfile, To: profile}
		}
		prevVersion, prevProfile = version, profile
	}
	for _, sn := range hist {
		see(sn.Day, sn.ModelVersion, sn.Profile)
	}
	see(today.AsOf.Format(models.DayLayout), today.Version, today.Profile)
	return out
}

// componentsSection shows each scored component as "band · sub/100 · points
// of max · raw figures"; max is what the component would add at 100.
func componentsSection(r scoring.Result) Section {
	sec := Section{Title: "Components"}
	for _, p := range r.Parts {
		if !p.HasData {
			continue
		}
		v := fmt.Sprintf("%s · %d/100 · %s of %s pts", p.Band, p.Sub, fmtPts(p.Points), fmtPts(p.Points+p.Lost))
		if p.Raw != "" {
			v += " · " + p.Raw
		}
		sec.Fields = append(sec.Fields, Field{Label: p.Component, Value: v})
	}
	if len(r.NoData) > 0 {
		sec.Text = "No data: " + noDataList(r) + "."
	}
	return sec
}

// noDataList names the components without data, with the reason when the
// account's own figure is missing (a custom component per seat of an
// account without seats) rather than the whole source.
func noDataList(r scoring.Result) string {
	names := make([]string, 0, len(r.NoData))
	for _, p := range r.Parts {
		if p.HasData {
			continue
		}
		n := p.Component
		if p.Raw != "" {
			n += " (" + p.Raw + ")"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// raiseSection says what would raise the score: first the overrides that
// cap it (while capped, better components would not move it at all), then
// the components that cost the most points.
func raiseSection(r scoring.Result) *Section {
	sec := Section{Title: "What would raise it"}
	for _, o := range r.Overrides {
		if o.Cap >= r.Computed {
			continue
		}
		sec.Fields = append(sec.Fields, Field{Label: overrideLabel(o), Value: overrideFix(o) + fmt.Sprintf(": capped at %d until then (computed %d)", o.Cap, r.Computed)})
	}
	for _, p := range r.Raise {
		if p.Lost <= 0 {
			continue
		}
		sec.Fields = append(sec.Fields, Field{Label: p.Component, Value: fmt.Sprintf("%s costs %s pts", p.Band, fmtPts(p.Lost))})
	}
	if len(sec.Fields) == 0 {
		return nil
	}
	return &sec
}

func cardContext(c card) []string {
	var lines []string
	if p := c.Pulse; p != nil {
		l := "Pulse: " + p.Colour
		if p.Reason != "" {
			l += " (" + p.Reason + ")"
		}
		if p.By != "" {
			l += " by " + p.By
		}
		l += ", " + fmtAgo(c.Now, p.At)
		if p.Note != "" {
			l += ": " + p.Note
		}
		lines = append(lines, l)
	} else {
		lines = append(lines, "Pulse: none recorded")
	}
	if t := c.Touch; t != nil {
		l := "Last touch: " + t.Kind
		if t.Exec {
			l += " with the executive sponsor"
		}
		if t.By != "" {
			l += " by " + t.By
		}
		lines = append(lines, l+", "+fmtAgo(c.Now, t.At))
	} else if !c.Sources.Touches {
		lines = append(lines, "Last touch: "+notConnected("touches"))
	} else {
		lines = append(lines, "Last touch: never")
	}
	lines = append(lines, ticketsLine(c), overdueLine(c))
	if l := renewalLine(c); l != "" {
		lines = append(lines, l)
	}
	var tail []string
	a := c.Account
	// An MRR of 0 is as likely unknown as free: say nothing rather than 0.
	if a.MRRCents != 0 && c.Money {
		tail = append(tail, "MRR: "+fmtMoney(a.MRRCents))
	}
	if a.Owner != "" {
		tail = append(tail, "Owner: "+a.Owner)
	}
	if c.Result.Profile != "" {
		tail = append(tail, "Profile: "+c.Result.Profile)
	}
	if c.Result.Known && c.Trend.DaysInStatus > 0 {
		n := countNoun(c.Trend.DaysInStatus, "day")
		if c.StatusCapped {
			n += " or more"
		}
		tail = append(tail, fmt.Sprintf("%s for %s", c.Result.Status, n))
	}
	if len(tail) > 0 {
		lines = append(lines, strings.Join(tail, " · "))
	}
	return lines
}

// notConnected is what a card shows for a figure whose source holds no
// row at all: no data, not a zero.
func notConnected(source string) string {
	return "no data (" + source + " not connected)"
}

func ticketsLine(c card) string {
	if !c.Sources.Tickets {
		return "Open tickets: " + notConnected("tickets")
	}
	escalated := 0
	for _, t := range c.Tickets {
		if t.Escalated {
			escalated++
		}
	}
	l := "Open tickets: " + fmt.Sprint(len(c.Tickets))
	if escalated > 0 {
		l += fmt.Sprintf(" (%d escalated)", escalated)
	}
	return l
}

func overdueLine(c card) string {
	if !c.Sources.Invoices {
		return "Overdue invoices: " + notConnected("invoices")
	}
	if len(c.Overdue) > 0 {
		var total int64
		for _, inv := range c.Overdue {
			total += inv.AmountCents
		}
		l := fmt.Sprintf("Overdue invoices: %d", len(c.Overdue))
		if c.Money {
			l += fmt.Sprintf(", %s in total", fmtMoney(total))
		}
		if due, ok := storedDay(c.Overdue[0].DueOn); ok {
			l += fmt.Sprintf(", oldest %s past due", countNoun(dayDiff(due, c.Day), "day"))
		}
		return l
	}
	return "Overdue invoices: none"
}

func renewalLine(c card) string {
	a := c.Account
	if a.RenewalOn != nil && *a.RenewalOn != "" {
		l := "Renewal: " + *a.RenewalOn
		if d, ok := storedDay(*a.RenewalOn); ok {
			switch n := dayDiff(c.Day, d); {
			case n > 0:
				l += " (in " + countNoun(n, "day") + ")"
			case n == 0:
				l += " (today)"
			default:
				l += " (" + countNoun(-n, "day") + " ago)"
			}
		}
		return l
	}
	return ""
}

func cardButtons(slug string) []Button {
	return []Button{
		{Label: "Pulse red", Style: StyleDanger, Action: "/pulse " + slug + " red"},
		{Label: "Pulse yellow", Style: StyleDefault, Action: "/pulse " + slug + " yellow"},
		{Label: "Pulse green", Style: StylePrimary, Action: "/pulse " + slug + " green"},
		{Label: "Log touch", Style: StyleDefault, Action: "/touch " + slug},
	}
}

// overrideLabel names a capping override as "What would raise it" shows it.
func overrideLabel(o scoring.Override) string {
	if o.Rule == scoring.RulePulseRed {
		return "red pulse"
	}
	return o.Reason
}

// overrideFix says what lifts a capping override.
func overrideFix(o scoring.Override) string {
	switch o.Rule {
	case scoring.RuleSponsorDeparted:
		return "re-establish an executive sponsor"
	case scoring.RulePulseRed:
		if _, reason, ok := strings.Cut(o.Reason, ": "); ok && reason != "" {
			return "resolve " + reason + " and record a new pulse"
		}
		return "resolve the issue and record a new pulse"
	}
	return "resolve " + o.Reason
}
