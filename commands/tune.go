package commands

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// TuneOptions are a weight search's: the backtest whose samples it
// searches on, and the search's own (scoring.TuneOptions).
type TuneOptions struct {
	Backtest BacktestOptions
	Search   scoring.TuneOptions
	AsOf     time.Time // the day whose statuses the proposal is compared on; zero: today
}

// TuneRun is a weight proposal with the evidence for it. It is never
// applied: `healthbot tune` writes it to a file for a person to review.
type TuneRun struct {
	Backtest BacktestRun
	Result   scoring.TuneResult
	Current  map[string]float64 // the model's top-level weights
	Proposed map[string]float64 // Current with the tuned components' weights replaced
	Today    StatusChanges
	Duration time.Duration // the whole run, by the Service's clock
}

// StatusChanges counts how today's statuses would move under proposed weights.
type StatusChanges struct {
	Day      time.Time
	Accounts int // active accounts today
	Kept     int // of those, scored by a profile that restates its own weights: the proposal leaves them alone
	Better   int // a better status under the proposal
	Worse    int // a worse one
}

// Changed is how many accounts would change status.
func (c StatusChanges) Changed() int { return c.Better + c.Worse }

// Tune backtests model (opt.Backtest), searches its top-level weights for
// the highest AUC with k-fold cross-validation by account
// (scoring.Tune), and counts the accounts whose status today the
// proposal would change.
func (s *Service) Tune(ctx context.Context, model *scoring.Model, opt TuneOptions) (TuneRun, error) {
	start := s.now()
	bt, err := s.Backtest(ctx, model, opt.Backtest)
	if err != nil {
		return TuneRun{}, err
	}
	run := TuneRun{Backtest: bt, Current: maps.Clone(model.Default.Config.Weights)}
	if bt.Report.Samples == 0 || bt.Report.Churned == 0 {
		return TuneRun{}, fmt.Errorf("%w: %s", ErrBadBacktest, tuneNothing(bt))
	}
	run.Result, err = scoring.Tune(bt.Samples, run.Current, opt.Search)
	if err != nil {
		return TuneRun{}, fmt.Errorf("%w: %v", ErrBadBacktest, err)
	}
	run.Proposed = maps.Clone(run.Current)
	if run.Proposed == nil {
		run.Proposed = map[string]float64{}
	}
	maps.Copy(run.Proposed, run.Result.Proposed)
	day := opt.AsOf
	if day.IsZero() {
		day = s.today()
	}
	if run.Today, err = s.statusChanges(ctx, model, run.Proposed, day); err != nil {
		return TuneRun{}, err
	}
	run.Duration = s.now().Sub(start)
	s.logger().InfoContext(ctx, "tune", "samples", bt.Report.Samples, "search", run.Result.Search, "candidates", run.Result.Candidates,
		"current_auc", run.Result.CurrentAUC.String(), "proposed_auc", run.Result.ProposedAUC.String(), "duration", run.Duration)
	return run, nil
}

func tuneNothing(bt BacktestRun) string {
	if bt.Report.Samples == 0 {
		return "no account had a score on any evaluation day: there is nothing to tune on; load older history or pick other days"
	}
	return fmt.Sprintf("none of the %s churned within %s of its day: the search needs churned and retained samples; pick a longer horizon or other days",
		countNoun(bt.Report.Samples, "sample"), countNoun(bt.Horizon, "day"))
}

// statusChanges scores today's active accounts as the rescore does and
// counts those whose status the proposed top-level weights would move.
// An account whose profile restates its own weights keeps them: the
// proposal is for the top level (scoring.ProposalYAML).
func (s *Service) statusChanges(ctx context.Context, model *scoring.Model, proposed map[string]float64, day time.Time) (StatusChanges, error) {
	c := StatusChanges{Day: day}
	ss := scoring.NewSampleSet(model, 1)
	top := model.Default.Config.Weights
	rank := map[scoring.Status]int{scoring.Critical: 0, scoring.AtRisk: 1, scoring.Stable: 2, scoring.Healthy: 3}
	err := s.Store.ModelSignals(ctx, model, day, func(eff *scoring.Effective, sig scoring.Signals) error {
		c.Accounts++
		smp := ss.Add(eff, sig, nil)
		ss.Samples = ss.Samples[:0]
		if !maps.Equal(eff.Config.Weights, top) {
			c.Kept++
			return nil
		}
		st := scoring.NoData
		if score, known := ss.ScoreWith(&smp, proposed); known {
			st = scoring.StatusFor(eff.Config, score)
		}
		if !smp.Known {
			smp.Status = scoring.NoData
		}
		if st == smp.Status {
			return nil
		}
		if r, ok := rank[st]; ok && (smp.Status == scoring.NoData || r > rank[smp.Status]) {
			c.Better++
		} else {
			c.Worse++
		}
		return nil
	})
	if err != nil {
		return StatusChanges{}, fmt.Errorf("tune: today's statuses: %w", err)
	}
	return c, nil
}

// TuneText is a weight proposal as plain text, for `healthbot tune`.
func TuneText(run TuneRun, out string) string {
	var b strings.Builder
	res, rep := run.Result, run.Backtest.Report
	fmt.Fprintf(&b, "Weight search over %s of %s (%d churned within %s), %s on %s, k-fold cross-validation by account (%d folds).\n",
		countNoun(rep.Samples, "sample"), countNoun(run.Backtest.Accounts, "account"), rep.Churned, countNoun(run.Backtest.Horizon, "day"),
		res.Search, countNoun(res.Candidates, "candidate"), len(res.Folds))
	b.WriteString("\n  component      current  proposed\n")
	for _, name := range res.Components {
		fmt.Fprintf(&b, "  %-13s  %7s  %8s\n", name, fmtPts(run.Current[name]), fmtPts(run.Proposed[name]))
	}
	fmt.Fprintf(&b, "\nHeld-out AUC (each account scored by weights tuned without it): current %s, proposed %s (%s on the samples it was tuned on).\n",
		fmtAUC(res.CurrentAUC), fmtAUC(res.ProposedAUC), fmtAUC(res.TrainAUC))
	for i, f := range res.Folds {
		fmt.Fprintf(&b, "  fold %d: %s, %s: current %s, proposed %s\n", i+1, countNoun(f.Accounts, "account"),
			countNoun(f.Samples, "sample"), fmtAUC(f.CurrentAUC), fmtAUC(f.HeldOutAUC))
	}
	t := run.Today
	fmt.Fprintf(&b, "\nOn %s: %d of %s would change status under the proposal: %d to a better one, %d to a worse one",
		t.Day.Format("2006-01-02"), t.Changed(), countNoun(t.Accounts, "active account"), t.Better, t.Worse)
	if t.Kept > 0 {
		fmt.Fprintf(&b, "; %s keep their profile's own weights", countNoun(t.Kept, "account"))
	}
	b.WriteString(".\n")
	if out != "" {
		fmt.Fprintf(&b, "\nWrote the proposal to %s. Nothing was applied: backtest it with `healthbot backtest --config %s`, then point HEALTHBOT_CONFIG at it to use it.\n", out, out)
	}
	return b.String()
}

// fmtAUC is an AUC with three decimals, or "n/a".
func fmtAUC(v scoring.Stat) string {
	if !v.Defined() {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", float64(v))
}
