package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// marshalSnapshotJSON is what snapshots stored before SnapshotJSON wrote it by
// hand: json.Marshal of the sub-scores as a map and of SnapshotDetails.
func marshalSnapshotJSON(t testing.TB, r scoring.Result) (subscores, details string) {
	subs := map[string]int{}
	var det models.SnapshotDetails
	for _, p := range r.Parts {
		if p.HasData {
			subs[p.Component] = p.Sub
			if p.Raw != "" {
				if det.Raw == nil {
					det.Raw = map[string]string{}
				}
				det.Raw[p.Component] = p.Raw
			}
		}
	}
	for _, p := range r.Parts {
		if det.Weights == nil {
			det.Weights = map[string]float64{}
		}
		det.Weights[p.Component] = p.Weight
	}
	for _, o := range r.Overrides {
		det.Overrides = append(det.Overrides, o.Reason)
		det.Caps = append(det.Caps, models.SnapshotCap{Rule: o.Rule, Cap: o.Cap})
	}
	js, err := json.Marshal(subs)
	if err != nil {
		t.Fatal(err)
	}
	dj, err := json.Marshal(det)
	if err != nil {
		t.Fatal(err)
	}
	return string(js), string(dj)
}

func checkSnapshotJSON(t testing.TB, r scoring.Result) {
	t.Helper()
	gotSubs, gotDet, err := models.SnapshotJSON(r)
	if err != nil {
		t.Fatalf("SnapshotJSON: %v", err)
	}
	subs, det := marshalSnapshotJSON(t, r)
	if gotSubs != subs || gotDet != det {
		t.Fatalf("result %+v:\nsub-scores %s\n      want %s\n   details %s\n      want %s", r, gotSubs, subs, gotDet, det)
	}
}

// TestSnapshotJSONMatchesMarshal holds SnapshotJSON's hand-written JSON to
// json.Marshal's bytes: on every account of the demo portfolio over two
// weeks, and on random results with awkward component names, raw figures
// and reasons (HTML characters, quotes, control bytes, non-ASCII, invalid
// UTF-8, repeated components).
func TestSnapshotJSONMatchesMarshal(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		s := modelstest.MustOpenSQLite(t)
		ctx := context.Background()
		today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		if _, err := demo.Load(ctx, s, today); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, cfg := range []scoring.Config{scoring.Default(), allComponents()} {
			for d := range 14 {
				err := s.AllSignals(ctx, cfg, today.AddDate(0, 0, -d), func(sig scoring.Signals) error {
					checkSnapshotJSON(t, scoring.Score(cfg, sig))
					n++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if n < 1000 {
			t.Errorf("checked %d results, want at least 1,000", n)
		}
	})
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for range 20000 {
			checkSnapshotJSON(t, randomResult(r))
		}
	})
	t.Run("empty", func(t *testing.T) {
		checkSnapshotJSON(t, scoring.Result{})
		checkSnapshotJSON(t, scoring.Result{Parts: []scoring.Part{{Component: "usage"}}, Overrides: []scoring.Override{}})
	})
}

// allComponents is the default model with every component weighted, so
// the demo's surveys and pulses reach the JSON too.
func allComponents() scoring.Config {
	cfg := scoring.Default()
	for _, c := range scoring.Components {
		cfg.Weights[c] = 10
	}
	return cfg
}

var awkward = []string{"", "usage", "adoption", "exec_sponsor", "a", "A", "a\x00", "<b>", "x&y", `q"uote`, `back\slash`,
	"tab\there", "line\nbreak", "\r", "\b\f", "\x7f", "é", "→ 0.31", "\u2028\u2029", "\xff\xfe", "emoji 🙂", "ünïcödé <&>"}

func randomResult(r *rand.Rand) scoring.Result {
	pick := func() string { return awkward[r.IntN(len(awkward))] }
	var res scoring.Result
	for range r.IntN(20) {
		res.Parts = append(res.Parts, scoring.Part{Component: pick(), HasData: r.IntN(4) != 0, Sub: r.IntN(300) - 100, Raw: pick() + pick(),
			Band: pick(), Weight: awkwardFloat(r)})
	}
	for range r.IntN(4) {
		res.Overrides = append(res.Overrides, scoring.Override{Reason: pick() + pick(), Rule: pick(), Cap: r.IntN(200) - 50})
	}
	return res
}

// awkwardFloat is a weight as json.Marshal may format it: whole,
// fractional, tiny and huge (exponent forms), negative and zero.
func awkwardFloat(r *rand.Rand) float64 {
	switch r.IntN(7) {
	case 0:
		return float64(r.IntN(100))
	case 1:
		return r.Float64() * 100
	case 2:
		return r.Float64() * 1e-7
	case 3:
		return (r.Float64() + 1) * 1e21
	case 4:
		return -r.Float64() * 1e-9
	case 5:
		return math.Copysign(0, -1)
	}
	return 0
}

