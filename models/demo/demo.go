// Package demo loads a deterministic demo portfolio: 38 active accounts in
// three segments, designed so that every status and every part of the
// account card shows something, and 14 accounts that churned over the past
// year, with fifteen months of history (usage, tickets, touches, pulses,
// surveys, invoices, MRR changes, the seats_active metric) so that a
// backtest of the health score finds real, imperfect signal in the stored
// rows: most churners fade first, a few leave without warning, and some
// accounts dip and recover (churners.go, history.go). The same today always
// yields the same rows.
package demo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
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
	Metrics     int // seats_active rows (metrics.go)
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
	err = store.WithTx(ctx, func(tx *models.Store) error {
		if err := p.write(ctx, tx); err != nil {
			return err
		}
		stats.Metrics, err = p.writeMetrics(ctx, tx, day0)
		return err
	})
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

// AccountsRescorer scores the accounts ids as of a day and writes their
// snapshots for it: commands.Service.RescoreAccounts in a transaction.
type AccountsRescorer func(ctx context.Context, day time.Time, ids []uint) error

// ChurnedBackfillDays is how far back from its churn BackfillChurned
// scores a churned account: the last 90 days its frozen card shows.
const ChurnedBackfillDays = 90

// churnedStep is how many days apart BackfillChurned scores: enough
// points for the card's steps, its trend and its chart, at a third of the
// cost of every day.
const churnedStep = 3

// BackfillChurned scores every churned account on its last day before
// churning, and every churnedStep days before that over
// ChurnedBackfillDays, oldest first, so /health on it shows its final
// score and the days that led there, frozen, as a portfolio scored daily
// would have them. Backfill covers the recent days only, which churned
// accounts never reach.
func BackfillChurned(ctx context.Context, s *models.Store, rescore AccountsRescorer) error {
	var rows []struct {
		ID        uint
		ChurnedOn string
	}
	if err := s.DB().WithContext(ctx).Raw("SELECT id, churned_on FROM accounts WHERE churned_on IS NOT NULL ORDER BY id").
		Scan(&rows).Error; err != nil {
		return fmt.Errorf("backfill churned demo accounts: %w", err)
	}
	byDay := map[string][]uint{}
	for _, r := range rows {
		churned, err := models.ParseDay(r.ChurnedOn)
		if err != nil {
			return fmt.Errorf("backfill churned demo account %d: %w", r.ID, err)
		}
		last := churned.AddDate(0, 0, -1) // its last active day
		for back := 0; back < ChurnedBackfillDays; back += churnedStep {
			d := last.AddDate(0, 0, -back).Format(models.DayLayout)
			byDay[d] = append(byDay[d], r.ID)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(byDay)) {
		day, _ := models.ParseDay(d)
		if err := rescore(ctx, day, byDay[d]); err != nil {
			return fmt.Errorf("backfill churned demo accounts on %s: %w", d, err)
		}
	}
	return nil
}
