// Why the score changed. The worked example (TestWhyUsageFellCappedProfile):
// the account of exampleSignals a week ago under the default model, today
// under profile smb (usage 40, adoption 20, support 20, engagement 10,
// payment 10), its usage down from weekly (67) to monthly active (33), its
// overdue invoice paid (30 -> 100) and a red pulse recorded (cap 59).
//
//	            then   sub-scores (then weights)  weights (smb)     now
//	usage       20.1   30·33/100 =  9.9  -10.2    40·33/100 = 13.2 +3.3   13.2
//	adoption    20.0   20.0                       20·80/100 = 16.0 -4.0   16.0
//	support     15.0   15.0                       15.0                    15.0
//	engagement  15.0   15.0                       10·100/100 = 10  -5.0   10.0
//	payment      3.0   10·100/100 = 10   +7.0     10.0                    10.0
//	            73.1   69.9              -3.2     64.2             -5.7   64.2
//
// The cap takes 64.2 to 59 (-5.2): 59 - 73.1 = -14.1 = -3.2 - 5.7 + 0 - 5.2.
package scoring_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

func smbModel(t *testing.T) scoring.Model {
	t.Helper()
	m, err := scoring.ParseModel([]byte(`
profiles:
  - name: smb
    match: {segment: [smb]}
    weights: {usage: 40, adoption: 20, support: 20, engagement: 10, payment: 10}
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func weekAgo() scoring.Signals {
	s := exampleSignals()
	s.AsOf = asOf.AddDate(0, 0, -7)
	return s
}

func usageFellCapped() scoring.Signals {
	s := exampleSignals()
	s.ActiveUserDays7 = 20 // DAU 2.9 / MAU 40 = 0.07: monthly active
	s.OverdueInvoices, s.OldestOverdueDue = 0, nil
	s.LatestPulse = &scoring.PulseSignal{Colour: scoring.Red, Reason: "budget", Day: *day(-2)}
	return s
}

type moves struct{ sub, model, redis float64 }

func checkWhy(t *testing.T, d scoring.Decomposition, change float64, total moves, overrides float64, parts map[string]moves) {
	t.Helper()
	if !d.Comparable || !near(d.Change, change) || !near(d.SubScores, total.sub) || !near(d.Model, total.model) ||
		!near(d.Redistribution, total.redis) || !near(d.Overrides, overrides) {
		t.Errorf("got change %v = sub %v + model %v + redistribution %v + overrides %v; want %v = %v + %v + %v + %v",
			d.Change, d.SubScores, d.Model, d.Redistribution, d.Overrides, change, total.sub, total.model, total.redis, overrides)
	}
	for _, p := range d.Parts {
		w := parts[p.Component]
		if !near(p.SubScore, w.sub) || !near(p.Model, w.model) || !near(p.Redistribution, w.redis) {
			t.Errorf("%s: sub %v model %v redistribution %v, want %+v", p.Component, p.SubScore, p.Model, p.Redistribution, w)
		}
	}
	checkAdds(t, d)
}

// checkAdds checks that every part's steps add up to its change of points
// and the parts and overrides to the change of the unrounded score.
func checkAdds(t *testing.T, d scoring.Decomposition) {
	t.Helper()
	total := d.Overrides
	for _, p := range d.Parts {
		if math.Abs(p.SubScore+p.Model+p.Redistribution-(p.PointsNow-p.PointsThen)) > 1e-9 {
			t.Errorf("%s: %v + %v + %v != %v - %v", p.Component, p.SubScore, p.Model, p.Redistribution, p.PointsNow, p.PointsThen)
		}
		total += p.SubScore + p.Model + p.Redistribution
	}
	if math.Abs(total-d.Change) > 1e-9 || math.Abs(d.SubScores+d.Model+d.Redistribution+d.Overrides-d.Change) > 1e-9 ||
		math.Abs(d.Now.Unrounded-d.Then.Unrounded-d.Change) > 1e-9 {
		t.Errorf("parts add to %v, totals to %v, want %v (%v - %v)", total, d.SubScores+d.Model+d.Redistribution+d.Overrides,
			d.Change, d.Now.Unrounded, d.Then.Unrounded)
	}
}

func TestWhyUsageFellCappedProfile(t *testing.T) {
	m := smbModel(t)
	then := m.For("mid-market", "").Score(weekAgo())
	now := m.For("smb", "").Score(usageFellCapped())
	d := scoring.Why(then, now)
	checkWhy(t, d, -14.1, moves{-3.2, -5.7, 0}, -5.2, map[string]moves{
		scoring.Usage: {-10.2, 3.3, 0}, scoring.Adoption: {0, -4, 0}, scoring.Support: {},
		scoring.Engagement: {0, -5, 0}, scoring.Payment: {7, 0, 0},
	})
	if d.Then.Score != 73 || d.Now.Score != 59 || d.Now.Computed != 64 || !near(d.Then.Unrounded, 73.1) || !near(d.Now.Unrounded, 59) {
		t.Errorf("sides: %+v / %+v", d.Then, d.Now)
	}
	if !d.ProfileChanged || !d.VersionChanged || d.Then.Profile != "default" || d.Now.Profile != "smb" {
		t.Errorf("profile %q -> %q changed=%v, version changed=%v", d.Then.Profile, d.Now.Profile, d.ProfileChanged, d.VersionChanged)
	}
	if len(d.OverrideRules) != 1 || d.OverrideRules[0].Change != scoring.OverrideApplied || *d.Now.Cap != 59 || d.Then.Cap != nil {
		t.Errorf("overrides %+v", d.OverrideRules)
	}
	if d.Parts[0].Then.Raw != "DAU 12.3 / MAU 40 = 0.31" || d.Parts[0].Now.Raw != "DAU 2.9 / MAU 40 = 0.07" {
		t.Errorf("usage raw %q -> %q", d.Parts[0].Then.Raw, d.Parts[0].Now.Raw)
	}
	golden(t, "why_usage_fell_capped_profile", scoring.ExplainWhy(d))
}

// Tickets connected during the week: support enters at 75 and takes its
// share from the others. Then 5810/80 = 72.625, now 7310/100 = 73.1:
// usage 25.125 -> 20.1, adoption 25 -> 20, support 0 -> 15, engagement
// 18.75 -> 15, payment 3.75 -> 3; all of it redistribution, +0.475.
func TestWhySourceConnected(t *testing.T) {
	then := weekAgo()
	then.Sources.Tickets = false
	d := scoring.Why(scoring.Score(scoring.Default(), then), scoring.Score(scoring.Default(), exampleSignals()))
	checkWhy(t, d, 0.475, moves{0, 0, 0.475}, 0, map[string]moves{
		scoring.Usage: {0, 0, -5.025}, scoring.Adoption: {0, 0, -5}, scoring.Support: {0, 0, 15},
		scoring.Engagement: {0, 0, -3.75}, scoring.Payment: {0, 0, -0.75},
	})
	if d.VersionChanged || d.ProfileChanged {
		t.Error("same model reported as changed")
	}
	golden(t, "why_source_connected", scoring.ExplainWhy(d))
}

// A departed sponsor capped the account at 59 (computed 73.1); now the
// sponsor is back, invoices are no longer connected, and the model gained
// nps (weight 10, NPS 50 -> 75). Sub-scores: nothing moved. Weights: nps
// joins with then's data, 8060/110 = 73.2727 (+0.1727). Data: payment
// leaves, 7760/100 = 77.6 (+4.3273). Cap lifted: +14.1. 77.6 - 59 = 18.6.
func TestWhyCapLiftedSourceLostComponentAdded(t *testing.T) {
	then := weekAgo()
	then.SponsorDeparted = true
	now := exampleSignals()
	now.Sources.Invoices = false
	now.NPSPromoters, now.NPSPassives, now.NPSDetractors = 60, 30, 10
	cfg := scoring.Default()
	cfg.Weights[scoring.NPS] = 10
	d := scoring.Why(scoring.Score(scoring.Default(), then), scoring.Score(cfg, now))
	m := 8060.0/110 - 73.1
	checkWhy(t, d, 18.6, moves{0, m, 77.6 - 8060.0/110}, 14.1, map[string]moves{
		scoring.Usage:      {0, 2010.0/110 - 20.1, 20.1 - 2010.0/110},
		scoring.Adoption:   {0, 2000.0/110 - 20, 20 - 2000.0/110},
		scoring.Support:    {0, 1500.0/110 - 15, 15 - 1500.0/110},
		scoring.Engagement: {0, 1500.0/110 - 15, 15 - 1500.0/110},
		scoring.Payment:    {0, 300.0/110 - 3, -300.0 / 110},
		scoring.NPS:        {0, 750.0 / 110, 7.5 - 750.0/110},
	})
	if d.Then.Score != 59 || d.Now.Score != 78 || d.OverrideRules[0].Change != scoring.OverrideLifted {
		t.Errorf("scores %d -> %d, override %+v", d.Then.Score, d.Now.Score, d.OverrideRules)
	}
	if d.Parts[5].Then != nil || d.Parts[5].Now.Sub != 75 || d.Parts[4].Now.HasData {
		t.Errorf("nps %+v, payment %+v", d.Parts[5], d.Parts[4])
	}
	golden(t, "why_cap_lifted_source_lost", scoring.ExplainWhy(d))
}

func TestWhyUnknownSide(t *testing.T) {
	then := weekAgo()
	then.Sources = scoring.Sources{}
	d := scoring.Why(scoring.Score(scoring.Default(), then), scoring.Score(scoring.Default(), exampleSignals()))
	if d.Comparable || d.Then.Known || !d.Now.Known || d.Change != 0 || len(d.Parts) != 5 || d.Parts[0].PointsNow == 0 {
		t.Errorf("got %+v", d)
	}
}

// Now's weights with then's data score nothing: then only usage and
// adoption had data; now the model is support alone, connected since. The
// data step goes first, at then's weights: support joins, 4010/55 = 72.91
// -> 5510/75 = 73.47 (+0.56); then the weights: -> 75 (+1.53).
func TestWhyDataStepFirst(t *testing.T) {
	then := weekAgo()
	then.Sources = scoring.Sources{Activity: true}
	cfg := scoring.Default()
	cfg.Weights = map[string]float64{scoring.Support: 20}
	d := scoring.Why(scoring.Score(scoring.Default(), then), scoring.Score(cfg, exampleSignals()))
	checkWhy(t, d, 75-4010.0/55, moves{0, 75 - 5510.0/75, 5510.0/75 - 4010.0/55}, 0, map[string]moves{
		scoring.Usage:      {0, -2010.0 / 75, 2010.0/75 - 2010.0/55},
		scoring.Adoption:   {0, -2000.0 / 75, 2000.0/75 - 2000.0/55},
		scoring.Support:    {0, 55, 20},
		scoring.Engagement: {}, scoring.Payment: {},
	})
}

// Random pairs of results: the parts always add up to the change.
func TestWhyAddsUp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	weights := []float64{0, 0, 1, 2.5, 5, 10, 15, 20, 30, 33.3, 0.1}
	random := func() scoring.Result {
		cfg := scoring.Default()
		for _, c := range scoring.Components {
			cfg.Weights[c] = weights[r.IntN(len(weights))]
		}
		cfg.Weights[scoring.Usage] += 0.01
		s := scoring.Signals{AsOf: asOf, ActiveUserDays7: r.IntN(80), MAU: 10, ValueFeaturesUsed30: r.IntN(11), ValueFeatures: 10,
			WindowTickets: 4, PositiveTickets: r.IntN(3), NegativeTickets: r.IntN(2), Touches90: r.IntN(5), FailedInvoices: r.IntN(2),
			ExecTouches90: r.IntN(3), NPSPromoters: r.IntN(9), NPSDetractors: r.IntN(9), CSATResponses: 9, CSATSatisfied: r.IntN(10),
			SponsorDeparted: r.IntN(4) == 0, Sources: scoring.Sources{Activity: true, Tickets: r.IntN(3) > 0, Touches: r.IntN(3) > 0,
				Invoices: r.IntN(3) > 0, NPS: r.IntN(2) > 0, CSAT: r.IntN(2) > 0, Pulses: r.IntN(2) > 0}}
		if r.IntN(3) == 0 {
			s.LatestPulse = &scoring.PulseSignal{Colour: scoring.Red, Day: asOf}
		}
		cfg.Overrides.SponsorDepartedCap = r.IntN(101)
		return scoring.Score(cfg, s)
	}
	for range 3000 {
		then, now := random(), random()
		d := scoring.Why(then, now)
		if !d.Comparable {
			t.Fatalf("usage always has data: %+v", d)
		}
		checkAdds(t, d)
		if math.Abs(d.Then.Unrounded-then.Unrounded) > 1e-9 || math.Abs(d.Now.Unrounded-now.Unrounded) > 1e-9 {
			t.Fatalf("unrounded %v / %v, results say %v / %v", d.Then.Unrounded, d.Now.Unrounded, then.Unrounded, now.Unrounded)
		}
		if int(math.Round(d.Now.Unrounded)) != now.Score {
			t.Fatalf("rounded %v, score %d", d.Now.Unrounded, now.Score)
		}
	}
}
