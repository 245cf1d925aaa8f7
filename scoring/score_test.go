// Worked example (the account of exampleSignals, default weights 30/25/20/15/10):
//
//	usage       DAU 86/7 = 12.3, MAU 40, stickiness 0.31 -> weekly active  67 x 30 = 2010
//	adoption    7 of 10 value features (0.70)            -> most           80 x 25 = 2000
//	support     3 tickets, 1 pos / 1 neu / 1 neg, mean 0 -> neutral        75 x 20 = 1500
//	engagement  last touch 12 days ago, 4 in 90 days     -> high          100 x 15 = 1500
//	payment     one invoice 17 days past due             -> overdue        30 x 10 =  300
//	                                                                        sum 7310 / 100
//	score = round(73.10) = 73 -> Stable ("monitor, engage")
//	costs: usage 30x33/100 = 9.9, payment 10x70/100 = 7.0, adoption 5.0, support 5.0
//	what would raise it: usage, then payment.
//
// Tickets not connected: support has no data and its weight is shared out:
// (2010 + 2000 + 1500 + 300) / 80 = 72.625 -> 73. With the sponsor gone the
// card shows 59 (At-risk), computed 73.
package scoring_test

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var asOf = time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)

func day(offset int) *time.Time {
	t := asOf.AddDate(0, 0, offset)
	return &t
}

func allSources() scoring.Sources {
	return scoring.Sources{Activity: true, Tickets: true, Touches: true, Invoices: true, NPS: true, CSAT: true, Pulses: true}
}

// exampleSignals is the worked example at the top of this file.
func exampleSignals() scoring.Signals {
	return scoring.Signals{
		AccountID: 7, AsOf: asOf, Sources: allSources(),
		ActiveUserDays7: 86, MAU: 40,
		ValueFeaturesUsed30: 7, ValueFeatures: 10,
		WindowTickets: 3, PositiveTickets: 1, NegativeTickets: 1,
		LastTouch: day(-12), Touches90: 4,
		OverdueInvoices: 1, OldestOverdueDue: day(-17),
	}
}

func TestWorkedExample(t *testing.T) {
	r := scoring.Score(scoring.Default(), exampleSignals())
	if !r.Known || r.Score != 73 || r.Computed != 73 || r.Status != scoring.Stable {
		t.Fatalf("got known=%v score=%d computed=%d status=%s, want 73 Stable", r.Known, r.Score, r.Computed, r.Status)
	}
	wantRaw := map[string]string{
		scoring.Usage:      "DAU 12.3 / MAU 40 = 0.31",
		scoring.Adoption:   "7 of 10 value features (0.70)",
		scoring.Support:    "3 tickets: 1 positive, 1 neutral, 1 negative (mean 0.00)",
		scoring.Engagement: "last touch 12 days ago, 4 in 90 days",
		scoring.Payment:    "invoice 17 days past due",
	}
	wantPoints := map[string]float64{scoring.Usage: 20.1, scoring.Adoption: 20, scoring.Support: 15, scoring.Engagement: 15, scoring.Payment: 3}
	if len(r.Parts) != 5 {
		t.Fatalf("got %d parts, want 5", len(r.Parts))
	}
	sum := 0.0
	for _, p := range r.Parts {
		if p.Raw != wantRaw[p.Component] {
			t.Errorf("%s raw = %q, want %q", p.Component, p.Raw, wantRaw[p.Component])
		}
		if !near(p.Points, wantPoints[p.Component]) {
			t.Errorf("%s points = %v, want %v", p.Component, p.Points, wantPoints[p.Component])
		}
		sum += p.Points
	}
	if !near(sum, 73.1) {
		t.Errorf("points sum to %v, want 73.1", sum)
	}
	if got := components(r.Raise); !reflect.DeepEqual(got, []string{scoring.Usage, scoring.Payment}) {
		t.Errorf("raise = %v, want [usage payment]", got)
	}
	if !near(r.Raise[0].Lost, 9.9) || !near(r.Raise[1].Lost, 7) {
		t.Errorf("raise lost = %v, %v, want 9.9, 7", r.Raise[0].Lost, r.Raise[1].Lost)
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func components(ps []scoring.Part) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Component)
	}
	return out
}

