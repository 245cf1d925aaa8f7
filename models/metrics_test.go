package models_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// metricModel has one custom component per aggregate, all over the
// metric "seats_active" but for "logins", which no row has.
func metricModel(t *testing.T) scoring.Model {
	t.Helper()
	m, err := scoring.ParseModel([]byte(`
weights: {m_latest: 10, m_sum: 10, m_mean: 10, m_max: 10, m_min: 10, m_count: 10, m_per: 10, logins: 10, m_again: 10}
components:
  m_latest: {metric: seats_active, aggregate: latest, days: 30, bands: [{min: 0, label: any, score: 50}]}
  m_again:  {metric: seats_active, aggregate: latest, days: 30, bands: [{min: 0, label: any, score: 50}]}
  m_per:    {metric: seats_active, aggregate: latest, days: 30, per: seats, bands: [{min: 0, label: any, score: 50}]}
  m_sum:    {metric: seats_active, aggregate: sum, days: 7, bands: [{min: 0, label: any, score: 50}]}
  m_mean:   {metric: seats_active, aggregate: mean, days: 7, bands: [{min: 0, label: any, score: 50}]}
  m_max:    {metric: seats_active, aggregate: max, days: 7, bands: [{min: 0, label: any, score: 50}]}
  m_min:    {metric: seats_active, aggregate: min, days: 7, bands: [{min: 0, label: any, score: 50}]}
  m_count:  {metric: seats_active, aggregate: count, days: 7, bands: [{min: 0, label: any, score: 50}]}
  logins:   {metric: logins, aggregate: sum, days: 30, bands: [{min: 0, label: any, score: 50}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMetricSignals checks every aggregate over its window, for every
// account at once and for one, the store-wide "has rows" of each metric,
// and that the components cost one statement however many there are.
func TestMetricSignals(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustCreate(t, s, &[]models.Account{
			{ExternalID: "a", Name: "A", Slug: "a", Seats: 40, MRRCents: 123456},
			{ExternalID: "b", Name: "B", Slug: "b"},
		})
		n, err := s.UpsertMetrics(ctx, []models.Metric{
			{AccountID: 1, Name: "seats_active", Day: day(-40), Value: 99}, // outside every window
			{AccountID: 1, Name: "seats_active", Day: day(-20), Value: 10},
			{AccountID: 1, Name: "seats_active", Day: day(-6), Value: 30.5},
			{AccountID: 1, Name: "seats_active", Day: day(-1), Value: 20},
			{AccountID: 1, Name: "seats_active", Day: day(0), Value: 25},
			{AccountID: 1, Name: "seats_active", Day: day(1), Value: 1000}, // after T
			{AccountID: 1, Name: "other", Day: day(0), Value: 7},
		})
		if err != nil || n.Inserted != 7 {
			t.Fatalf("UpsertMetrics: %+v, %v", n, err)
		}
		// The same rows again change nothing; a new value updates.
		if n, err := s.UpsertMetrics(ctx, []models.Metric{{AccountID: 1, Name: "seats_active", Day: day(-20), Value: 10}}); err != nil || n.Unchanged != 1 {
			t.Fatalf("UpsertMetrics again: %+v, %v", n, err)
		}
		if n, err := s.UpsertMetrics(ctx, []models.Metric{{AccountID: 1, Name: "seats_active", Day: day(-6), Value: 35}}); err != nil || n.Updated != 1 {
			t.Fatalf("UpsertMetrics update: %+v, %v", n, err)
		}
		m := metricModel(t)
		got, _ := modelSignals(t, ctx, s, &m)
		a := got[1]
		want := map[string]scoring.MetricSignal{
			"m_latest": {Value: 25, Rows: 4}, "m_again": {Value: 25, Rows: 4}, "m_per": {Value: 25, Rows: 4},
			"m_sum": {Value: 80, Rows: 3}, "m_mean": {Value: 80.0 / 3, Rows: 3}, "m_max": {Value: 35, Rows: 3},
			"m_min": {Value: 20, Rows: 3}, "m_count": {Value: 3, Rows: 3},
		}
		if !reflect.DeepEqual(a.Metrics, want) {
			t.Errorf("metrics of A:\n got %v\nwant %v", a.Metrics, want)
		}
		if len(got[2].Metrics) != 0 {
			t.Errorf("B has no rows, so no figure: %v", got[2].Metrics)
		}
		if want := map[string]bool{"seats_active": true, "logins": false}; !reflect.DeepEqual(a.MetricSources, want) {
			t.Errorf("metric sources %v, want %v", a.MetricSources, want)
		}
		if a.Seats != 40 || a.MRRCents != 123456 {
			t.Errorf("seats %d, MRR %d", a.Seats, a.MRRCents)
		}
		one, err := s.Signals(ctx, m.Default.Config, 1, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, a) {
			t.Errorf("parity:\n  Signals %s\nModelSignals %s", show(one), show(a))
		}

		// The scores: logins has no row at all, so no data and its weight
		// is shared out; B, silent, reads 0 on seats_active.
		r := m.Default.Score(a)
		for _, p := range r.Parts {
			onSeats := strings.HasPrefix(p.Component, "m_")
			if (onSeats || p.Component == "logins") && p.HasData != onSeats {
				t.Errorf("%s: has data %v", p.Component, p.HasData)
			}
		}
		for _, p := range r.Parts {
			if p.Component == "m_per" && p.Raw != "seats_active 25 / 40 seats = 0.62" {
				t.Errorf("m_per raw %q", p.Raw)
			}
		}
		rb := m.Default.Score(got[2])
		for _, p := range rb.Parts {
			if p.Component == "m_sum" && (p.Raw != "no seats_active in 7 days" || p.Sub != 50) {
				t.Errorf("B's m_sum: %+v", p)
			}
		}

		count := func(m *scoring.Model) int {
			n, err := models.CountQueries(ctx, func(ctx context.Context) error {
				return s.ModelSignals(ctx, m, asOf, func(*scoring.Effective, scoring.Signals) error { return nil })
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		def := scoring.ModelOf(scoring.Default())
		if base, custom := count(&def), count(&m); custom != base+1 {
			t.Errorf("ModelSignals: %d statements with nine custom components, %d without; want one more", custom, base)
		}
	})
}
