package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/scoring"
)

// demo is `healthbot demo`.
func (m *Main) demo(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return usagef("demo takes no arguments; got %q", args)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	start := time.Now()
	stats, err := m.loadDemo(ctx)
	if errors.Is(err, demo.ErrNotEmpty) {
		return fmt.Errorf("%w: the demo portfolio only loads into an empty database (set DATABASE_URL to a new file)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "loaded the demo portfolio into %s: %d accounts (%d churned), %d activity rows, %d tickets, %d touches, %d pulses, %d surveys, %d invoices, scored for the last %d days, in %s\n",
		redact(m.env.DatabaseURL), stats.Accounts, stats.Churned, stats.Activity, stats.Tickets, stats.Touches,
		stats.Pulses, stats.Surveys, stats.Invoices, demo.BackfillDays, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadDemo writes the demo portfolio up to today and scores its recent
// days with the real model, so cards show trends from the start.
func (m *Main) loadDemo(ctx context.Context) (demo.Stats, error) {
	today := m.today()
	start := time.Now()
	stats, err := demo.Load(ctx, m.store, today)
	if err != nil {
		return demo.Stats{}, err
	}
	loaded := time.Since(start)
	// Backfilling scores history without the alert hook: a month of demo
	// crossings must not be queued as alerts to a real workspace.
	quiet := *m.service
	quiet.OnRescore = nil
	err = demo.Backfill(ctx, func(ctx context.Context, day time.Time) error {
		_, err := quiet.Rescore(ctx, day)
		return err
	}, today, demo.BackfillDays)
	if err != nil {
		return demo.Stats{}, err
	}
	m.log.Info("demo portfolio loaded", "accounts", stats.Accounts, "activity", stats.Activity,
		"load", loaded.Round(time.Millisecond), "backfill", (time.Since(start) - loaded).Round(time.Millisecond))
	return stats, nil
}

// migrate is `healthbot migrate`: Open applies the migrations.
func (m *Main) migrate(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return usagef("migrate takes no arguments; got %q", args)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	if err := m.store.Ready(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "migrated %s to schema version %d\n", redact(m.env.DatabaseURL), models.SchemaVersion)
	return nil
}

// importCSV is `healthbot import KIND FILE.csv`.
func (m *Main) importCSV(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return usagef("usage: healthbot import KIND FILE.csv, KIND one of %s", strings.Join(ingestion.Kinds, ", "))
	}
	kind, path := args[0], args[1]
	if !slices.Contains(ingestion.Kinds, kind) {
		return usagef("import: unknown kind %q, want one of %s", kind, strings.Join(ingestion.Kinds, ", "))
	}
	var r io.Reader = m.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return usagef("import: %v", err)
		}
		defer f.Close()
		r = f
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	res, err := ingestion.ImportCSV(ctx, m.store, kind, r)
	if err != nil {
		var be *ingestion.BatchError
		if errors.As(err, &be) {
			return fmt.Errorf("import %s: %w", path, err)
		}
		return fmt.Errorf("import %s %s: %w", kind, path, err)
	}
	fmt.Fprintf(m.Stdout, "imported %s from %s: %d records, %d inserted, %d updated, %d unchanged\n",
		kind, path, res.Records, res.Inserted, res.Updated, res.Unchanged)
	if len(res.Accounts) > 0 {
		// New data moves scores: refresh today's snapshots of the changed
		// accounts so /health and alerts see it now, not at the next
		// scheduled rescore.
		var scored []commands.Scored
		err := m.store.WithTx(ctx, func(tx *models.Store) error {
			var err error
			scored, err = m.service.RescoreAccounts(ctx, tx, m.today(), res.Accounts)
			return err
		})
		if err != nil {
			return fmt.Errorf("import %s: the records were written, but rescoring failed (run `healthbot rescore`): %w", kind, err)
		}
		fmt.Fprintf(m.Stdout, "rescored %d changed accounts for %s\n", len(scored), m.today().Format(models.DayLayout))
	}
	return nil
}

// rescore is `healthbot rescore [--as-of DAY]`.
func (m *Main) rescore(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("rescore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asOf := fs.String("as-of", "", "the day to score, YYYY-MM-DD (default: today in HEALTHBOT_TIMEZONE)")
	if err := fs.Parse(args); err != nil {
		return usagef("rescore: %v\nusage: healthbot rescore [--as-of YYYY-MM-DD]", err)
	}
	if fs.NArg() > 0 {
		return usagef("rescore: unexpected arguments %q\nusage: healthbot rescore [--as-of YYYY-MM-DD]", fs.Args())
	}
	day := m.today()
	if *asOf != "" {
		d, err := time.Parse(models.DayLayout, *asOf)
		if err != nil {
			return usagef("rescore: --as-of %q is not a day: write it as YYYY-MM-DD", *asOf)
		}
		day = d
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	stats, err := m.service.Rescore(ctx, day)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "rescored %d accounts as of %s: %s (%s)\n", stats.Accounts, stats.Day.Format(models.DayLayout),
		statusCounts(stats.ByStatus), stats.Duration.Round(time.Millisecond))
	return nil
}

// statusCounts is "10 Healthy, 12 Stable, 8 At-risk, 4 Critical".
func statusCounts(by map[scoring.Status]int) string {
	var parts []string
	for _, s := range []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical, scoring.NoData} {
		if n := by[s]; n > 0 || s != scoring.NoData {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}
