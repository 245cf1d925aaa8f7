package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// whyDays is how far back "/health ACCOUNT why" looks when no number of
// days is given: the card's 7-day trend.
const whyDays = 7

// why answers "/health ACCOUNT why [DAYS]": the change of the account's
// score since DAYS days ago, taken apart by component (scoring.Why).
//
// Now is the account scored today, as its card shows it. Then is the
// snapshot the trend reads for that day (the latest on or before it), not
// a score recomputed from today's data: it is the number the team saw and
// the card's trend is computed from, and only it knows the profile and
// model the account was scored with then, and the data as it stood then
// (data can arrive late, and an invoice's failed status or a sponsor's
// departure is stored as current state only). Snapshots keep what a
// comparison needs (models.Snapshot.Result).
func (s *Service) why(ctx context.Context, _ Caller, cmd Command) (Reply, error) {
	day := s.today()
	acc, reply, err := resolve(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	days := cmd.Days
	switch {
	case days == 0:
		days = whyDays
	case days < 0 || days > maxDays:
		return userError(fmt.Sprintf("The days to look back are a number from 1 to %d (%d when left out). Example: /health %s why 30",
			maxDays, whyDays, acc.Slug)), nil
	}
	now, _, err := s.score(ctx, s.Store, *acc, day)
	if err != nil {
		return Reply{}, fmt.Errorf("why %s: %w", acc.Slug, err)
	}
	asOf := day.AddDate(0, 0, -days)
	sn, err := s.Store.SnapshotAt(ctx, acc.ID, asOf)
	if errors.Is(err, models.ErrNotFound) {
		return userError(fmt.Sprintf("%s has no score recorded on or before %s, so today's %s has nothing to be compared with. Try fewer days: /health %s why N.",
			acc.Name, asOf.Format(models.DayLayout), scoreLabel(now), acc.Slug)), nil
	}
	if err != nil {
		return Reply{}, fmt.Errorf("why %s: %w", acc.Slug, err)
	}
	then, err := sn.Result()
	if errors.Is(err, models.ErrNoParts) {
		return userError(fmt.Sprintf("%s's score of %s (%d %s) was stored before healthbot kept its parts, so it cannot be taken apart. Try fewer days: /health %s why N.",
			acc.Name, sn.Day, sn.Score, sn.Status, acc.Slug)), nil
	}
	if err != nil {
		return Reply{}, fmt.Errorf("why %s: %w", acc.Slug, err)
	}
	r := renderWhy(acc.Name, acc.Slug, days, scoring.Why(then, now))
	r.Ephemeral = true
	return r, nil
}

// renderWhy lays out a decomposition: the scores then and now in the
// title, the change of the unrounded score and any change of profile or
// model in the lead, each component's points then and now with the steps
// that moved them, its sub-scores and raw figures, the overrides, and the
// sum. Every number shown is rounded to hundredths so that the parts shown
// add up to the change shown, as the exact parts add up to the exact change.
func renderWhy(name, slug string, days int, d scoring.Decomposition) Reply {
	r := Reply{
		Colour:  sideColour(d.Now),
		Title:   fmt.Sprintf("%s — %s → %s over %s", name, sideLabel(d.Then), sideLabel(d.Now), countNoun(days, "day")),
		Buttons: []Button{{Label: "Open card", Style: StyleDefault, Action: "/health " + slug}},
	}
	then := d.Then.AsOf.Format(models.DayLayout)
	var lead []string
	if d.Comparable {
		lead = append(lead, fmt.Sprintf("Unrounded %s on %s → %s today: %s points, taken apart below.",
			fmt2(d.Then.Unrounded), then, fmt2(d.Now.Unrounded), signed2(cents(d.Change))))
	} else {
		side := "today"
		if !d.Then.Known {
			side = "on " + then
		}
		lead = append(lead, "No data "+side+", so the change cannot be taken apart: an unknown score is not 0.")
	}
	if d.ProfileChanged {
		lead = append(lead, fmt.Sprintf("Profile changed: %s → %s, so the account is scored with other weights or bands.", orUnknown(d.Then.Profile), orUnknown(d.Now.Profile)))
	}
	if d.VersionChanged {
		lead = append(lead, fmt.Sprintf("Model changed: version %s → %s (a change of config, not of the customer).", orUnknown(d.Then.Version), orUnknown(d.Now.Version)))
	}
	r.Text = strings.Join(lead, "\n")

	if len(d.Parts) > 0 {
		r.Sections = append(r.Sections, whyComponents(d))
	}
	if sec, ok := whyOverrides(d); ok {
		r.Sections = append(r.Sections, sec)
	}
	if d.Comparable {
		steps := shares(d.Change, []float64{d.SubScores, d.Model, d.Redistribution, d.Overrides})
		r.Sections = append(r.Sections, Section{Title: "Adds up", Text: fmt.Sprintf(
			"%s = sub-scores %s + model %s + redistribution %s + overrides %s (rounded: %d → %d)",
			signed2(cents(d.Change)), signed2(steps[0]), signed2(steps[1]), signed2(steps[2]), signed2(steps[3]), d.Then.Score, d.Now.Score)})
	}
	r.Context = []string{
		fmt.Sprintf("Then: the score recorded for %s, profile %s, model %s. Now: scored today, profile %s, model %s.",
			then, orUnknown(d.Then.Profile), orUnknown(d.Then.Version), orUnknown(d.Now.Profile), orUnknown(d.Now.Version)),
		"Sub-score: a component's figures moved it to another band. Model: its weight changed. Redistribution: a component gained or lost data and its weight was shared out. Overrides: a cap applied or lifted.",
	}
	return r
}

// whyComponents is one field per component, the biggest move first:
// "20.10 → 13.20 pts (−6.90: sub-score −10.20, model +3.30) · 67 → 33
// monthly active · DAU 12.3 / MAU 40 = 0.31 → DAU 2.9 / MAU 40 = 0.07".
func whyComponents(d scoring.Decomposition) Section {
	sec := Section{Title: "Components: points then → now"}
	// The components' moves and the overrides' add up to the change.
	shown := shares(d.Change, append(partMoves(d), d.Overrides))
	order := make([]int, len(d.Parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(abs64(shown[b]), abs64(shown[a])) })
	for _, i := range order {
		p := d.Parts[i]
		var v strings.Builder
		switch {
		case !d.Comparable:
			v.WriteString(bands(p))
		case shown[i] == 0 && p.SubScore == 0 && p.Model == 0 && p.Redistribution == 0:
			fmt.Fprintf(&v, "%s pts (unchanged) · %s", fmt2(p.PointsNow), bands(p))
		default:
			fmt.Fprintf(&v, "%s → %s pts (%s", fmt2(p.PointsThen), fmt2(p.PointsNow), signed2(shown[i]))
			steps := shares(float64(shown[i])/100, []float64{p.SubScore, p.Model, p.Redistribution})
			var named []string
			for k, label := range []string{"sub-score", "model", "redistribution"} {
				if steps[k] != 0 {
					named = append(named, label+" "+signed2(steps[k]))
				}
			}
			if len(named) > 0 {
				v.WriteString(": " + strings.Join(named, ", "))
			}
			v.WriteString(") · " + bands(p))
		}
		switch raw0, raw1 := partRaw(p.Then), partRaw(p.Now); {
		case raw0 == raw1 && raw0 != "":
			v.WriteString(" · " + raw0)
		case raw0 != raw1:
			v.WriteString(" · " + cmp.Or(raw0, "none") + " → " + cmp.Or(raw1, "none"))
		}
		sec.Fields = append(sec.Fields, Field{Label: p.Component, Value: v.String()})
	}
	return sec
}

// whyOverrides lists the overrides of either side and what the caps did
// to the change; ok is false when neither side had one.
func whyOverrides(d scoring.Decomposition) (Section, bool) {
	if len(d.OverrideRules) == 0 {
		return Section{}, false
	}
	sec := Section{Title: "Overrides"}
	var lines []string
	for _, o := range d.OverrideRules {
		cur := o.Now
		if cur == nil {
			cur = o.Then
		}
		lines = append(lines, fmt.Sprintf("%s: %s (cap %d)", capitalise(o.Change), cur.Reason, cur.Cap))
	}
	if d.Comparable {
		cap0, cap1 := "no cap", "no cap"
		if d.Then.Cap != nil && d.Then.CapEffect != 0 {
			cap0 = fmt.Sprintf("capped at %d, %s", *d.Then.Cap, signed2(cents(d.Then.CapEffect)))
		}
		if d.Now.Cap != nil && d.Now.CapEffect != 0 {
			cap1 = fmt.Sprintf("capped at %d, %s", *d.Now.Cap, signed2(cents(d.Now.CapEffect)))
		}
		shown := shares(d.Change, append(partMoves(d), d.Overrides))
		lines = append(lines, fmt.Sprintf("Effect on the change: %s (then %s; now %s)", signed2(shown[len(shown)-1]), cap0, cap1))
	}
	sec.Text = strings.Join(lines, "\n")
	return sec, true
}

func partMoves(d scoring.Decomposition) []float64 {
	out := make([]float64, len(d.Parts))
	for i, p := range d.Parts {
		out[i] = p.SubScore + p.Model + p.Redistribution
	}
	return out
}

// shares rounds parts, which add up to total, to hundredths (returned as
// whole hundredths) so that the rounded parts add up to total rounded:
// each is rounded down and the hundredths left over go to the parts that
// lost most in rounding (largest remainder).
func shares(total float64, parts []float64) []int64 {
	out := make([]int64, len(parts))
	rest := make([]float64, len(parts))
	var sum int64
	for i, p := range parts {
		f := math.Floor(p * 100)
		out[i], rest[i] = int64(f), p*100-f
		sum += out[i]
	}
	left := cents(total) - sum
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rest[b], rest[a]) })
	for k := 0; left > 0 && len(order) > 0; k++ {
		out[order[k%len(order)]]++
		left--
	}
	for k := len(order) - 1; left < 0 && len(order) > 0; k-- {
		// Only float error can leave fewer hundredths than the floors
		// took: take them back from the parts that lost least.
		out[order[(k%len(order)+len(order))%len(order)]]--
		left++
	}
	return out
}

