package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

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
