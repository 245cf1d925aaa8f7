// Package gen writes a deterministic, realistic portfolio of N accounts
// (users, daily activity over ~10 features, tickets, touches, pulses,
// surveys, invoices, MRR history, CSMs and 60 days of daily snapshots, or
// Params.History) into a Store, fast: COPY on
// PostgreSQL, large multi-row INSERTs in one transaction on SQLite. It
// feeds the scale benchmarks, the backtest and `healthbot-gen`. Accounts
// churn with and without warning, and dip and recover, over any number
// of days of history (lifecycle.go), so a backtest has real churn to
// predict from the stored rows alone.
package gen

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/healthbot/healthbot/models"
)

// Version changes whenever the generated rows or their order change, so
// stored benchmark datasets built by an older generator are rebuilt rather
// than reused (3: snapshot history written day by day; 4: accounts churn
// with and without warning, dip and recover, see lifecycle.go; 5: on
// PostgreSQL each month of activity in its own partition, as a database
// kept by serve's daily job has it, not all in the default partition; 6:
// each day of snapshot history marked fully rescored, with its count of
// active accounts, as the daily rescore marks it).
const Version = 6

// Params fix a dataset: the same Params give the same rows.
type Params struct {
	Accounts int
	Days     int       // days of history, ending at End
	Seed     uint64    // random seed
	End      time.Time // the last generated day (midnight UTC); benchmarks score as of it
	// History is the days of daily snapshots before the last day. Zero
	// means the default: 60 days, or fewer when Days is shorter. A
	// History longer than Days reaches back before the first day of
	// activity (a year of snapshots over 180 days of activity, say, as
	// a portfolio that keeps only recent raw activity has).
	History int
}

// DefaultEnd is the last day of generated history unless Params say otherwise.
var DefaultEnd = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

// DefaultSeed is the seed unless Params say otherwise.
const DefaultSeed = 20260331

// withDefaults fills zero fields.
func (p Params) withDefaults() Params {
	if p.Days <= 0 {
		p.Days = 180
	}
	if p.Seed == 0 {
		p.Seed = DefaultSeed
	}
	if p.End.IsZero() {
		p.End = DefaultEnd
	}
	p.End = time.Date(p.End.Year(), p.End.Month(), p.End.Day(), 0, 0, 0, 0, time.UTC)
	return p
}

// String identifies the dataset, as stored in the marker table.
func (p Params) String() string {
	p = p.withDefaults()
	s := fmt.Sprintf("v%d accounts=%d days=%d seed=%d end=%s", Version, p.Accounts, p.Days, p.Seed, p.End.Format(models.DayLayout))
	if p.History > 0 {
		s += fmt.Sprintf(" history=%d", p.History)
	}
	return s
}

// Stats describe a generation run.
type Stats struct {
	Params   Params
	Rows     map[string]int64 // rows written per table
	Duration time.Duration
}

// ActivityRows is the number of activity rows written.
func (s Stats) ActivityRows() int64 { return s.Rows["activities"] }

// ErrNotEmpty is returned when the target database already holds accounts.
var ErrNotEmpty = errors.New("database already holds accounts")

// table is one generated table: its name, columns and rows in that order.
type table struct {
	name string
	cols []string
	rows iter.Seq[[]any]
}

func (g *generator) tables() []table {
	return []table{
		{"csms", csmColumns, g.csmRows()},
		{"accounts", accountColumns, g.accounts()},
		{"activities", activityColumns, g.activity()},
		{"tickets", ticketColumns, g.tickets()},
		{"touches", touchColumns, g.touches()},
		{"pulses", pulseColumns, g.pulses()},
		{"surveys", surveyColumns, g.surveys()},
		{"invoices", invoiceColumns, g.invoices()},
		{"mrr_changes", mrrColumns, g.mrr()},
		{"snapshots", snapshotColumns, g.snapshots()},
		{"org_aggregates", orgAggregateColumns, g.orgAggregates()},
	}
}

// Generate writes the dataset of p into s, which must hold no accounts,
// and records p in the marker table (see Existing). now is the clock used
// to time the run.
func Generate(ctx context.Context, s *models.Store, p Params) (Stats, error) {
	p = p.withDefaults()
	if p.Accounts <= 0 {
		return Stats{}, fmt.Errorf("generate: %d accounts: want at least one", p.Accounts)
	}
	var n int64
	if err := s.DB().WithContext(ctx).Raw("SELECT COUNT(*) FROM accounts").Scan(&n).Error; err != nil {
		return Stats{}, fmt.Errorf("generate: %w", err)
	}
	if n > 0 {
		return Stats{}, fmt.Errorf("generate: %w (%d); use an empty database", ErrNotEmpty, n)
	}
	start := time.Now()
	g := newGenerator(p)
	stats := Stats{Params: p, Rows: map[string]int64{}}
	var err error
	if s.Dialect() == models.DialectPostgres {
		// The month tables of every generated day first, as serve's daily
		// job (models.MaintainActivity, MaintainSnapshots) keeps them:
		// without them every row goes to the default partition, one table
		// of all the months. Snapshots may reach back further than activity.
		first := p.End.AddDate(0, 0, 1-p.Days)
		if p.History > 0 {
			first = minDay(first, p.End.AddDate(0, 0, -p.History))
		}
		if _, err := s.EnsureMonthTables(ctx, first, p.End); err != nil {
			return Stats{}, fmt.Errorf("generate: %w", err)
		}
		err = copyPostgres(ctx, s, g.tables(), stats.Rows)
	} else {
		err = insertSQLite(ctx, s, g.tables(), stats.Rows)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("generate: %w", err)
	}
	stats.Duration = time.Since(start)
	if err := writeMarker(ctx, s, p, stats); err != nil {
		return Stats{}, fmt.Errorf("generate: %w", err)
	}
	return stats, nil
}

// markerDDL creates the table that records which dataset a database holds.
const markerDDL = `CREATE TABLE IF NOT EXISTS healthbot_gen (params TEXT NOT NULL, activity_rows BIGINT NOT NULL, millis BIGINT NOT NULL)`

func writeMarker(ctx context.Context, s *models.Store, p Params, st Stats) error {
	db := s.DB().WithContext(ctx)
	if err := db.Exec(markerDDL).Error; err != nil {
		return fmt.Errorf("marker: %w", err)
	}
	err := db.Exec("INSERT INTO healthbot_gen (params, activity_rows, millis) VALUES (?, ?, ?)",
		p.String(), st.ActivityRows(), st.Duration.Milliseconds()).Error
	if err != nil {
		return fmt.Errorf("marker: %w", err)
	}
	return nil
}

// Existing reports whether s holds the complete dataset of p (written by
// this generator version), with its recorded activity rows and build time.
func Existing(ctx context.Context, s *models.Store, p Params) (bool, Stats, error) {
	db := s.DB().WithContext(ctx)
	if err := db.Exec(markerDDL).Error; err != nil {
		return false, Stats{}, fmt.Errorf("read marker: %w", err)
	}
	var rows []struct {
		ActivityRows, Millis int64
	}
	if err := db.Raw("SELECT activity_rows, millis FROM healthbot_gen WHERE params = ?", p.String()).Scan(&rows).Error; err != nil {
		return false, Stats{}, fmt.Errorf("read marker: %w", err)
	}
	if len(rows) == 0 {
		return false, Stats{}, nil
	}
	st := Stats{Params: p.withDefaults(), Rows: map[string]int64{"activities": rows[0].ActivityRows},
		Duration: time.Duration(rows[0].Millis) * time.Millisecond}
	return true, st, nil
}

func minDay(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
