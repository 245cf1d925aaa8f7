package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// churnedCard answers "/health ACCOUNT" for an account that has churned:
// its final score (its last snapshot) and its last chartDays up to the
// churn, as they were stored. Nothing is scored again: the data of an
// account that left stops changing meaning, and a fresh score would read
// as a live one. It offers its chart, and no pulse or touch buttons. Like
// the live card it leaves MRR out unless money is set (the caller's
// Role.SeesMRR), and it is private unless asked for in public (the row's
// MRR flag decides, not the card).
func (s *Service) churnedCard(ctx context.Context, acc models.Account, day, churned time.Time, money bool) (Reply, error) {
	h, err := s.readScoreSpan(ctx, acc, day)
	if err != nil {
		return Reply{}, err
	}
	var pulse *models.Pulse
	if p, err := s.Store.LatestPulse(ctx, acc.ID); err == nil {
		pulse = &p
	} else if !errors.Is(err, models.ErrNotFound) {
		return Reply{}, fmt.Errorf("card %s: latest pulse: %w", acc.Slug, err)
	}
	var touch *models.Touch
	if t, err := s.Store.LastTouch(ctx, acc.ID); err == nil {
		touch = &t
	} else if !errors.Is(err, models.ErrNotFound) {
		return Reply{}, fmt.Errorf("card %s: last touch: %w", acc.Slug, err)
	}
	return renderChurnedCard(acc, churned, day, h, pulse, touch, money), nil
}

// renderChurnedCard lays out a churned account's frozen card; money says
// whether its MRR at churn shows.
func renderChurnedCard(acc models.Account, churned, day time.Time, h scoreSpan, pulse *models.Pulse, touch *models.Touch, money bool) Reply {
	ago := dayDiff(churned, day)
	r := Reply{
		Colour:  scoring.StatusColour(scoring.NoData),
		Title:   fmt.Sprintf("%s — churned %s", acc.Name, churned.Format(models.DayLayout)),
		Buttons: []Button{{Label: fmt.Sprintf("%d-day chart", chartDays), Action: "/health " + acc.Slug + " " + HealthChart}},
	}
	lead := []string{fmt.Sprintf("%s churned on %s (%s). healthbot no longer scores it: this card is as it stood then.",
		acc.Name, churned.Format(models.DayLayout), daysAgo(ago))}
	final, ok := lastKnown(h.Snaps)
	if !ok {
		lead = append(lead, fmt.Sprintf("No score was recorded in its last %d days.", chartDays))
		r.Text = strings.Join(lead, "\n")
		r.Context = churnedContext(acc, pulse, touch, money)
		return r
	}
	r.Title += fmt.Sprintf(" · final score %d %s", final.Score, final.Status)
	f := fmt.Sprintf("Final score %d %s on %s", final.Score, final.Status, final.Day)
	if final.Computed != final.Score {
		f += fmt.Sprintf(" (capped; computed %d)", final.Computed)
	}
	lead = append(lead, f+".")
	if l := churnTrendLine(h.Snaps, final); l != "" {
		lead = append(lead, l)
	}
	r.Text = strings.Join(lead, "\n")
	r.Sections = append(r.Sections, Section{Title: fmt.Sprintf("Last %d days", chartDays), Fields: monthlySteps(h.Snaps)})
	if sec, ok := finalComponents(final); ok {
		r.Sections = append(r.Sections, sec)
	}
	r.Context = churnedContext(acc, pulse, touch, money)
	return r
}

// lastKnown is the latest snapshot with a score.
func lastKnown(snaps []models.Snapshot) (models.Snapshot, bool) {
	for i := len(snaps) - 1; i >= 0; i-- {
		if snaps[i].Known {
			return snaps[i], true
		}
	}
	return models.Snapshot{}, false
}

