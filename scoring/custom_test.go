// Custom components. seat_use (testdata/profiles.yaml) is the latest
// seats_active figure per licensed seat: >= 0.8 full 100, >= 0.5 partial
// 60, >= 0 low 20.
//
// Worked example: the account of exampleSignals (7310 points of 100
// weight, 73) with 42 of its 50 seats active and seat_use weighted 10:
//
//	(7310 + 10·100) / 110 = 75.55 -> 76
//
// With no seats_active row in the store, or with 0 seats on the account,
// seat_use has no data and the score is the default model's 73.
package scoring_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

func seatUse() scoring.CustomComponent {
	return scoring.CustomComponent{Metric: "seats_active", Aggregate: scoring.AggLatest, Days: 30, Per: scoring.PerSeats,
		Bands: []scoring.Band{{Min: 0.8, Label: "full", Score: 100}, {Min: 0.5, Label: "partial", Score: 60}, {Min: 0, Label: "low", Score: 20}}}
}

// withCustom is the default model plus custom components weighted 10.
func withCustom(defs map[string]scoring.CustomComponent) scoring.Config {
	cfg := scoring.Default()
	cfg.Components = defs
	for name := range defs {
		cfg.Weights[name] = 10
	}
	return cfg
}

func metric(name string, value float64, rows, seats int, mrrCents int64) func(*scoring.Signals) {
	return func(s *scoring.Signals) {
		s.MetricSources = map[string]bool{"seats_active": true, "logins": true}
		s.Metrics = map[string]scoring.MetricSignal{name: {Value: value, Rows: rows}}
		s.Seats, s.MRRCents = seats, mrrCents
	}
}

func TestCustomBands(t *testing.T) {
	logins := scoring.CustomComponent{Metric: "logins", Aggregate: scoring.AggSum, Days: 7,
		Bands: []scoring.Band{{Min: 100, Label: "busy", Score: 100}, {Min: 10, Label: "some", Score: 50}}}
	for _, tc := range []struct {
		name string
		def  scoring.CustomComponent
		edit func(*scoring.Signals)
		sub  int
		band string
		raw  string
		data bool
	}{
		{"42 of 50 seats", seatUse(), metric("c", 42, 3, 50, 0), 100, "full", "seats_active 42 / 50 seats = 0.84", true},
		{"at 0.8", seatUse(), metric("c", 40, 1, 50, 0), 100, "full", "seats_active 40 / 50 seats = 0.80", true},
		{"below 0.8", seatUse(), metric("c", 39, 1, 50, 0), 60, "partial", "", true},
		{"at 0.5", seatUse(), metric("c", 25, 1, 50, 0), 60, "partial", "", true},
		{"below 0.5", seatUse(), metric("c", 24, 1, 50, 0), 20, "low", "seats_active 24 / 50 seats = 0.48", true},
		{"no rows of its own is 0", seatUse(), metric("c", 7, 0, 50, 0), 20, "low", "no seats_active in 30 days / 50 seats = 0.00", true},
		{"no seats: no data for this account", seatUse(), metric("c", 7, 1, 0, 0), 0, "no data", "seats_active per seat: the account has no seats", false},
		{"metric absent store-wide", seatUse(), func(s *scoring.Signals) { metric("c", 42, 3, 50, 0)(s); s.MetricSources = nil }, 0, "no data", "", false},
		{"sum", logins, metric("c", 420, 9, 0, 0), 100, "busy", "logins sum 420 in 7 days", true},
		{"mean with decimals", func() scoring.CustomComponent { d := logins; d.Aggregate = scoring.AggMean; return d }(),
			metric("c", 41.5, 9, 0, 0), 50, "some", "logins mean 41.5 in 7 days", true},
		{"below every min", logins, metric("c", 9.5, 2, 0, 0), 0, "none", "logins sum 9.5 in 7 days", true},
		{"no rows below every min", logins, metric("c", 0, 0, 0, 0), 0, "none", "no logins in 7 days", true},
		{"per mrr", func() scoring.CustomComponent { d := logins; d.Per = scoring.PerMRR; return d }(),
			metric("c", 2401, 3, 0, 120050), 0, "none", "logins sum 2401 in 7 days / 1200.5 MRR = 2.00", true},
		{"per mrr with no MRR", func() scoring.CustomComponent { d := logins; d.Per = scoring.PerMRR; return d }(),
			metric("c", 2401, 3, 9, 0), 0, "no data", "logins per MRR: the account has no MRR", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := scoring.Default()
			cfg.Components = map[string]scoring.CustomComponent{"c": tc.def}
			cfg.Weights = map[string]float64{"c": 1, scoring.Usage: 1}
			s := scoring.Signals{AsOf: asOf, Sources: allSources(), ActiveUserDays7: 70, MAU: 10} // usage 100
			tc.edit(&s)
			r := scoring.Score(cfg, s)
			p := r.Parts[1]
			if p.Component != "c" || p.Sub != tc.sub || p.Band != tc.band || p.HasData != tc.data || (tc.raw != "" && p.Raw != tc.raw) {
				t.Errorf("got %+v, want %d %q %q data=%v", p, tc.sub, tc.band, tc.raw, tc.data)
			}
			// usage 100 alongside: the mean of the two, or usage alone without data.
			want := (100 + tc.sub + 1) / 2
			if !tc.data {
				want = 100
				if !reflect.DeepEqual(r.NoData, []string{"c"}) {
					t.Errorf("no data = %v, want [c]", r.NoData)
				}
			}
			if r.Score != want {
				t.Errorf("score %d, want %d", r.Score, want)
			}
		})
	}
}