// Rounding is half away from zero: usage 100 and csat weighted 1:1 give
// (100 + csat) / 2, which lands on .5 for odd csat sub-scores.
func TestRoundingHalfAwayFromZero(t *testing.T) {
	cfg := scoring.Default()
	cfg.Weights = map[string]float64{scoring.Usage: 1, scoring.CSAT: 1}
	for _, tc := range []struct {
		usageDays7, csatSatisfied int // MAU 10: 28 -> usage 100, 0 -> monthly 33
		mau                       int
		want                      int
		status                    scoring.Status
	}{
		{28, 19, 10, 60, scoring.Stable},    // (100+19)/2 = 59.5
		{28, 59, 10, 80, scoring.Healthy},   // (100+59)/2 = 79.5
		{0, 79, 0, 40, scoring.AtRisk},      // (0+79)/2 = 39.5
		{0, 78, 0, 39, scoring.Critical},    // 39.0
		{28, 18, 10, 59, scoring.AtRisk},    // 59.0
		{28, 20, 10, 60, scoring.Stable},    // 60.0
		{0, 100, 0, 50, scoring.AtRisk},     // 50.0
		{0, 99, 0, 50, scoring.AtRisk},      // 49.5
		{28, 61, 10, 81, scoring.Healthy},   // 80.5
		{0, 1, 0, 1, scoring.Critical},      // 0.5
		{0, 0, 0, 0, scoring.Critical},      // 0
		{28, 100, 10, 100, scoring.Healthy}, // 100
	} {
		s := scoring.Signals{AsOf: asOf, Sources: allSources(), ActiveUserDays7: tc.usageDays7, MAU: tc.mau,
			CSATResponses: 100, CSATSatisfied: tc.csatSatisfied}
		r := scoring.Score(cfg, s)
		if r.Score != tc.want || r.Status != tc.status {
			t.Errorf("usage %d csat %d: got %d %s, want %d %s", tc.usageDays7, tc.csatSatisfied, r.Score, r.Status, tc.want, tc.status)
		}
	}
}

func TestMissingDataRedistributes(t *testing.T) {
	s := exampleSignals()
	s.Sources.Tickets = false
	r := scoring.Score(scoring.Default(), s)
	// (2010 + 2000 + 1500 + 300) / 80 = 72.625
	if r.Score != 73 || !reflect.DeepEqual(r.NoData, []string{scoring.Support}) {
		t.Fatalf("got %d, no data %v; want 73, [support]", r.Score, r.NoData)
	}
	for _, p := range r.Parts {
		if p.Component == scoring.Support {
			if p.HasData || p.Band != "no data" || p.Points != 0 || p.Lost != 0 {
				t.Errorf("support part = %+v, want no data and no points", p)
			}
		}
		if p.Component == scoring.Usage && !near(p.Points, 2010.0/80) {
			t.Errorf("usage points = %v, want %v (30/80 of 67)", p.Points, 2010.0/80)
		}
	}

	// A case where the redistribution changes the status: usage 100,
	// adoption 40, engagement 33, payment 70 with support escalated (0):
	// 5195/100 = 51.95 -> 52 At-risk; without tickets 5195/80 = 64.94 -> 65 Stable.
	s = scoring.Signals{AsOf: asOf, Sources: allSources(),
		ActiveUserDays7: 28, MAU: 10, ValueFeaturesUsed30: 3, ValueFeatures: 10,
		WindowTickets: 1, EscalatedOpen: 1, LastTouch: day(-60), Touches90: 1, LatePaid180: 1}
	if r := scoring.Score(scoring.Default(), s); r.Score != 52 || r.Status != scoring.AtRisk {
		t.Errorf("with tickets: got %d %s, want 52 At-risk", r.Score, r.Status)
	}
	s.Sources.Tickets = false
	if r := scoring.Score(scoring.Default(), s); r.Score != 65 || r.Status != scoring.Stable {
		t.Errorf("without tickets: got %d %s, want 65 Stable", r.Score, r.Status)
	}
}

