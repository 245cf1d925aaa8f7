package commands_test

import (
	"context"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// The backtest at scale is opt-in: HEALTHBOT_BACKTEST_DSN names a database
// holding the generator's dataset with a backtest's history, e.g.
//
//	psql -c 'CREATE SCHEMA backtest_10000_455'
//	DATABASE_URL='postgres://…/test?search_path=backtest_10000_455' go run ./cmd/healthbot-gen -accounts 10000 -days 455
//	HEALTHBOT_BACKTEST_DSN='postgres://…/test?search_path=backtest_10000_455' \
//	  go test -run Scale -bench ScaleBacktest -benchtime 1x -count 3 ./commands/
//
// The evaluation days are the 52 weekly days that end HEALTHBOT_BACKTEST_END
// (default 2026-03-31, the generator's last day) minus the 60-day horizon.
const backtestDSNEnv = "HEALTHBOT_BACKTEST_DSN"

func scaleBacktest(tb testing.TB) (*commands.Service, commands.BacktestOptions, time.Time) {
	tb.Helper()
	dsn := os.Getenv(backtestDSNEnv)
	if dsn == "" {
		tb.Skip(backtestDSNEnv + " is unset: the backtest at scale is opt-in")
	}
	end := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	if e := os.Getenv("HEALTHBOT_BACKTEST_END"); e != "" {
		d, err := models.ParseDay(e)
		if err != nil {
			tb.Fatal(err)
		}
		end = d
	}
	s, err := models.Open(context.Background(), dsn, time.UTC)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	m := scoring.ModelOf(scoring.Default())
	svc := &commands.Service{Store: s, Model: &m, Config: m.Default.Config,
		Now: func() time.Time { return end.Add(12 * time.Hour) }, Log: slog.New(slog.DiscardHandler)}
	to := end.AddDate(0, 0, -commands.DefaultHorizon)
	return svc, commands.BacktestOptions{From: to.AddDate(0, 0, -7*51), To: to}, end
}

// BenchmarkScaleBacktest: the backtest of the dataset over 52 weekly
// evaluation days (target: under a minute on PostgreSQL), beside its
// baseline, one day's signals of every account as the daily rescore reads
// them (ModelSignals on the last day).
func BenchmarkScaleBacktest(b *testing.B) {
	svc, opt, end := scaleBacktest(b)
	ctx := context.Background()
	b.Run("baseline-one-day-signals", func(b *testing.B) {
		for b.Loop() {
			n := 0
			if err := svc.Store.ModelSignals(ctx, svc.Model, end, func(*scoring.Effective, scoring.Signals) error { n++; return nil }); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n), "accounts")
		}
	})
	b.Run("backtest-52-days", func(b *testing.B) {
		for b.Loop() {
			run, err := svc.Backtest(ctx, svc.Model, opt)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(run.Days)), "days")
			b.ReportMetric(float64(run.Report.Samples), "samples")
			b.ReportMetric(float64(run.Report.AUC), "auc")
		}
	})
}

// BenchmarkScaleTune: `healthbot tune`'s work (the backtest, the search
// with 5 folds by account, today's status changes); target: under five minutes.
func BenchmarkScaleTune(b *testing.B) {
	svc, opt, end := scaleBacktest(b)
	for b.Loop() {
		run, err := svc.Tune(context.Background(), svc.Model, commands.TuneOptions{Backtest: opt, AsOf: end})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(run.Result.CurrentAUC), "current-auc")
		b.ReportMetric(float64(run.Result.ProposedAUC), "proposed-auc")
		b.ReportMetric(float64(run.Today.Changed()), "status-changes")
	}
}

// BenchmarkScaleBacktestNoLeakage: weights tuned on one half of the accounts
// score the other half no better than their own half (each way round):
// the search learns from the samples it is given, not from anything that
// leaks across accounts. It also draws the backtest's pictures into
// HEALTHBOT_BACKTEST_PNG_DIR when set. A check on the 10,000-account
// dataset, opt-in like the other scale runs, so a benchmark (run it once:
// -benchtime 1x) rather than a test that CI would see skipped.
func BenchmarkScaleBacktestNoLeakage(b *testing.B) {
	t := b
	svc, opt, _ := scaleBacktest(t)
	run, err := svc.Backtest(context.Background(), svc.Model, opt)
	if err != nil {
		t.Fatal(err)
	}
	rep := run.Report
	t.Logf("%d days, %d samples of %d accounts, %d churned; AUC %.4f", len(run.Days), rep.Samples, run.Accounts, rep.Churned, float64(rep.AUC))
	for _, c := range rep.Components {
		t.Logf("  %-12s AUC %.4f", c.Name, float64(c.AUC))
	}
	for _, st := range rep.Statuses {
		t.Logf("  %-8s %6d samples, %5d churned, %.4f", st.Status, st.Samples, st.Churned, float64(st.ChurnRate))
	}
	if dir := os.Getenv("HEALTHBOT_BACKTEST_PNG_DIR"); dir != "" {
		for _, c := range commands.BacktestCharts(rep) {
			png, err := chart.PNG(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, c.Name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	halves := [2]*scoring.SampleSet{}
	for h := range halves {
		halves[h] = &scoring.SampleSet{Horizon: run.Samples.Horizon, Components: run.Samples.Components}
	}
	for _, smp := range run.Samples.Samples {
		h := int(smp.AccountID*2654435761>>7) % 2 // a hash, so halves do not follow the generator's id order
		halves[h].Samples = append(halves[h].Samples, smp)
	}
	current := svc.Model.Default.Config.Weights
	for own := range halves {
		other := 1 - own
		res, err := scoring.Tune(halves[own], current, scoring.TuneOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w := maps.Clone(current)
		maps.Copy(w, res.Proposed)
		ownAUC, otherAUC := aucUnder(halves[own], w), aucUnder(halves[other], w)
		curOwn, curOther := aucUnder(halves[own], current), aucUnder(halves[other], current)
		t.Logf("tuned on half %d (%d samples): %v; AUC on its own half %.4f (current %.4f), on the other %.4f (current %.4f); held-out within its half %.4f",
			own, len(halves[own].Samples), res.Proposed, ownAUC, curOwn, otherAUC, curOther, float64(res.ProposedAUC))
		// Better on the unseen half than on its own, beyond what the two
		// halves differ by under the untuned weights, would be a leak.
		if otherAUC-ownAUC > max(0, curOther-curOwn)+0.002 {
			t.Errorf("tuned on half %d: AUC %.4f on the other half beats %.4f on its own", own, otherAUC, ownAUC)
		}
	}
}

// aucUnder is the AUC of ss's known samples rescored under weights.
func aucUnder(ss *scoring.SampleSet, weights map[string]float64) float64 {
	var h scoring.Histogram
	for i := range ss.Samples {
		if score, known := ss.ScoreWith(&ss.Samples[i], weights); known {
			h.Add(score, ss.Samples[i].Churned)
		}
	}
	return float64(h.AUC())
}