func TestCustomWorkedExample(t *testing.T) {
	cfg := withCustom(map[string]scoring.CustomComponent{"seat_use": seatUse()})
	s := exampleSignals()
	metric("seat_use", 42, 3, 50, 0)(&s)
	r := scoring.Score(cfg, s)
	if r.Score != 76 || !near(r.Unrounded, 8310.0/110) {
		t.Errorf("score %d (%v), want 76 (%v)", r.Score, r.Unrounded, 8310.0/110)
	}
	if p := r.Parts[5]; p.Component != "seat_use" || !near(p.Points, 1000.0/110) {
		t.Errorf("seat_use part = %+v, want 9.09 points", p)
	}
	s.MetricSources = map[string]bool{"logins": true}
	if r := scoring.Score(cfg, s); r.Score != 73 || !reflect.DeepEqual(r.NoData, []string{"seat_use"}) {
		t.Errorf("metric absent: %d %v, want 73 [seat_use]", r.Score, r.NoData)
	}
	s.MetricSources["seats_active"], s.Seats = true, 0
	r = scoring.Score(cfg, s)
	if r.Score != 73 || r.Parts[5].Raw != "seats_active per seat: the account has no seats" {
		t.Errorf("no seats: %d %+v, want 73 and the reason", r.Score, r.Parts[5])
	}
	if want := "  seat_use     no data           weight 10   no data  seats_active per seat: the account has no seats\n"; !strings.Contains(scoring.Explain(r), want) {
		t.Errorf("explanation:\n%s\nwant the line %q", scoring.Explain(r), want)
	}
}

