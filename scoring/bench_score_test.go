package scoring_test

import (
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