// FuzzSnapshotJSON compares SnapshotJSON's output with json.Marshal's for a
// result of two parts (possibly the same component) and an override.
func FuzzSnapshotJSON(f *testing.F) {
	for i, s := range awkward {
		f.Add(s, awkward[(i+3)%len(awkward)], s+"x", -i, true)
	}
	f.Fuzz(func(t *testing.T, component, raw, reason string, sub int, twice bool) {
		res := scoring.Result{Parts: []scoring.Part{{Component: component, HasData: true, Sub: sub, Raw: raw, Band: reason, Weight: float64(sub) / 7}}}
		if twice {
			res.Parts = append(res.Parts, scoring.Part{Component: component, HasData: true, Sub: sub + 1, Raw: reason, Weight: 1e-9})
		} else {
			res.Parts = append(res.Parts, scoring.Part{Component: reason, HasData: false, Sub: -sub, Raw: component, Weight: 3e21})
		}
		if reason != "" {
			res.Overrides = []scoring.Override{{Reason: reason, Rule: raw, Cap: sub}}
		}
		checkSnapshotJSON(t, res)
	})
}

// TestSnapshotResult stores results and reads them back with
// Snapshot.Result: what "why" compares is the result as scored, so Why
// between the two finds no change; a snapshot written before the weights
// were kept says so.
func TestSnapshotResult(t *testing.T) {
	m, err := scoring.ParseModel([]byte(`
weights: {seat_use: 10, exec_sponsor: 5}
components:
  seat_use: {metric: seats_active, aggregate: latest, days: 30, per: seats, bands: [{min: 0.5, label: full, score: 100}, {min: 0, label: low, score: 20}]}
profiles:
  - {name: smb, match: {segment: smb}, weights: {usage: 60.5}}
`))
	if err != nil {
		t.Fatal(err)
	}
	day := func(n int) *time.Time { d := asOf.AddDate(0, 0, n); return &d }
	sig := scoring.Signals{AccountID: 7, AsOf: asOf, Sources: scoring.Sources{Activity: true, Touches: true, Pulses: true},
		ActiveUserDays7: 9, MAU: 10, ValueFeaturesUsed30: 2, ValueFeatures: 6, LastTouch: day(-20), Touches90: 2,
		SponsorDeparted: true, LatestPulse: &scoring.PulseSignal{Colour: scoring.Red, Reason: "budget", Day: *day(-1)},
		Seats: 20, Metrics: map[string]scoring.MetricSignal{"seat_use": {Value: 12, Rows: 2}},
		MetricSources: map[string]bool{"seats_active": true}}
	noSeats := sig
	noSeats.Seats = 0
	for name, r := range map[string]scoring.Result{
		"default":  m.For("", "").Score(sig),
		"smb":      m.For("smb", "").Score(sig),
		"no data":  m.For("", "").Score(scoring.Signals{AccountID: 7, AsOf: asOf}),
		"no seats": m.For("smb", "").Score(noSeats),
	} {
		subs, det, err := models.SnapshotJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		sn := models.Snapshot{AccountID: 7, Day: asOf.Format(models.DayLayout), Known: r.Known, Score: r.Score, Computed: r.Computed,
			Status: string(r.Status), Subscores: subs, Details: det, Profile: r.Profile, ModelVersion: r.Version}
		if !r.Known {
			sn.Status = string(scoring.NoData)
		}
		back, err := sn.Result()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range r.Parts {
			if r.Parts[i].HasData {
				r.Parts[i].Band = "" // bands are not kept
			} else {
				r.Parts[i].Raw = "" // nor a figure without data
			}
		}
		r.Raise, r.PulseNote, back.Status = nil, "", r.Status
		if !reflect.DeepEqual(back, r) {
			t.Errorf("%s:\n read %+v\nwrote %+v", name, back, r)
		}
		if d := scoring.Why(back, r); d.Comparable && (d.Change != 0 || d.ProfileChanged || d.VersionChanged) {
			t.Errorf("%s: Why(read, wrote) = %+v", name, d)
		}
	}
	old := models.Snapshot{AccountID: 7, Day: "2025-06-30", Known: true, Score: 70, Computed: 70, Status: "Stable",
		Subscores: `{"usage":67}`, Details: `{"raw":{"usage":"DAU 3 / MAU 10 = 0.30"}}`}
	if _, err := old.Result(); !errors.Is(err, models.ErrNoParts) {
		t.Errorf("a snapshot without weights: %v, want ErrNoParts", err)
	}
}
