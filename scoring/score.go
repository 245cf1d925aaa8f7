package scoring

import (
	"fmt"
	"math"
)

// Override rules.
const (
	RuleSponsorDeparted = "sponsor_departed"
	RulePulseRed        = "pulse_red"
)

// Score computes an account's health as of s.AsOf: the weighted mean of the
// components with data and weight > 0, rounded half away from zero, then
// capped by the overrides. No component with data gives Known = false.
func Score(cfg Config, s Signals) Result {
	if cfg.Status == (StatusConfig{}) {
		cfg = cfg.filled()
	}
	r := Result{AccountID: s.AccountID, AsOf: s.AsOf}

	// The parts are counted first so Result.Parts is allocated once at its
	// final size: a rescore keeps 10,000 results.
	custom := customOrder(&cfg)
	n := 0
	for _, name := range Components {
		if cfg.Weights[name] > 0 {
			n++
		}
	}
	for _, name := range custom {
		if cfg.Weights[name] > 0 {
			n++
		}
	}
	if n > 0 {
		r.Parts = make([]Part, 0, n)
	}
	total := 0.0
	for _, name := range Components {
		w := cfg.Weights[name]
		if !(w > 0) {
			continue
		}
		p := Part{Component: name, Weight: w, Band: BandNoData}
		if componentHasData(name, s.Sources) {
			p.HasData = true
			p.Sub, p.Band, p.Raw = componentScore(name, &cfg, &s)
			total += w
		} else {
			r.NoData = append(r.NoData, name)
		}
		r.Parts = append(r.Parts, p)
	}
	for _, name := range custom {
		w := cfg.Weights[name]
		if !(w > 0) {
			continue
		}
		def := cfg.Components[name]
		p := Part{Component: name, Weight: w, Band: BandNoData}
		switch connected, perOK := customHasData(&def, &s); {
		case connected && perOK:
			p.HasData = true
			p.Sub, p.Band, p.Raw = customScore(&def, s.Metrics[name], &s)
			total += w
		case connected:
			// Silent spec on how to say it: the part stays on the card
			// with the reason, and its weight is redistributed for this
			// account only.
			p.Raw = noDenominator(&def)
			r.NoData = append(r.NoData, name)
		default:
			r.NoData = append(r.NoData, name)
		}
		r.Parts = append(r.Parts, p)
	}

	sum := 0.0
	for i := range r.Parts {
		p := &r.Parts[i]
		if !p.HasData {
			continue
		}
		p.Points = p.Weight * float64(p.Sub) / total
		p.Lost = p.Weight * float64(100-p.Sub) / total
		sum += p.Weight * float64(p.Sub)
	}

	pulse := recentPulse(&cfg, &s)
	r.Overrides = overrides(&cfg, &s, pulse)
	if total == 0 {
		// Silent spec: overrides are still listed (they are facts worth
		// showing) but cannot cap an unknown score.
		r.Status = NoData
		return r
	}
	r.Known = true
	// math.Round rounds half away from zero, as scoring.md asks.
	r.Unrounded = sum / total
	r.Computed = int(math.Round(r.Unrounded))
	r.Score = r.Computed
	for _, o := range r.Overrides {
		r.Score = min(r.Score, o.Cap)
		r.Unrounded = min(r.Unrounded, float64(o.Cap))
	}
	r.Status = statusFor(cfg.Status, r.Score)
	r.Raise = raise(r.Parts)
	r.PulseNote = pulseNote(pulse, statusFor(cfg.Status, r.Computed))
	return r
}

// overrides lists every cap whose condition holds, whether or not it lowers
// the score: a departed sponsor is a reason worth showing on a 30. pulse is
// recentPulse's.
func overrides(cfg *Config, s *Signals, pulse *PulseSignal) []Override {
	var out []Override
	if s.SponsorDeparted {
		out = append(out, Override{Rule: RuleSponsorDeparted, Cap: cfg.Overrides.SponsorDepartedCap, Reason: "executive sponsor left"})
	}
	if pulse != nil && pulse.Colour == Red {
		reason := "CSM pulse red"
		if pulse.Reason != "" {
			reason += ": " + pulse.Reason
		}
		out = append(out, Override{Rule: RulePulseRed, Cap: cfg.Overrides.PulseRedCap, Reason: reason})
	}
	return out
}

