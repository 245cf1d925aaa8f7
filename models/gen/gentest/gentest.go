// Package gentest runs benchmarks on the generated scale datasets of
// package gen: it opens (or builds) them once per test binary and measures
// operations against gen's baseline query. It imports testing, so it is
// for _test.go files only; gen itself stays free of it for
// cmd/healthbot-gen.
package gentest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
)

// benchCache keeps each database's dataset open for the whole test binary,
// so it is checked (or built) once per `go test` run.
var benchCache struct {
	sync.Mutex
	sets map[string]gen.BenchDataset
}

// Dialects are the databases the scale benchmarks run on, in order.
var Dialects = []string{models.DialectSQLite, models.DialectPostgres}

// MustBench returns the benchmark dataset on dialect for tb (see
// gen.OpenBench and gen.BenchParams, sized by -short and gen.AccountsEnv),
// built on first use. It skips PostgreSQL when gen.PostgresEnv is unset and
// fails when it is set but unusable.
func MustBench(tb testing.TB, dialect string) (*models.Store, gen.Params) {
	tb.Helper()
	p, err := gen.BenchParams(testing.Short())
	if err != nil {
		tb.Fatal(err)
	}
	benchCache.Lock()
	defer benchCache.Unlock()
	if d, ok := benchCache.sets[dialect]; ok {
		return d.Store, p
	}
	d, err := gen.OpenBench(context.Background(), dialect, p)
	if errors.Is(err, gen.ErrNoPostgres) {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	how := "reused"
	if d.Fresh {
		how = "generated"
	}
	tb.Logf("%s dataset %s: %s (%d activity rows, built in %s)", dialect, p, how, d.Stats.ActivityRows(), d.Stats.Duration)
	if benchCache.sets == nil {
		benchCache.sets = map[string]gen.BenchDataset{}
	}
	benchCache.sets[dialect] = d
	return d.Store, p
}

// ForEachBenchDB runs fn as a sub-benchmark on each database's scale
// dataset (SQLite always, PostgreSQL when its test URL is set). Slow-query
// warnings are expected at this scale, so logging is muted meanwhile to
// keep the benchmark output readable.
func ForEachBenchDB(b *testing.B, fn func(b *testing.B, s *models.Store, p gen.Params)) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Cleanup(func() { slog.SetDefault(prev) })
	for _, d := range Dialects {
		b.Run(d, func(b *testing.B) {
			s, p := MustBench(b, d)
			fn(b, s, p)
		})
	}
}

// VsBaseline runs op b.N times and reports its mean time as a ratio to the
// baseline query (gen.Baseline) as of day (x-baseline), the baseline's own mean
// (baseline-ms) and the peak Go heap (peak-MiB). Before each op, untimed,
// prepare runs (when not nil) and then the baseline, so both see the same
// load on a shared machine.
func VsBaseline(b *testing.B, s *models.Store, day time.Time, prepare func(), op func() error) {
	ctx := context.Background()
	stop := gen.SampleHeap()
	var base, spent time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if prepare != nil {
			prepare()
		}
		d, _, err := gen.Baseline(ctx, s, day)
		if err != nil {
			b.Fatal(err)
		}
		base += d
		b.StartTimer()
		t0 := time.Now()
		err = op()
		spent += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
	}
	peak := stop()
	base /= time.Duration(b.N)
	per := spent / time.Duration(b.N)
	b.ReportMetric(float64(base.Microseconds())/1000, "baseline-ms")
	b.ReportMetric(float64(per)/float64(base), "x-baseline")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}

// Vacuum clears the dead rows a benchmark left in tables (deleted to run an
// iteration again, or to restore the dataset) on PostgreSQL, untimed:
// autovacuum, which would do it in production, may be off or behind on a
// benchmark machine (it is off on ours), and each deleted copy of a day's
// 10,000 snapshots or 50,000 alert states otherwise slows every later read
// and index insert. Without analyze, the planner's statistics stay as stale
// as a production table's between two of autovacuum's analyses, which the
// queries must survive (the daily rescore's newest day is never in them).
// With analyze, they are refreshed: for tables put back as generated, so
// the plans of later benchmarks, the baseline's above all, stay those of
// the dataset (a plain VACUUM after deleting ingested activity moved the
// row estimate from 2.86M to 2.36M, and the baseline onto a parallel
// sequential scan, 430-590 ms instead of ~265). SQLite reuses freed pages,
// so it has nothing to do there.
func Vacuum(tb testing.TB, s *models.Store, analyze bool, tables ...string) {
	tb.Helper()
	if s.Dialect() != models.DialectPostgres || len(tables) == 0 {
		return
	}
	cmd := "VACUUM "
	if analyze {
		cmd = "VACUUM ANALYZE "
	}
	q := cmd + strings.Join(tables, ", ")
	if err := s.DB().Exec(q).Error; err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	// Write out the pages the deletes and the vacuum dirtied now, rather
	// than in a checkpoint that lands in the middle of the next timed
	// operation (on this machine's disk, a checkpoint's fsyncs stretched
	// timed runs by up to 60%). It needs the pg_checkpoint role or a
	// superuser; without it, timings are just noisier.
	if err := s.DB().Exec("CHECKPOINT").Error; err != nil {
		tb.Logf("CHECKPOINT (timings will be noisier): %v", err)
	}
}
