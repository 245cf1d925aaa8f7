package scoring_test

import (
	"sync"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

// BenchmarkScore scores the worked example under the default model; the
// allocations it reports are the Parts slice and the raw strings.
func BenchmarkScore(b *testing.B) {
	cfg := scoring.Default()
	s := exampleSignals()
	b.ReportAllocs()
	for b.Loop() {
		_ = scoring.Score(cfg, s)
	}
}

// bigSet is the integration's target size: 10,000 accounts evaluated on
// 52 weekly days (about 500,000 samples), built once.
var bigSet = sync.OnceValue(func() *scoring.SampleSet { return synth(10_000, 52, 42, false) })

// richSet is bigSet with all ten components connected, nps and csat
// taking every value 0..100: hill climbing's worst case.
var richSet = sync.OnceValue(func() *scoring.SampleSet { return synth(10_000, 52, 42, true) })

// BenchmarkAUC computes the AUC of every sample's score: by histogram
// (integer scores, O(n)) and by sorting (any scores, O(n log n)).
func BenchmarkAUC(b *testing.B) {
	ss := bigSet()
	scores := make([]float64, len(ss.Samples))
	labels := make([]bool, len(ss.Samples))
	for i, s := range ss.Samples {
		scores[i], labels[i] = float64(s.Score), s.Churned
	}
	b.Run("histogram", func(b *testing.B) {
		for b.Loop() {
			var h scoring.Histogram
			for i := range ss.Samples {
				h.Add(ss.Samples[i].Score, ss.Samples[i].Churned)
			}
			_ = h.AUC()
		}
		b.ReportMetric(float64(len(scores)), "samples")
	})
	b.Run("sort", func(b *testing.B) {
		for b.Loop() {
			_ = scoring.AUC(scores, labels)
		}
	})
}

// BenchmarkBacktest is the whole report over the big set.
func BenchmarkBacktest(b *testing.B) {
	ss := bigSet()
	b.ReportAllocs()
	for b.Loop() {
		_ = scoring.Backtest(ss)
	}
}

// BenchmarkTune is the whole tune over the big set with six components
// (the five defaults and a custom one): 5-fold cross-validation, step 5,
// an exhaustive search over C(25,5) = 53,130 candidates; the same forced
// into hill climbing; and hill climbing over ten components.
func BenchmarkTune(b *testing.B) {
	for _, tc := range []struct {
		name string
		ss   func() *scoring.SampleSet
		opt  scoring.TuneOptions
	}{
		{"6-components-exhaustive", bigSet, scoring.TuneOptions{}},
		{"6-components-hill-climbing", bigSet, scoring.TuneOptions{MaxExhaustive: 1}},
		{"10-components-hill-climbing", richSet, scoring.TuneOptions{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ss := tc.ss()
			var res scoring.TuneResult
			for b.Loop() {
				var err error
				if res, err = scoring.Tune(ss, synthWeights(), tc.opt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(ss.Samples)), "samples")
			b.ReportMetric(float64(res.Candidates), "candidates")
			b.ReportMetric(float64(res.CurrentAUC), "current-auc")
			b.ReportMetric(float64(res.ProposedAUC), "proposed-auc")
		})
	}
}

// BenchmarkScoreCustom is BenchmarkScore with a custom component: one
// more allocation, its raw figure.
func BenchmarkScoreCustom(b *testing.B) {
	cfg, err := scoring.Parse([]byte("weights: {seat_use: 10}\ncomponents: {seat_use: {metric: seats_active, aggregate: latest, days: 30, per: seats, " +
		"bands: [{min: 0.8, label: full, score: 100}, {min: 0, label: low, score: 20}]}}"))
	if err != nil {
		b.Fatal(err)
	}
	s := exampleSignals()
	metric("seat_use", 42, 3, 50, 0)(&s)
	b.ReportAllocs()
	for b.Loop() {
		_ = scoring.Score(cfg, s)
	}
}
