package demo

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// The early history and the churners came after the demo's six months:
// every archetype account's rows of those six months must be exactly what
// generating them alone gives, so today's scores, the README session and
// the golden summaries did not move.
func TestEarlyHistoryLeavesRecentMonthsAlone(t *testing.T) {
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	full := generate(today)
	i := 0
	for _, a := range archetypes {
		for k := 0; k < a.count; k++ {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			alone := genAccount(rng, a.vary(rng, k), i, today, today.AddDate(0, 0, -(recentDays-1)))
			got := full.accounts[i]
			if !reflect.DeepEqual(got.row, alone.row) {
				t.Errorf("account %d: row %+v, want %+v", i, got.row, alone.row)
			}
			for _, c := range []struct {
				what      string
				got, want any
			}{
				{"activity", got.activity[len(got.activity)-len(alone.activity):], alone.activity},
				{"tickets", got.tickets[len(got.tickets)-len(alone.tickets):], alone.tickets},
				{"touches", got.touches[len(got.touches)-len(alone.touches):], alone.touches},
				{"surveys", got.surveys[len(got.surveys)-len(alone.surveys):], alone.surveys},
				{"invoices", got.invoices[len(got.invoices)-len(alone.invoices):], alone.invoices},
				{"pulses", got.pulses[:len(alone.pulses)], alone.pulses},
				{"mrr", got.mrr[:len(alone.mrr)], alone.mrr},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("account %d (%s): its last six months of %s changed", i, a.name, c.what)
				}
			}
			recent := today.AddDate(0, 0, -(recentDays - 1))
			var early []time.Time
			for _, r := range got.activity[:len(got.activity)-len(alone.activity)] {
				d, _ := time.Parse("2006-01-02", r.Day)
				early = append(early, d)
			}
			for _, r := range got.tickets[:len(got.tickets)-len(alone.tickets)] {
				early = append(early, r.OpenedAt, *r.ClosedAt)
			}
			for _, r := range got.touches[:len(got.touches)-len(alone.touches)] {
				early = append(early, r.At)
			}
			for _, r := range got.surveys[:len(got.surveys)-len(alone.surveys)] {
				early = append(early, r.At)
			}
			for _, r := range got.pulses[len(alone.pulses):] {
				early = append(early, r.At)
			}
			for _, r := range early {
				if !r.Before(recent) {
					t.Errorf("account %d (%s): early history on %s, inside the six months", i, a.name, r)
					break
				}
			}
			i++
		}
	}
}
