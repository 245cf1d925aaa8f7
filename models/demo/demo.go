// Package demo loads a deterministic demo portfolio: 38 active accounts in
// three segments, designed so that every status and every part of the
// account card shows something, and 14 accounts that churned over the past
// year, with fifteen months of history (usage, tickets, touches, pulses,
// surveys, invoices, MRR changes) so that a backtest of the health score
// finds real, imperfect signal in the stored rows: most churners fade
// first, a few leave without warning, and some accounts dip and recover
// (churners.go, history.go). The same today always yields the same rows.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
)

// HistoryDays is how far back the generated history reaches: fifteen
// months, so that a backtest's default year of weekly evaluation days,
// ending 60 days before today, has a month of activity before its first.
const HistoryDays = 455

// ErrNotEmpty is returned by Load when the database already holds accounts:
// the demo is for trying healthbot out, never mixed into real data.
var ErrNotEmpty = errors.New("the database already holds accounts")

// Features are the product features the demo's users touch.
var Features = []string{"dashboards", "reports", "alerts", "integrations", "api", "workflows", "sso", "exports", "mobile", "comments"}

// ValueFeatures are the six features a YAML health model can name as
// value_features (see README); without it every feature seen counts.
var ValueFeatures = []string{"dashboards", "reports", "alerts", "integrations", "workflows", "exports"}

// CSMs are the demo's customer success managers. On the console a user
// whose name is one of these handles sees that CSM's accounts with /health.
var CSMs = []models.CSM{
	{Handle: "dana", Name: "Dana Whitfield", Email: "dana@example.com"},
	{Handle: "lee", Name: "Lee Okafor", Email: "lee@example.com"},
	{Handle: "sam", Name: "Sam Brennan", Email: "sam@example.com"},
	{Handle: "priya", Name: "Priya Raman", Email: "priya@example.com"},
}

// Stats counts what Load wrote.
type Stats struct {
	Accounts    int // all accounts, churned included
	Churned     int
	CSMs        int
	Activity    int
	Tickets     int
	Touches     int
	Pulses      int
	Surveys     int
	Invoices    int
	MRRChanges  int
	ByArchetype map[string]int
}

// Load writes the demo portfolio with history up to today (taken as a
// calendar day in the store's time zone) into an empty database, in one
// transaction. It writes no snapshots: run Backfill with the real scoring
// afterwards so the trends come from the model itself.
func Load(ctx context.Context, store *models.Store, today time.Time) (Stats, error) {
	n, err := store.CountAccounts(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("load demo: %w", err)
	}
	if n > 0 {
		return Stats{}, fmt.Errorf("load demo: %w (%d)", ErrNotEmpty, n)
	}
	y, m, d := today.Date()
	day0 := time.Date(y, m, d, 0, 0, 0, 0, store.Location())
	p := generate(day0)
	stats := p.stats()
	err = store.WithTx(ctx, func(tx *models.Store) error { return p.write(ctx, tx) })
	if err != nil {
		return Stats{}, fmt.Errorf("load demo: %w", err)
	}
	return stats, nil
}

// Rescorer scores every account as of a day and writes that day's
// snapshots; commands.Service.Rescore fits it once its stats are dropped.
type Rescorer func(ctx context.Context, day time.Time) error

// BackfillDays is how many past days Backfill scores by default: enough for
// the card's 30-day trend (today and the day 30 days before it).
const BackfillDays = 31

// Backfill scores each of the days days ending with today, oldest first, so
// the demo accounts have the daily snapshots trends are computed from.
func Backfill(ctx context.Context, rescore Rescorer, today time.Time, days int) error {
	y, m, d := today.Date()
	last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for i := days - 1; i >= 0; i-- {
		day := last.AddDate(0, 0, -i)
		if err := rescore(ctx, day); err != nil {
			return fmt.Errorf("backfill demo snapshots: %w", err)
		}
	}
	return nil
}