func TestNoDataIsUnknown(t *testing.T) {
	s := exampleSignals()
	s.Sources = scoring.Sources{NPS: true} // nps has weight 0 by default
	s.SponsorDeparted = true
	r := scoring.Score(scoring.Default(), s)
	if r.Known || r.Status != scoring.NoData || r.Score != 0 || r.Capped() {
		t.Fatalf("got known=%v status=%s score=%d capped=%v, want unknown No data", r.Known, r.Status, r.Score, r.Capped())
	}
	want := []string{scoring.Usage, scoring.Adoption, scoring.Support, scoring.Engagement, scoring.Payment}
	if !reflect.DeepEqual(r.NoData, want) || len(r.Raise) != 0 {
		t.Errorf("no data = %v, raise = %v; want %v and none", r.NoData, r.Raise, want)
	}
	if len(r.Overrides) != 1 {
		t.Errorf("overrides = %v, want the sponsor reason listed", r.Overrides)
	}
	if scoring.StatusColour(r.Status) != "grey" {
		t.Errorf("colour = %s, want grey", scoring.StatusColour(r.Status))
	}
}

func TestOverrides(t *testing.T) {
	red := &scoring.PulseSignal{Colour: scoring.Red, Reason: "budget", Day: *day(-3)}
	for _, tc := range []struct {
		name     string
		departed bool
		pulse    *scoring.PulseSignal
		want     int
		reasons  []string
	}{
		{"none", false, nil, 73, nil},
		{"sponsor left", true, nil, 59, []string{"executive sponsor left"}},
		{"pulse red", false, red, 59, []string{"CSM pulse red: budget"}},
		{"both", true, red, 59, []string{"executive sponsor left", "CSM pulse red: budget"}},
		{"red pulse 29 days ago", false, &scoring.PulseSignal{Colour: scoring.Red, Reason: "budget", Day: *day(-29)}, 59, []string{"CSM pulse red: budget"}},
		{"red pulse 30 days ago is stale", false, &scoring.PulseSignal{Colour: scoring.Red, Reason: "budget", Day: *day(-30)}, 73, nil},
		{"yellow pulse", false, &scoring.PulseSignal{Colour: scoring.Yellow, Day: *day(-1)}, 73, nil},
		{"red without reason", false, &scoring.PulseSignal{Colour: scoring.Red, Day: *day(0)}, 59, []string{"CSM pulse red"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := exampleSignals()
			s.SponsorDeparted, s.LatestPulse = tc.departed, tc.pulse
			r := scoring.Score(scoring.Default(), s)
			var reasons []string
			for _, o := range r.Overrides {
				reasons = append(reasons, o.Reason)
				if o.Cap != 59 {
					t.Errorf("cap = %d, want 59", o.Cap)
				}
			}
			if r.Score != tc.want || r.Computed != 73 || !reflect.DeepEqual(reasons, tc.reasons) {
				t.Errorf("got %d (computed %d) %v, want %d (computed 73) %v", r.Score, r.Computed, reasons, tc.want, tc.reasons)
			}
			if r.Capped() != (tc.want != 73) {
				t.Errorf("capped = %v", r.Capped())
			}
			if tc.want == 59 && r.Status != scoring.AtRisk {
				t.Errorf("status = %s, want At-risk", r.Status)
			}
		})
	}
	// A cap above the score changes nothing but the reason is still listed.
	s := exampleSignals()
	s.LatestPulse = red
	s.ActiveUserDays7, s.MAU, s.ValueFeaturesUsed30 = 0, 0, 0 // 0 + 0 + 1500 + 1500 + 300 = 33
	r := scoring.Score(scoring.Default(), s)
	if r.Score != 33 || r.Capped() || len(r.Overrides) != 1 || r.Status != scoring.Critical {
		t.Errorf("got %d capped=%v overrides=%v %s, want 33 uncapped, reason kept, Critical", r.Score, r.Capped(), r.Overrides, r.Status)
	}
}

// healthySignals scores 100 (Healthy) with every default component.
func healthySignals() scoring.Signals {
	return scoring.Signals{AccountID: 1, AsOf: asOf, Sources: allSources(),
		ActiveUserDays7: 140, MAU: 40, ValueFeaturesUsed30: 10, ValueFeatures: 10,
		WindowTickets: 2, PositiveTickets: 2, LastTouch: day(-2), Touches90: 6}
}

