package scoring

import (
	"math"
	"slices"
)

// Verdicts of a key metric against its target.
const (
	Met       = "met"
	Close     = "close"
	Missed    = "missed"
	NoDataYet = "no data"
)

// Metric is one key metric of seed 002 against its target.
type Metric struct {
	Name          string  // e.g. "NPS"
	Known         bool    // false when its denominator is 0
	Value         float64 // in Unit
	Unit          string  // "", "%", "/ 5" or "days"
	Target        float64
	LowerIsBetter bool   // time to value: met below the target
	Verdict       string // Met, Close, Missed or NoDataYet
	N             int    // how many responses, ratings or accounts it is computed from
}

// Metrics are the organisation's key metrics over a period.
type Metrics struct {
	NPS         Metric
	CSAT        Metric  // share of ratings 4 or 5, judged by CSATMean against the target
	CSATMean    float64 // mean rating 1..5, 0 with no rating
	TimeToValue Metric  // median days
	Adoption    Metric
	Expansion   Metric
	NRR         Metric
}

// All returns the metrics in display order.
func (m Metrics) All() []Metric {
	return []Metric{m.NPS, m.CSAT, m.TimeToValue, m.Adoption, m.Expansion, m.NRR}
}

// OrgMetrics computes the key metrics of seed 002 from the period's figures.
// Targets are strict, as written in seed 002 ("> 50", "< 7 days"): a value
// exactly at the target is "close", not "met".
func OrgMetrics(cfg Config, in OrgInputs) Metrics {
	cfg = cfg.filled()
	t := cfg.Targets
	var m Metrics

	n := in.NPSPromoters + in.NPSPassives + in.NPSDetractors
	m.NPS = Metric{Name: "NPS", Target: t.NPS, N: n}
	if n > 0 {
		m.NPS.Value = 100 * float64(in.NPSPromoters-in.NPSDetractors) / float64(n)
	}
	m.NPS = judge(m.NPS, n > 0, t.CloseMargin)

	// The CSAT target of seed 002 is a mean rating (> 4.5 / 5), so the
	// verdict is on the mean while the value shown is the satisfied share.
	m.CSAT = Metric{Name: "CSAT", Unit: "%", Target: t.CSATMean, N: in.CSATResponses}
	if in.CSATResponses > 0 {
		m.CSAT.Value = 100 * float64(in.CSATSatisfied) / float64(in.CSATResponses)
		m.CSATMean = float64(in.CSATSum) / float64(in.CSATResponses)
		m.CSAT.Known = true
		m.CSAT.Verdict = verdict(m.CSATMean, t.CSATMean, false, t.CloseMargin)
	} else {
		m.CSAT.Verdict = NoDataYet
	}

	m.TimeToValue = Metric{Name: "Time to value", Unit: "days", Target: t.TimeToValueDays, LowerIsBetter: true, N: len(in.TimeToValueDays)}
	if len(in.TimeToValueDays) > 0 {
		m.TimeToValue.Value = median(in.TimeToValueDays)
	}
	m.TimeToValue = judge(m.TimeToValue, len(in.TimeToValueDays) > 0, t.CloseMargin)

	m.Adoption = Metric{Name: "Adoption rate", Unit: "%", Target: t.AdoptionPct, N: in.Seats}
	if in.Seats > 0 {
		m.Adoption.Value = 100 * float64(in.MAU) / float64(in.Seats)
	}
	m.Adoption = judge(m.Adoption, in.Seats > 0, t.CloseMargin)

	m.Expansion = Metric{Name: "Expansion rate", Unit: "%", Target: t.ExpansionPct, N: in.AccountsAtStart}
	if in.AccountsAtStart > 0 {
		m.Expansion.Value = 100 * float64(in.Expanded) / float64(in.AccountsAtStart)
	}
	m.Expansion = judge(m.Expansion, in.AccountsAtStart > 0, t.CloseMargin)

	m.NRR = Metric{Name: "Net revenue retention", Unit: "%", Target: t.NRRPct, N: in.AccountsAtStart}
	if in.MRRStartCents > 0 {
		m.NRR.Value = 100 * float64(in.MRREndCents) / float64(in.MRRStartCents)
	}
	m.NRR = judge(m.NRR, in.MRRStartCents > 0, t.CloseMargin)
	return m
}

func judge(m Metric, known bool, margin float64) Metric {
	m.Known = known
	if !known {
		m.Verdict = NoDataYet
		return m
	}
	m.Verdict = verdict(m.Value, m.Target, m.LowerIsBetter, margin)
	return m
}

// verdict compares a value with a strict target; "close" is within
// margin × |target| of it on the wrong side.
func verdict(v, target float64, lower bool, margin float64) string {
	gap := v - target
	if lower {
		gap = -gap
	}
	// eps absorbs float noise in the products (0.1 × 50), not rounding.
	const eps = 1e-9
	switch {
	case gap > eps:
		return Met
	case -gap <= margin*math.Abs(target)+eps:
		return Close
	}
	return Missed
}

func median(xs []int) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}