// Custom parts follow the built-in ones, by name, whether or not the
// config came through Parse.
func TestCustomDisplayOrder(t *testing.T) {
	def := scoring.CustomComponent{Metric: "m", Aggregate: scoring.AggCount, Days: 1, Bands: []scoring.Band{{Min: 0, Label: "any", Score: 50}}}
	cfg := withCustom(map[string]scoring.CustomComponent{"zeta": def, "alpha": def, "mid": def})
	want := []string{scoring.Usage, scoring.Adoption, scoring.Support, scoring.Engagement, scoring.Payment, "alpha", "mid", "zeta"}
	if got := components(scoring.Score(cfg, exampleSignals()).Parts); !reflect.DeepEqual(got, want) {
		t.Errorf("hand-built: parts %v, want %v", got, want)
	}
	parsed, err := scoring.Parse([]byte(`
components:
  zeta: {metric: m, aggregate: count, days: 1, bands: [{min: 0, label: any, score: 50}]}
  alpha: {metric: m, aggregate: count, days: 1, bands: [{min: 0, label: any, score: 50}]}
  mid: {metric: m, aggregate: count, days: 1, bands: [{min: 0, label: any, score: 50}]}
weights: {zeta: 10, alpha: 10, mid: 10}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := components(scoring.Score(parsed, exampleSignals()).Parts); !reflect.DeepEqual(got, want) {
		t.Errorf("parsed: parts %v, want %v", got, want)
	}
}

func TestCustomConfigErrors(t *testing.T) {
	const ok = "{metric: m, aggregate: sum, days: 7, bands: [{min: 10, label: high, score: 100}, {min: 0, label: low, score: 20}]}"
	for _, tc := range []struct{ yaml, want string }{
		{"components: {usage: " + ok + "}", "components.usage: clashes with the built-in component \"usage\""},
		{"components: {Seat Use: " + ok + "}", "components.Seat Use: name must be lowercase letters"},
		{"components: {c: {aggregate: sum, days: 7, bands: [{min: 0, label: l, score: 1}]}}", "components.c.metric: must name the ingested metric"},
		{"components: {c: {metric: m, aggregate: median, days: 7, bands: [{min: 0, label: l, score: 1}]}}", "components.c.aggregate: must be one of latest, sum, mean, max, min, count"},
		{"components: {c: {metric: m, days: 7, bands: [{min: 0, label: l, score: 1}]}}", "components.c.aggregate: must be one of"},
		{"components: {c: {metric: m, aggregate: sum, days: 0, bands: [{min: 0, label: l, score: 1}]}}", "components.c.days: must be at least 1"},
		{"components: {c: {metric: m, aggregate: sum, days: 7, per: users, bands: [{min: 0, label: l, score: 1}]}}", "components.c.per: must be seats or mrr"},
		{"components: {c: {metric: m, aggregate: sum, days: 7}}", "components.c.bands: must list at least one band"},
		{"components: {c: {metric: m, aggregate: sum, days: 7, bands: [{min: 0, label: l, score: 1}, {min: 5, label: h, score: 9}]}}", "components.c.bands[1].min: must be below the min of the band before it"},
		{"components: {c: {metric: m, aggregate: sum, days: 7, bands: [{min: 5, label: l, score: 1}, {min: 5, label: h, score: 9}]}}", "components.c.bands[1].min: must be below"},
		{"components: {c: {metric: m, aggregate: sum, days: 7, bands: [{min: 5, label: l, score: 101}]}}", "components.c.bands[0].score: must be between 0 and 100"},
		{"components: {c: {metric: m, aggregate: sum, days: 7, bands: [{min: 5, label: '', score: 1}]}}", "components.c.bands[0].label: must not be empty"},
		{"components: {c: {metric: m, aggregate: sum, days: 7, bands: [{min: .nan, label: l, score: 1}]}}", "components.c.bands[0].min: must be a number"},
		{"components: {c: {metric: m, aggregate: sum, days: 7, bands: [{min: 1, label: l, score: 1, max: 3}]}}", "field max not found"},
		{"components: {c: " + ok + "}\nweights: {d: 3}", "weights.d: unknown component (want one of usage, adoption, support, engagement, payment, exec_sponsor, nps, csat, pulse, c)"},
	} {
		_, err := scoring.Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant an error containing %q", tc.yaml, err, tc.want)
		}
	}
	// Higher need not be better: bands may score upwards.
	if _, err := scoring.Parse([]byte("components: {open_bugs: {metric: bugs, aggregate: max, days: 30, bands: [{min: 10, label: many, score: 0}, {min: 0, label: few, score: 100}]}}\nweights: {open_bugs: 5}")); err != nil {
		t.Error(err)
	}
}
