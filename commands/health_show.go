package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// historyDays bounds the snapshots read for a card's trend and days in
// status; a status older than this shows as "for 365+ days".
const historyDays = 365

// card is everything an account's card shows, gathered before rendering so
// the rendering is a pure function.
type card struct {
	Now      time.Time
	Day      time.Time
	Account  models.Account
	Result   scoring.Result
	Trend    scoring.TrendResult
	HistFull bool // history reaches back historyDays: days in status may be more
	Pulse    *models.Pulse
	Touch    *models.Touch
	Tickets  []models.Ticket
	Overdue  []models.Invoice
}

// healthShow answers "/health ACCOUNT" with the account's card.
func (s *Service) healthShow(ctx context.Context, cmd Command) (Reply, error) {
	day := s.today()
	acc, reply, err := resolve(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	c, err := s.gatherCard(ctx, *acc, day)
	if err != nil {
		return Reply{}, err
	}
	r := renderCard(c)
	r.Ephemeral = true
	return r, nil
}

func (s *Service) gatherCard(ctx context.Context, acc models.Account, day time.Time) (card, error) {
	c := card{Now: s.now(), Day: day, Account: acc}
	sig, err := s.Store.Signals(ctx, s.Config, acc.ID, day)
	if err != nil {
		return c, fmt.Errorf("card %s: signals: %w", acc.Slug, err)
	}
	c.Result = scoring.Score(s.Config, sig)

	from := day.AddDate(0, 0, -historyDays)
	hist, err := s.Store.History(ctx, acc.ID, from, day.AddDate(0, 0, -1))
	if err != nil {
		return c, fmt.Errorf("card %s: history: %w", acc.Slug, err)
	}
	points := snapshotPoints(hist)
	// Today's point is the fresh score, not today's stored snapshot, which
	// may predate a pulse or ingested data.
	points = append(points, scoring.Point{Day: day, Known: c.Result.Known, Score: c.Result.Score, Status: c.Result.Status})
	c.Trend = scoring.Trend(day, points)
	c.HistFull = len(hist) > 0 && hist[0].Day == from.Format(models.DayLayout)

	if p, err := s.Store.LatestPulse(ctx, acc.ID); err == nil {
		c.Pulse = &p
	} else if !errors.Is(err, models.ErrNotFound) {
		return c, fmt.Errorf("card %s: latest pulse: %w", acc.Slug, err)
	}
	if t, err := s.Store.LastTouch(ctx, acc.ID); err == nil {
		c.Touch = &t
	} else if !errors.Is(err, models.ErrNotFound) {
		return c, fmt.Errorf("card %s: last touch: %w", acc.Slug, err)
	}
	if c.Tickets, err = s.Store.OpenTickets(ctx, acc.ID); err != nil {
		return c, fmt.Errorf("card %s: open tickets: %w", acc.Slug, err)
	}
	if c.Overdue, err = s.Store.OverdueInvoices(ctx, acc.ID, day); err != nil {
		return c, fmt.Errorf("card %s: overdue invoices: %w", acc.Slug, err)
	}
	return c, nil
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
		Title:   fmt.Sprintf("%s — %s", c.Account.Name, scoreLabel(r)),
		Buttons: cardButtons(slug),
	}
	var lead []string
	if r.Known {
		lead = append(lead, trendLine(c.Trend))
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
		reply.Sections = append(reply.Sections, Section{Title: "Components", Text: "No data: " + strings.Join(r.NoData, ", ") + "."})
	}
	reply.Context = cardContext(c)
	return reply
}

func trendLine(t scoring.TrendResult) string {
	var parts []string
	if t.Change7 != nil {
		parts = append(parts, fmtChange(*t.Change7)+" over 7 days")
	}
	if t.Change30 != nil {
		parts = append(parts, fmtChange(*t.Change30)+" over 30 days")
	}
	if len(parts) == 0 {
		return "No trend yet: not enough history."
	}
	return strings.Join(parts, ", ") + "."
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
		sec.Text = "No data: " + strings.Join(r.NoData, ", ") + "."
	}
	return sec
}

func raiseSection(r scoring.Result) *Section {
	sec := Section{Title: "What would raise it"}
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
	} else {
		lines = append(lines, "Last touch: never")
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
	lines = append(lines, l)
	if len(c.Overdue) > 0 {
		var total int64
		for _, inv := range c.Overdue {
			total += inv.AmountCents
		}
		l := fmt.Sprintf("Overdue invoices: %d, %s in total", len(c.Overdue), fmtMoney(total))
		if due, ok := storedDay(c.Overdue[0].DueOn); ok {
			l += fmt.Sprintf(", oldest %s past due", countNoun(dayDiff(due, c.Day), "day"))
		}
		lines = append(lines, l)
	} else {
		lines = append(lines, "Overdue invoices: none")
	}
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
		lines = append(lines, l)
	}
	l = "MRR: " + fmtMoney(a.MRRCents)
	if a.Owner != "" {
		l += " · Owner: " + a.Owner
	}
	if c.Result.Known && c.Trend.DaysInStatus > 0 {
		n := countNoun(c.Trend.DaysInStatus, "day")
		if c.HistFull {
			n += " or more"
		}
		l += fmt.Sprintf(" · %s for %s", c.Result.Status, n)
	}
	lines = append(lines, l)
	return lines
}

func cardButtons(slug string) []Button {
	return []Button{
		{Label: "Pulse red", Style: StyleDanger, Action: "/pulse " + slug + " red"},
		{Label: "Pulse yellow", Style: StyleDefault, Action: "/pulse " + slug + " yellow"},
		{Label: "Pulse green", Style: StylePrimary, Action: "/pulse " + slug + " green"},
		{Label: "Log touch", Style: StyleDefault, Action: "/touch " + slug},
	}
}
