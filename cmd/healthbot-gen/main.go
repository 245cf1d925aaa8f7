// Command healthbot-gen writes a deterministic scale dataset (see package
// models/gen) into the empty database named by DATABASE_URL, for
// benchmarks and load tests:
//
//	DATABASE_URL=postgres://… go run ./cmd/healthbot-gen -accounts 10000 -days 180
//
// A backtest's default year of weekly evaluation days, ending 60 days
// before the last day, with a month of activity before the first, needs
// -days 455. The issue-17 scale dataset (100,000 accounts, 180 days of
// activity, a year of snapshots) is -accounts 100000 -days 180 -history 365.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv("DATABASE_URL"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "healthbot-gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, dsn string, out io.Writer) error {
	fs := flag.NewFlagSet("healthbot-gen", flag.ContinueOnError)
	accounts := fs.Int("accounts", 10000, "number of accounts")
	days := fs.Int("days", 180, "days of history")
	history := fs.Int("history", 0, "days of daily snapshots before the last day (0: 60, or fewer than -days); may exceed -days")
	seed := fs.Uint64("seed", gen.DefaultSeed, "random seed")
	end := fs.String("end", gen.DefaultEnd.Format(models.DayLayout), "last day of history (YYYY-MM-DD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dsn == "" {
		dsn = "healthbot.db"
	}
	endDay, err := models.ParseDay(*end)
	if err != nil {
		return fmt.Errorf("-end %q: want YYYY-MM-DD", *end)
	}
	store, err := models.Open(ctx, dsn, time.UTC)
	if err != nil {
		return err
	}
	defer store.Close()
	p := gen.Params{Accounts: *accounts, Days: *days, Seed: *seed, End: endDay, History: *history}
	st, err := gen.Generate(ctx, store, p)
	if errors.Is(err, gen.ErrNotEmpty) {
		if ok, prev, _ := gen.Existing(ctx, store, p); ok {
			fmt.Fprintf(out, "already generated: %s (%d activity rows in %s)\n", p, prev.ActivityRows(), prev.Duration.Round(time.Millisecond))
			return nil
		}
	}
	if err != nil {
		return err
	}
	var total int64
	for _, n := range st.Rows {
		total += n
	}
	fmt.Fprintf(out, "generated %s on %s in %s: %d rows (%d activity), %.0f rows/s\n", p, store.Dialect(),
		st.Duration.Round(time.Millisecond), total, st.ActivityRows(), float64(total)/st.Duration.Seconds())
	for _, t := range []string{"csms", "accounts", "activities", "tickets", "touches", "pulses", "surveys", "invoices", "mrr_changes", "snapshots"} {
		fmt.Fprintf(out, "  %-12s %9d\n", t, st.Rows[t])
	}
	return nil
}