// churnTrendLine is the change over the last 30 and chartDays days before
// the final score, e.g. "▼14 over its last 30 days, ▼30 over its last 90
// (from 64 Stable on 2024-10-17)."
func churnTrendLine(snaps []models.Snapshot, final models.Snapshot) string {
	end, ok := storedDay(final.Day)
	if !ok {
		return ""
	}
	var parts []string
	if sn, ok := snapshotOnOrBefore(snaps, end.AddDate(0, 0, -30)); ok {
		parts = append(parts, fmtChange(final.Score-sn.Score)+" over its last 30 days")
	}
	if first, ok := firstKnown(snaps); ok && first.Day != final.Day {
		parts = append(parts, fmt.Sprintf("%s over its last %d (from %d %s on %s)", fmtChange(final.Score-first.Score), chartDays, first.Score, first.Status, first.Day))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + "."
}

// firstKnown is the earliest snapshot with a score.
func firstKnown(snaps []models.Snapshot) (models.Snapshot, bool) {
	for _, sn := range snaps {
		if sn.Known {
			return sn, true
		}
	}
	return models.Snapshot{}, false
}

// snapshotOnOrBefore is the latest scored snapshot on or before day.
func snapshotOnOrBefore(snaps []models.Snapshot, day time.Time) (models.Snapshot, bool) {
	key := day.Format(models.DayLayout)
	var out models.Snapshot
	found := false
	for _, sn := range snaps {
		if sn.Day > key {
			break
		}
		if sn.Known {
			out, found = sn, true
		}
	}
	return out, found
}

// monthlySteps shows the score at the start of the span, every 30 days
// after it and at the end: the trend in four lines, readable anywhere.
func monthlySteps(snaps []models.Snapshot) []Field {
	first, ok1 := firstKnown(snaps)
	last, ok2 := lastKnown(snaps)
	if !ok1 || !ok2 {
		return nil
	}
	start, _ := storedDay(first.Day)
	end, _ := storedDay(last.Day)
	var fields []Field
	seen := map[string]bool{}
	add := func(sn models.Snapshot) {
		if seen[sn.Day] {
			return
		}
		seen[sn.Day] = true
		fields = append(fields, Field{Label: sn.Day, Value: fmt.Sprintf("%d %s", sn.Score, sn.Status)})
	}
	add(first)
	for d := start.AddDate(0, 0, 30); d.Before(end); d = d.AddDate(0, 0, 30) {
		if sn, ok := snapshotOnOrBefore(snaps, d); ok {
			add(sn)
		}
	}
	add(last)
	return fields
}

// finalComponents lists the final snapshot's sub-scores with the raw
// figures stored beside them, and the overrides in force.
func finalComponents(final models.Snapshot) (Section, bool) {
	subs, err := final.DecodeSubscores()
	if err != nil || len(subs) == 0 {
		return Section{}, false
	}
	det, _ := final.DecodeDetails() // an older snapshot has no details: the sub-scores still show
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return componentRank(names[i]) < componentRank(names[j]) })
	sec := Section{Title: "Final components"}
	for _, n := range names {
		v := fmt.Sprintf("%d/100", subs[n])
		if raw := det.Raw[n]; raw != "" {
			v += " · " + raw
		}
		sec.Fields = append(sec.Fields, Field{Label: n, Value: v})
	}
	if len(det.Overrides) > 0 {
		sec.Text = "Overrides in force: " + strings.Join(det.Overrides, "; ") + "."
	}
	return sec, true
}

// componentRank orders components as the card does: the built-in ones in
// the model's order, any other after them by name.
func componentRank(name string) string {
	for i, c := range scoring.Components {
		if c == name {
			return fmt.Sprintf("%02d", i)
		}
	}
	return "99" + name
}

// churnedContext is the small print of a churned card; MRR at churn only
// with money.
func churnedContext(acc models.Account, pulse *models.Pulse, touch *models.Touch, money bool) []string {
	var lines []string
	if p := pulse; p != nil {
		l := "Last pulse: " + p.Colour
		if p.Reason != "" {
			l += " (" + p.Reason + ")"
		}
		if p.By != "" {
			l += " by " + p.By
		}
		l += ", " + p.At.Format(models.DayLayout)
		if p.Note != "" {
			l += ": " + p.Note
		}
		lines = append(lines, l)
	}
	if t := touch; t != nil {
		l := "Last touch: " + t.Kind
		if t.By != "" {
			l += " by " + t.By
		}
		lines = append(lines, l+", "+t.At.Format(models.DayLayout))
	}
	var tail []string
	if acc.MRRCents != 0 && money {
		tail = append(tail, "MRR at churn: "+fmtMoney(acc.MRRCents))
	}
	if acc.Owner != "" {
		tail = append(tail, "Owner: "+acc.Owner)
	}
	if len(tail) > 0 {
		lines = append(lines, strings.Join(tail, " · "))
	}
	return lines
}

// daysAgo is "today", "yesterday" or "N days ago".
func daysAgo(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "yesterday"
	}
	return countNoun(n, "day") + " ago"
}
