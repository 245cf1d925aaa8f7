package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/examples"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

const (
	backtestUsage = "usage: healthbot backtest [--horizon DAYS] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--config FILE] [--json]"
	tuneUsage     = "usage: healthbot tune [--horizon DAYS] [--folds K] [--step N] [--out FILE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--as-of YYYY-MM-DD]"
)

// spanFlags are the evaluation-day flags backtest and tune share.
type spanFlags struct {
	horizon  *int
	from, to *string
}

func addSpanFlags(fs *flag.FlagSet) spanFlags {
	return spanFlags{
		horizon: fs.Int("horizon", commands.DefaultHorizon, "a sample is churned when its account left within DAYS days after it"),
		from:    fs.String("from", "", "the first evaluation day, YYYY-MM-DD (default: a year before --to)"),
		to:      fs.String("to", "", "the last evaluation day, YYYY-MM-DD (default: --horizon days before today)"),
	}
}

// options reads the flags; name and usage are the command's, for messages.
func (f spanFlags) options(name, usage string) (commands.BacktestOptions, error) {
	o := commands.BacktestOptions{Horizon: *f.horizon}
	if o.Horizon < 1 {
		return o, usagef("%s: --horizon %d: give a number of days of 1 or more\n%s", name, o.Horizon, usage)
	}
	for _, d := range []struct {
		flag, val string
		dst       *time.Time
	}{{"--from", *f.from, &o.From}, {"--to", *f.to, &o.To}} {
		if d.val == "" {
			continue
		}
		t, err := time.Parse(models.DayLayout, d.val)
		if err != nil {
			return o, usagef("%s: %s %q is not a day: write it as YYYY-MM-DD\n%s", name, d.flag, d.val, usage)
		}
		*d.dst = t
	}
	return o, nil
}

// parseFlags parses args into fs, which takes no positional argument.
func parseFlags(fs *flag.FlagSet, args []string, usage string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usagef("%s: %v\n%s", fs.Name(), err, usage)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected arguments %q\n%s", fs.Name(), fs.Args(), usage)
	}
	return nil
}

// backtest is `healthbot backtest`: how well the health model (or the one
// in --config) told which accounts would churn, from the stored rows.
func (m *Main) backtest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	span := addSpanFlags(fs)
	config := fs.String("config", "", "backtest this YAML health model instead of HEALTHBOT_CONFIG's")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	if err := parseFlags(fs, args, backtestUsage); err != nil {
		return err
	}
	opt, err := span.options("backtest", backtestUsage)
	if err != nil {
		return err
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	model := &m.model
	if *config != "" {
		mm, err := scoring.LoadModel(*config)
		if err != nil {
			return usagef("backtest: --config: %v", err)
		}
		model = &mm
	}
	run, err := m.service.Backtest(ctx, model, opt)
	if errors.Is(err, commands.ErrBadBacktest) {
		return usagef("backtest: %v", err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(run.Report)
	}
	fmt.Fprint(m.Stdout, commands.BacktestText(run))
	return nil
}

// tune is `healthbot tune`: searches the top-level weights for the
// highest held-out AUC and writes the proposal; it never applies it.
func (m *Main) tune(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tune", flag.ContinueOnError)
	span := addSpanFlags(fs)
	folds := fs.Int("folds", 5, "k of the k-fold cross-validation by account")
	step := fs.Int("step", 5, "weights are multiples of N summing to 100")
	out := fs.String("out", "healthbot.proposed.yaml", "where to write the proposed config")
	asOf := fs.String("as-of", "", "the day whose statuses the proposal is compared on, YYYY-MM-DD (default today)")
	if err := parseFlags(fs, args, tuneUsage); err != nil {
		return err
	}
	opt, err := span.options("tune", tuneUsage)
	if err != nil {
		return err
	}
	var day time.Time
	if *asOf != "" {
		if day, err = time.Parse(models.DayLayout, *asOf); err != nil {
			return usagef("tune: --as-of %q is not a day: write it as YYYY-MM-DD\n%s", *asOf, tuneUsage)
		}
	}
	if *folds < 2 {
		return usagef("tune: --folds %d: give 2 or more\n%s", *folds, tuneUsage)
	}
	if *step < 1 || *step > 100 || 100%*step != 0 {
		return usagef("tune: --step %d: give a divisor of 100 (1, 2, 4, 5, 10, 20, 25, 50)\n%s", *step, tuneUsage)
	}
	if *out == "" {
		return usagef("tune: --out is empty: name the file to write the proposal to\n%s", tuneUsage)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	src, err := m.modelSource()
	if err != nil {
		return err
	}
	run, err := m.service.Tune(ctx, &m.model, commands.TuneOptions{Backtest: opt, AsOf: day,
		Search: scoring.TuneOptions{Folds: *folds, Step: *step}})
	if errors.Is(err, commands.ErrBadBacktest) {
		return usagef("tune: %v", err)
	}
	if err != nil {
		return err
	}
	note := fmt.Sprintf("Proposed by healthbot tune on %s: held-out AUC %.3f against %.3f for the current weights\n(%d samples, %d folds by account, horizon %d days). Not applied: review, backtest, then use.",
		m.today().Format(models.DayLayout), float64(run.Result.ProposedAUC), float64(run.Result.CurrentAUC),
		run.Backtest.Report.Samples, *folds, run.Backtest.Horizon)
	data, err := scoring.ProposalYAML(src, run.Proposed, note)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("tune: write the proposal: %w", err)
	}
	fmt.Fprint(m.Stdout, commands.TuneText(run, *out))
	return nil
}

// modelSource is the YAML of the health model in use, which a proposal
// keeps all of but the weights: HEALTHBOT_CONFIG's file, the example's
// for the demo, or nothing for the built-in defaults.
func (m *Main) modelSource() ([]byte, error) {
	switch {
	case m.env.ConfigPath != "":
		data, err := os.ReadFile(m.env.ConfigPath)
		if err != nil {
			return nil, fmt.Errorf("tune: read HEALTHBOT_CONFIG: %w", err)
		}
		return data, nil
	case m.example:
		return examples.HealthModel, nil
	}
	return nil, nil
}
