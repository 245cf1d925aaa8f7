package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
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
	fmt.Fprintf(m.Stdout, "loaded the demo portfolio into %s: %d accounts (%d churned), %d activity rows, %d tickets, %d touches, %d pulses, %d surveys, %d invoices, %d metrics, scored for the last %d days, in %s\n",
		redact(m.env.DatabaseURL), stats.Accounts, stats.Churned, stats.Activity, stats.Tickets, stats.Touches,
		stats.Pulses, stats.Surveys, stats.Invoices, stats.Metrics, demo.BackfillDays, time.Since(start).Round(time.Millisecond))
	if note := m.modelNote(); note != "" {
		fmt.Fprintln(m.Stdout, note)
	}
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
	if err := m.useExampleForDemo(ctx, true); err != nil {
		return demo.Stats{}, err
	}
	loaded := time.Since(start)
	// Backfilling scores history without the alert hook: a month of demo
	// crossings must not be queued as alerts to a real workspace.
	quiet := *m.service
	quiet.OnRescore, quiet.PrefetchRescore, quiet.PlanRescore = nil, nil, nil
	err = demo.Backfill(ctx, func(ctx context.Context, day time.Time) error {
		_, err := quiet.Rescore(ctx, day)
		return err
	}, today, demo.BackfillDays)
	if err != nil {
		return demo.Stats{}, err
	}
	// The churned accounts' last days, so their frozen cards have them.
	err = demo.BackfillChurned(ctx, m.store, func(ctx context.Context, day time.Time, ids []uint) error {
		return m.store.WithTx(ctx, func(tx *models.Store) error {
			_, err := quiet.RescoreAccounts(ctx, tx, day, ids)
			return err
		})
	})
	if err != nil {
		return demo.Stats{}, err
	}
	m.log.Info("demo portfolio loaded", "accounts", stats.Accounts, "activity", stats.Activity,
		"load", loaded.Round(time.Millisecond), "backfill", (time.Since(start) - loaded).Round(time.Millisecond))
	return stats, nil
}