// cents is f in whole hundredths, rounded half away from zero.
func cents(f float64) int64 { return int64(math.Round(f * 100)) }

// fmt2 renders a figure with two decimals: "73.10".
func fmt2(f float64) string { return strconv.FormatFloat(float64(cents(f))/100, 'f', 2, 64) }

// signed2 renders hundredths with their sign, a true minus: "+6.90",
// "−6.90", "0.00".
func signed2(c int64) string {
	s := strconv.FormatFloat(math.Abs(float64(c))/100, 'f', 2, 64)
	switch {
	case c > 0:
		return "+" + s
	case c < 0:
		return "−" + s
	}
	return s
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// sideLabel is "73 Stable", "59 At-risk (capped; computed 64)" or "no data".
func sideLabel(s scoring.Side) string {
	if r := sideResult(s); r.Capped() {
		return scoreSentence(r)
	}
	return scoreLabel(sideResult(s))
}

func sideColour(s scoring.Side) string { return resultColour(sideResult(s)) }

// sideResult is the score of one side as a result, for the helpers that
// label results.
func sideResult(s scoring.Side) scoring.Result {
	return scoring.Result{Known: s.Known, Score: s.Score, Computed: s.Computed, Status: s.Status}
}

// partLabel is a component's sub-score and band on one side: "67 weekly
// active", "67" from a snapshot (which keeps no band), "no data", or "not
// in the model" (weight 0 on that side).
func partLabel(p *scoring.Part) string {
	switch {
	case p == nil:
		return "not in the model"
	case !p.HasData:
		return "no data"
	case p.Band == "":
		return strconv.Itoa(p.Sub)
	}
	return fmt.Sprintf("%d %s", p.Sub, p.Band)
}

// bands is a component's sub-score then, and its sub-score and band now
// when it moved: "67 → 33 monthly active" (a snapshot keeps no band).
func bands(p scoring.PartChange) string {
	then, now := partLabel(p.Then), partLabel(p.Now)
	if then == now || p.Then != nil && p.Now != nil && p.Then.HasData && p.Now.HasData && p.Then.Sub == p.Now.Sub {
		return now
	}
	return then + " → " + now
}

func partRaw(p *scoring.Part) string {
	if p == nil {
		return ""
	}
	return p.Raw
}

// orUnknown is s, or "unknown" for a profile, model or figure a snapshot
// written before it was kept does not have.
func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