// criticalSignals scores 0 (Critical).
func criticalSignals() scoring.Signals {
	return scoring.Signals{AccountID: 2, AsOf: asOf, Sources: allSources(),
		ValueFeatures: 10, WindowTickets: 1, EscalatedOpen: 1, FailedInvoices: 1}
}

func TestPulseDisagreement(t *testing.T) {
	pulse := func(c string, ago int) *scoring.PulseSignal {
		return &scoring.PulseSignal{Colour: c, Reason: "budget", Day: *day(-ago)}
	}
	stable := exampleSignals() // 73
	atRisk := exampleSignals()
	atRisk.ActiveUserDays7, atRisk.MAU = 0, 0 // 7310 - 2010 = 53
	for _, tc := range []struct {
		name string
		s    scoring.Signals
		p    *scoring.PulseSignal
		want string
	}{
		{"green on critical", criticalSignals(), pulse(scoring.Green, 1), "CSM pulse green disagrees with the data (Critical)"},
		{"green on at-risk", atRisk, pulse(scoring.Green, 1), "CSM pulse green disagrees with the data (At-risk)"},
		{"green on stable", stable, pulse(scoring.Green, 1), ""},
		{"red on healthy, before the cap", healthySignals(), pulse(scoring.Red, 1), "CSM pulse red disagrees with the data (Healthy)"},
		{"red on stable", stable, pulse(scoring.Red, 1), "CSM pulse red disagrees with the data (Stable)"},
		{"red on at-risk", atRisk, pulse(scoring.Red, 1), ""},
		{"yellow on critical", criticalSignals(), pulse(scoring.Yellow, 1), ""},
		{"yellow on healthy", healthySignals(), pulse(scoring.Yellow, 1), ""},
		{"stale green on critical", criticalSignals(), pulse(scoring.Green, 30), ""},
		{"no pulse", criticalSignals(), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.LatestPulse = tc.p
			if got := scoring.Score(scoring.Default(), tc.s).PulseNote; got != tc.want {
				t.Errorf("note = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRaiseOrder(t *testing.T) {
	// adoption 80 and support 75 both cost 5.0 points: display order breaks the tie.
	s := healthySignals()
	s.ValueFeaturesUsed30 = 7
	s.PositiveTickets = 0
	r := scoring.Score(scoring.Default(), s)
	if got := components(r.Raise); !reflect.DeepEqual(got, []string{scoring.Adoption, scoring.Support}) {
		t.Errorf("raise = %v, want [adoption support]", got)
	}
	// Only one part below 100: one suggestion.
	s = healthySignals()
	s.OverdueInvoices = 1
	r = scoring.Score(scoring.Default(), s)
	if got := components(r.Raise); !reflect.DeepEqual(got, []string{scoring.Payment}) {
		t.Errorf("raise = %v, want [payment]", got)
	}
	// A perfect account has nothing to raise.
	if r := scoring.Score(scoring.Default(), healthySignals()); len(r.Raise) != 0 || r.Score != 100 {
		t.Errorf("raise = %v score %d, want none, 100", components(r.Raise), r.Score)
	}
	// Costliest first even against display order.
	s = healthySignals()
	s.LastTouch = nil         // engagement 0: costs 15
	s.ValueFeaturesUsed30 = 7 // adoption 80: costs 5
	s.FailedInvoices = 1      // payment 0: costs 10
	r = scoring.Score(scoring.Default(), s)
	if got := components(r.Raise); !reflect.DeepEqual(got, []string{scoring.Engagement, scoring.Payment}) {
		t.Errorf("raise = %v, want [engagement payment]", got)
	}
}

func TestOptionalComponentsOnlyWhenWeighted(t *testing.T) {
	r := scoring.Score(scoring.Default(), exampleSignals())
	want := []string{scoring.Usage, scoring.Adoption, scoring.Support, scoring.Engagement, scoring.Payment}
	if got := components(r.Parts); !reflect.DeepEqual(got, want) {
		t.Errorf("parts = %v, want %v", got, want)
	}
	cfg := scoring.Default()
	cfg.Weights[scoring.Pulse] = 10
	cfg.Weights[scoring.Payment] = 0
	r = scoring.Score(cfg, exampleSignals())
	want = []string{scoring.Usage, scoring.Adoption, scoring.Support, scoring.Engagement, scoring.Pulse}
	if got := components(r.Parts); !reflect.DeepEqual(got, want) {
		t.Errorf("parts = %v, want %v", got, want)
	}
	// pulse: no recent pulse scores 50: 7010 + 500 = 7510 / 100 -> 75 (75.1)
	if r.Score != 75 {
		t.Errorf("score = %d, want 75", r.Score)
	}
}

func TestStatusHelpers(t *testing.T) {
	for _, tc := range []struct {
		score  int
		status scoring.Status
		colour string
		action string
	}{
		{100, scoring.Healthy, "green", "maintain, upsell"},
		{80, scoring.Healthy, "green", "maintain, upsell"},
		{79, scoring.Stable, "yellow", "monitor, engage"},
		{60, scoring.Stable, "yellow", "monitor, engage"},
		{59, scoring.AtRisk, "orange", "intervene"},
		{40, scoring.AtRisk, "orange", "intervene"},
		{39, scoring.Critical, "red", "urgent outreach"},
		{0, scoring.Critical, "red", "urgent outreach"},
	} {
		st := scoring.StatusOf(tc.score)
		if st != tc.status || scoring.StatusColour(st) != tc.colour || scoring.SuggestedAction(st) != tc.action {
			t.Errorf("%d: got %s %s %q, want %s %s %q", tc.score, st, scoring.StatusColour(st), scoring.SuggestedAction(st), tc.status, tc.colour, tc.action)
		}
	}
}

func TestTicketRating(t *testing.T) {
	for _, tc := range []struct {
		n90    int
		mean   float64
		ever   bool
		rating float64
		flag   bool
		why    string
	}{
		{6, 2, true, 3, false, ""},
		{7, 2, true, 3.5, true, "3.5 times the average ticket volume"},
		{1, 2, true, 0.5, false, ""},
		{0, 2, false, 0, true, "never filed a ticket"},
		{0, 0, true, 0, false, ""},
	} {
		r, f, why := scoring.TicketRating(scoring.Signals{Tickets90: tc.n90, OrgMeanTickets90: tc.mean, EverFiledTicket: tc.ever})
		if r != tc.rating || f != tc.flag || why != tc.why {
			t.Errorf("%d/%v: got %v %v %q, want %v %v %q", tc.n90, tc.mean, r, f, why, tc.rating, tc.flag, tc.why)
		}
	}
}

// TestExplainGolden pins the plain-text explanation of three representative
// accounts; run with -update to rewrite testdata/explain_*.golden.
func TestExplainGolden(t *testing.T) {
	capped := exampleSignals()
	capped.SponsorDeparted = true
	capped.LatestPulse = &scoring.PulseSignal{Colour: scoring.Red, Reason: "champion-left", Day: *day(-4)}

	partial := exampleSignals()
	partial.Sources.Tickets = false
	partial.Sources.Invoices = false
	partial.LatestPulse = &scoring.PulseSignal{Colour: scoring.Green, Day: *day(-1)}
	partialCfg := scoring.Default()
	partialCfg.Weights[scoring.NPS] = 10 // optional, connected, no responses
	partial.Sources.NPS = true

	healthy := healthySignals()
	healthy.ValueFeaturesUsed30 = 9
	healthy.LatePaid180 = 1

	for _, tc := range []struct {
		name string
		cfg  scoring.Config
		s    scoring.Signals
	}{
		{"healthy", scoring.Default(), healthy},
		{"at_risk_capped", scoring.Default(), capped},
		{"partial_no_data", partialCfg, partial},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, "explain_"+tc.name, scoring.Explain(scoring.Score(tc.cfg, tc.s)))
		})
	}
}

// A hand-built config with only weights scores with the default bands.
func TestZeroSectionsUseDefaults(t *testing.T) {
	cfg := scoring.Config{Weights: scoring.Default().Weights}
	if r := scoring.Score(cfg, exampleSignals()); r.Score != 73 || r.Status != scoring.Stable {
		t.Errorf("got %d %s, want 73 Stable", r.Score, r.Status)
	}
	if r := scoring.Score(scoring.Config{}, exampleSignals()); r.Score != 73 {
		t.Errorf("zero config: got %d, want 73", r.Score)
	}
}

// golden compares got with testdata/NAME.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}
