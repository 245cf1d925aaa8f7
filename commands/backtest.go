package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// Backtest defaults (scoring.md "Backtest").
const (
	DefaultHorizon  = 60  // days after an evaluation day in which a churn labels its sample
	DefaultSpanDays = 365 // the default evaluation days span the last year that ends Horizon days ago
	backtestStep    = 7   // days between evaluation days
)

// BacktestOptions choose a backtest's evaluation days. Zero values take
// the defaults.
type BacktestOptions struct {
	Horizon int       // default DefaultHorizon
	From    time.Time // the first evaluation day; default: DefaultSpanDays-1 days before To
	To      time.Time // the last; default: Horizon days before today, so every label is known
}

// ErrBadBacktest is a backtest asked for with options that cannot work
// (no evaluation day, a horizon below one day): the caller's mistake.
var ErrBadBacktest = errors.New("bad backtest")

// BacktestRun is a backtest: its evaluation days, its samples and their report.
type BacktestRun struct {
	Horizon  int
	Days     []time.Time // the evaluation days, every 7 days from From up to To
	Samples  *scoring.SampleSet
	Report   scoring.BacktestReport
	Accounts int                  // distinct accounts with a sample
	Facts    models.BacktestFacts // what the point-in-time scores take as it is now
	Duration time.Duration        // by the Service's clock
}

// Resolve fills the defaults in as of today and checks the options.
func (o BacktestOptions) Resolve(today time.Time) (BacktestOptions, []time.Time, error) {
	if o.Horizon == 0 {
		o.Horizon = DefaultHorizon
	}
	if o.Horizon < 1 {
		return o, nil, fmt.Errorf("%w: the horizon is %d days: give a number of days of 1 or more", ErrBadBacktest, o.Horizon)
	}
	if o.To.IsZero() {
		o.To = today.AddDate(0, 0, -o.Horizon)
	}
	if o.From.IsZero() {
		o.From = o.To.AddDate(0, 0, -(DefaultSpanDays - 1))
	}
	if o.From.After(o.To) {
		return o, nil, fmt.Errorf("%w: the first evaluation day %s is after the last %s: give a first day on or before the last",
			ErrBadBacktest, o.From.Format(models.DayLayout), o.To.Format(models.DayLayout))
	}
	var days []time.Time
	for d := o.From; !d.After(o.To); d = d.AddDate(0, 0, backtestStep) {
		days = append(days, d)
	}
	return o, days, nil
}

// Backtest scores every account active on each evaluation day as of that
// day under model (models.Store.PointInTimeSignals: one set-based pass a
// day, recomputed from the stored rows, never read from snapshots), labels
// each sample with whether the account churned in the Horizon days after
// it, and reports how well the score told them apart (scoring.Backtest).
func (s *Service) Backtest(ctx context.Context, model *scoring.Model, opt BacktestOptions) (BacktestRun, error) {
	start := s.now()
	opt, days, err := opt.Resolve(s.today())
	if err != nil {
		return BacktestRun{}, err
	}
	ss, accounts, err := s.backtestSamples(ctx, model, opt.Horizon, days)
	if err != nil {
		return BacktestRun{}, err
	}
	facts, err := s.Store.BacktestFacts(ctx)
	if err != nil {
		return BacktestRun{}, fmt.Errorf("backtest: %w", err)
	}
	run := BacktestRun{Horizon: opt.Horizon, Days: days, Samples: ss, Report: scoring.Backtest(ss), Accounts: accounts, Facts: facts}
	run.Duration = s.now().Sub(start)
	s.logger().InfoContext(ctx, "backtest", "days", len(days), "samples", run.Report.Samples, "churned", run.Report.Churned,
		"auc", run.Report.AUC.String(), "duration", run.Duration)
	return run, nil
}

// backtestWorkers is how many evaluation days are gathered at once: the
// database reads one day while another day's rows are scanned or scored.
const backtestWorkers = 2

// backtestSamples gathers the samples of the evaluation days, in day
// order, and counts the accounts they cover.
func (s *Service) backtestSamples(ctx context.Context, model *scoring.Model, horizon int, days []time.Time) (*scoring.SampleSet, int, error) {
	churn, err := s.Store.ChurnDays(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("backtest: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx) // a failed day stops the others
	defer cancel()
	perDay := make([]*scoring.SampleSet, len(days))
	errs := make([]error, len(days))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(backtestWorkers, len(days)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ss := scoring.NewSampleSet(model, horizon)
				errs[i] = s.Store.PointInTimeSignals(ctx, model, days[i], func(eff *scoring.Effective, sig scoring.Signals) error {
					var cd *time.Time
					if d, ok := churn[sig.AccountID]; ok {
						cd = &d
					}
					ss.Add(eff, sig, cd)
					return nil
				})
				if errs[i] != nil {
					cancel()
				}
				perDay[i] = ss
			}
		}()
	}
	for i := range days {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, 0, fmt.Errorf("backtest: %w", err)
	}
	ss := scoring.NewSampleSet(model, horizon)
	seen := map[uint]bool{}
	for _, day := range perDay {
		for _, smp := range day.Samples {
			seen[smp.AccountID] = true
		}
		ss.Samples = append(ss.Samples, day.Samples...)
	}
	return ss, len(seen), nil
}

// firstError is the first error that is not the cancellation the others
// caused, or the first cancellation.
func firstError(errs []error) error {
	var canceled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			if canceled == nil {
				canceled = err
			}
		default:
			return err
		}
	}
	return canceled
}
