package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
)

// MetricSeatsActive is the metric the demo records for every account: the
// seats in use, which the example health model scores as seat_use.
const MetricSeatsActive = "seats_active"

// metricEvery is how often the demo records seats_active: weekly, as a
// licensing system's export might.
const metricEvery = 7

// firstExternalID is the external id of the demo's first account, which
// Loaded looks for.
const firstExternalID = "demo-001"

// Loaded reports whether store holds the demo portfolio.
func Loaded(ctx context.Context, store *models.Store) (bool, error) {
	ids, err := store.AccountIDsByExternalID(ctx, []string{firstExternalID})
	if err != nil {
		return false, fmt.Errorf("demo loaded: %w", err)
	}
	return ids[firstExternalID] != 0, nil
}

// seatsActive is the account's seats_active metric, derived from its own
// generated activity so the two tell the same story: every metricEvery
// days back from today (while the account had history), the distinct
// users active in the week ending that day.
func (ac *account) seatsActive(today time.Time) []models.Metric {
	users := map[string]map[string]bool{} // day → users active that day
	first, last := "", ""
	for _, a := range ac.activity {
		if users[a.Day] == nil {
			users[a.Day] = map[string]bool{}
		}
		users[a.Day][a.UserID] = true
		if first == "" || a.Day < first {
			first = a.Day
		}
		last = max(last, a.Day)
	}
	var out []models.Metric
	for d := today; first != "" && day(d) >= first; d = d.AddDate(0, 0, -metricEvery) {
		if day(d) > last {
			continue // churned: nothing recorded after its last day
		}
		week := map[string]bool{}
		for k := range metricEvery {
			for u := range users[day(d.AddDate(0, 0, -k))] {
				week[u] = true
			}
		}
		out = append(out, models.Metric{Name: MetricSeatsActive, Day: day(d), Value: float64(len(week))})
	}
	return out
}

// writeMetrics stores every account's seats_active rows, in the caller's
// transaction, after the accounts (it looks their ids up), and counts them.
func (p *portfolio) writeMetrics(ctx context.Context, store *models.Store, today time.Time) (int, error) {
	ext := make([]string, len(p.accounts))
	for i, a := range p.accounts {
		ext[i] = a.row.ExternalID
	}
	ids, err := store.AccountIDsByExternalID(ctx, ext)
	if err != nil {
		return 0, fmt.Errorf("insert metrics: %w", err)
	}
	var rows []models.Metric
	for _, a := range p.accounts {
		for _, m := range a.seatsActive(today) {
			m.AccountID = ids[a.row.ExternalID]
			rows = append(rows, m)
		}
	}
	if _, err := store.UpsertMetrics(ctx, rows); err != nil {
		return 0, fmt.Errorf("insert metrics: %w", err)
	}
	return len(rows), nil
}