// raise returns the (up to) two parts that cost the most points, costliest
// first; ties keep display order. It picks them in one pass, as a stable
// sort by Lost descending would (Lost is never NaN here: NaN > 0 is false).
func raise(parts []Part) []Part {
	first, second := -1, -1
	for i := range parts {
		p := &parts[i]
		if !p.HasData || !(p.Lost > 0) {
			continue
		}
		switch {
		case first < 0 || p.Lost > parts[first].Lost:
			first, second = i, first
		case second < 0 || p.Lost > parts[second].Lost:
			second = i
		}
	}
	if first < 0 {
		return nil
	}
	if second < 0 {
		return []Part{parts[first]}
	}
	return []Part{parts[first], parts[second]}
}

// Band positions on one scale, doubled so yellow can sit between Stable and
// At-risk: Healthy 0, Stable 2, At-risk 4, Critical 6; green 0, yellow 3,
// red 6. A distance of 4 (two bands) or more is a disagreement, so green
// disagrees with At-risk and Critical, red with Healthy and Stable, and
// yellow never does.
var (
	statusPos = map[Status]int{Healthy: 0, Stable: 2, AtRisk: 4, Critical: 6}
	pulsePos  = map[string]int{Green: 0, Yellow: 3, Red: 6}
)

// pulseNote says when the latest recent pulse p (recentPulse's) disagrees
// with the data by two bands or more; status is the status before any cap.
func pulseNote(p *PulseSignal, status Status) string {
	if p == nil {
		return ""
	}
	pp, ok := pulsePos[p.Colour]
	if !ok {
		return ""
	}
	d := pp - statusPos[status]
	if d < 0 {
		d = -d
	}
	if d < 4 {
		return ""
	}
	return "CSM pulse " + p.Colour + " disagrees with the data (" + string(status) + ")"
}

// StatusOf returns the status of a score under the default cut-offs (80/60/40).
func StatusOf(score int) Status {
	return StatusFor(Default(), score)
}

// StatusFor returns the status of a score under cfg's cut-offs.
func StatusFor(cfg Config, score int) Status {
	return statusFor(cfg.Status, score)
}

// defaultStatus is Default().Status, built once: StatusFor ran Default(),
// with its maps, on every call.
var defaultStatus = Default().Status

// statusFor is StatusFor on the cut-offs alone; an all-zero section takes
// the default cut-offs.
func statusFor(st StatusConfig, score int) Status {
	fill(&st, defaultStatus)
	switch {
	case score >= st.HealthyMin:
		return Healthy
	case score >= st.StableMin:
		return Stable
	case score >= st.AtRiskMin:
		return AtRisk
	}
	return Critical
}

// StatusColour returns the colour a card uses for a status.
func StatusColour(st Status) string {
	switch st {
	case Healthy:
		return "green"
	case Stable:
		return "yellow"
	case AtRisk:
		return "orange"
	case Critical:
		return "red"
	}
	return "grey"
}

// SuggestedAction returns the action of seed 002 for a status.
func SuggestedAction(st Status) string {
	switch st {
	case Healthy:
		return "maintain, upsell"
	case Stable:
		return "monitor, engage"
	case AtRisk:
		return "intervene"
	case Critical:
		return "urgent outreach"
	}
	return "connect data sources"
}

// TicketRatingFlagAbove is the ticket rating above which an account is
// flagged (seed 000).
const TicketRatingFlagAbove = 3.0

// TicketRating is the account's tickets in the last 90 days over the mean
// of all active accounts (seed 000; shown, not scored). It is flagged above
// 3, or when the account never filed a ticket (silence can hide trouble).
func TicketRating(s Signals) (rating float64, flagged bool, why string) {
	if s.OrgMeanTickets90 > 0 {
		rating = float64(s.Tickets90) / s.OrgMeanTickets90
	}
	switch {
	case !s.EverFiledTicket:
		return rating, true, "never filed a ticket"
	case rating > TicketRatingFlagAbove:
		return rating, true, fmt.Sprintf("%.1f times the average ticket volume", rating)
	}
	return rating, false, ""
}
