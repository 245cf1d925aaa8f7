package commands_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
	"github.com/healthbot/healthbot/models/gen/gentest"
)

// The read side at scale (issue 17): the lists, the summary and the digest,
// each beside the baseline aggregate timed in the same run (baseline-ms),
// so figures from machines or moments of different load compare by ratio.

// benchCSM is the dataset's first CSM as Slack knows them (models/gen maps
// csm-NNN to Slack user U000000N), owner of one account in 200.
var benchCSM = commands.Caller{Platform: "slack", UserID: "U0000001", UserName: "CSM 1", Role: commands.RoleAdmin}

// baselineMillis times the baseline aggregate n times and returns the
// median in milliseconds.
func baselineMillis(b *testing.B, s *models.Store, day time.Time, n int) float64 {
	b.Helper()
	ds := make([]time.Duration, 0, n)
	for range n {
		d, _, err := gen.Baseline(context.Background(), s, day)
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, d)
	}
	return float64(gen.Percentile(ds, 50).Microseconds()) / 1000
}

// BenchmarkScaleLists is each list command end to end through
// Service.Run, as the dataset's first CSM (an admin: MRR shown), on the
// dataset's last day, reporting p50 and p99 and the baseline's median.
func BenchmarkScaleLists(b *testing.B) {
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		svc := benchService(s, p)
		for _, line := range []string{"/health list", "/health list critical", "/health", "/health renewals", "/health home"} {
			b.Run(strings.ReplaceAll(strings.TrimPrefix(line, "/"), " ", "_"), func(b *testing.B) {
				base := baselineMillis(b, s, p.End, 3)
				stop := gen.SampleHeap()
				var ds []time.Duration
				for b.Loop() {
					t0 := time.Now()
					r, err := svc.Run(ctx, benchCSM, line)
					ds = append(ds, time.Since(t0))
					if err != nil || r.Title == "" || r.Ephemeral && strings.HasPrefix(r.Text, "Sorry") {
						b.Fatalf("%s: %+v, %v", line, r, err)
					}
				}
				peak := stop()
				p50, p99 := gen.Percentile(ds, 50), gen.Percentile(ds, 99)
				b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
				b.ReportMetric(base, "baseline-ms")
				b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			})
		}
	})
}

// BenchmarkScaleSummary is the weekly summary and the daily Critical
// digest of the dataset's last day, each timed against the baseline.
func BenchmarkScaleSummary(b *testing.B) {
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		svc := benchService(s, p)
		b.Run("weekly", func(b *testing.B) {
			gentest.VsBaseline(b, s, p.End, runtime.GC, func() error {
				_, err := svc.WeeklySummary(ctx, p.End)
				return err
			})
		})
		b.Run("digest", func(b *testing.B) {
			gentest.VsBaseline(b, s, p.End, runtime.GC, func() error {
				_, _, err := svc.CriticalDigest(ctx, p.End)
				return err
			})
		})
	})
}
