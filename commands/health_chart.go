package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// chartDays is the span of an account's chart.
const chartDays = 90

// scoreSpan is an account's stored scores and events over the chartDays
// ending on To: what its chart draws and a churned account's card tells.
type scoreSpan struct {
	From, To time.Time
	Snaps    []models.Snapshot
	Timeline models.Timeline
	Churned  *time.Time // the churn day of an account that left; To is that day
}

// readScoreSpan reads the chartDays of an account ending today, or on
// its churn day when it has left.
func (s *Service) readScoreSpan(ctx context.Context, acc models.Account, day time.Time) (scoreSpan, error) {
	h := scoreSpan{To: day}
	if d, ok := churnDay(acc, day); ok {
		h.To, h.Churned = d, &d
	}
	h.From = h.To.AddDate(0, 0, -(chartDays - 1))
	var err error
	if h.Snaps, err = s.Store.History(ctx, acc.ID, h.From, h.To); err != nil {
		return h, fmt.Errorf("chart %s: %w", acc.Slug, err)
	}
	if h.Timeline, err = s.Store.AccountTimeline(ctx, acc.ID, h.From, h.To); err != nil {
		return h, fmt.Errorf("chart %s: %w", acc.Slug, err)
	}
	return h, nil
}

// healthChart answers "/health ACCOUNT chart": the account's score over
// the last chartDays as a picture (commands.Chart, drawn by the
// adapter), with a few words that say what it shows. A churned account's
// chart ends on its churn day.
func (s *Service) healthChart(ctx context.Context, _ Caller, cmd Command) (Reply, error) {
	day := s.today()
	acc, reply, err := resolveAny(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	h, err := s.readScoreSpan(ctx, *acc, day)
	if err != nil {
		return Reply{}, err
	}
	c := s.trendChart(*acc, h)
	r := Reply{Colour: scoring.StatusColour(scoring.NoData), Title: c.Title, Text: c.Alt, Charts: []Chart{c}}
	if n := len(h.Snaps); n > 0 && h.Snaps[n-1].Known {
		r.Colour = scoring.StatusColour(scoring.Status(h.Snaps[n-1].Status))
	}
	return r, nil
}

// trendChart is the picture of an account's score span.
func (s *Service) trendChart(acc models.Account, h scoreSpan) Chart {
	t := &TrendChart{From: h.From, To: h.To, Bands: s.configOf(acc).Status, ChurnedOn: h.Churned}
	for _, sn := range h.Snaps {
		if d, ok := storedDay(sn.Day); ok && sn.Known {
			t.Scores = append(t.Scores, ScorePoint{Day: d, Score: sn.Score})
		}
	}
	for _, p := range h.Timeline.Pulses {
		if d, ok := storedDay(p.Day); ok {
			t.Pulses = append(t.Pulses, Mark{Day: d, Kind: p.Colour})
		}
	}
	for _, tc := range h.Timeline.Touches {
		if d, ok := storedDay(tc.Day); ok {
			t.Touches = append(t.Touches, Mark{Day: d, Kind: tc.Kind})
		}
	}
	for _, a := range h.Timeline.Alerts {
		if d, ok := storedDay(a.Day); ok {
			t.Alerts = append(t.Alerts, Mark{Day: d, Kind: a.Rule})
		}
	}
	title := fmt.Sprintf("%s — score over %d days", acc.Name, chartDays)
	if h.Churned != nil {
		title = fmt.Sprintf("%s — its last %d days, churned %s", acc.Name, chartDays, h.Churned.Format(models.DayLayout))
	}
	return Chart{
		Name:  acc.Slug + "-" + h.To.Format(models.DayLayout) + ".png",
		Title: title,
		Alt:   trendSentence(t),
		Trend: t,
	}
}

// trendSentence says in words what a trend chart shows: where the score
// went and what is marked on it.
func trendSentence(t *TrendChart) string {
	var b strings.Builder
	span := fmt.Sprintf("%s to %s", t.From.Format("Jan 2"), t.To.Format("Jan 2, 2006"))
	switch n := len(t.Scores); n {
	case 0:
		fmt.Fprintf(&b, "No score recorded from %s.", span)
	default:
		first, last := t.Scores[0], t.Scores[n-1]
		fmt.Fprintf(&b, "Score %d on %s, %d on %s (%s)", first.Score, first.Day.Format("Jan 2"), last.Score, last.Day.Format("Jan 2"), fmtChange(last.Score-first.Score))
		lo, hi := first, first
		for _, p := range t.Scores {
			if p.Score < lo.Score {
				lo = p
			}
			if p.Score > hi.Score {
				hi = p
			}
		}
		if lo.Score != hi.Score {
			fmt.Fprintf(&b, "; lowest %d on %s, highest %d on %s", lo.Score, lo.Day.Format("Jan 2"), hi.Score, hi.Day.Format("Jan 2"))
		}
		b.WriteString(".")
	}
	var marked []string
	if n := len(t.Pulses); n > 0 {
		marked = append(marked, countNoun(n, "pulse")+" ("+colourCounts(t.Pulses)+")")
	}
	if n := len(t.Touches); n > 0 {
		touches := fmt.Sprintf("%d touches", n)
		if n == 1 {
			touches = "1 touch"
		}
		marked = append(marked, touches)
	}
	if n := len(t.Alerts); n > 0 {
		marked = append(marked, countNoun(n, "alert"))
	}
	if len(marked) > 0 {
		b.WriteString(" Marked: " + andList(marked) + ".")
	}
	if t.ChurnedOn != nil {
		b.WriteString(" Churned on " + t.ChurnedOn.Format(models.DayLayout) + ".")
	}
	return b.String()
}

// colourCounts is "2 red, 1 green", in the order colours are offered.
func colourCounts(ms []Mark) string {
	var parts []string
	for _, c := range pulseColours {
		n := 0
		for _, m := range ms {
			if m.Kind == c {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	return strings.Join(parts, ", ")
}
