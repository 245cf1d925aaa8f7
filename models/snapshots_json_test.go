package models_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
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
	for _, o := range r.Overrides {
		det.Overrides = append(det.Overrides, o.Reason)
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
		res.Parts = append(res.Parts, scoring.Part{Component: pick(), HasData: r.IntN(4) != 0, Sub: r.IntN(300) - 100, Raw: pick() + pick()})
	}
	for range r.IntN(4) {
		res.Overrides = append(res.Overrides, scoring.Override{Reason: pick() + pick()})
	}
	return res
}

// FuzzSnapshotJSON compares SnapshotJSON's output with json.Marshal's for a
// result of two parts (possibly the same component) and an override.
func FuzzSnapshotJSON(f *testing.F) {
	for i, s := range awkward {
		f.Add(s, awkward[(i+3)%len(awkward)], s+"x", -i, true)
	}
	f.Fuzz(func(t *testing.T, component, raw, reason string, sub int, twice bool) {
		res := scoring.Result{Parts: []scoring.Part{{Component: component, HasData: true, Sub: sub, Raw: raw}}}
		if twice {
			res.Parts = append(res.Parts, scoring.Part{Component: component, HasData: true, Sub: sub + 1, Raw: reason})
		} else {
			res.Parts = append(res.Parts, scoring.Part{Component: reason, HasData: true, Sub: -sub, Raw: component})
		}
		if reason != "" {
			res.Overrides = []scoring.Override{{Reason: reason}}
		}
		checkSnapshotJSON(t, res)
	})
}
