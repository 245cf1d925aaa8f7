package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestPointInTimeSignals: as of a past day, only what was known then
// counts: accounts not yet started or already churned are left out, MRR
// comes from its history, a departed sponsor counts only after the last
// touch with them present, a source with rows only after the day is not
// connected, and rows dated after the day (activity, tickets, pulses,
// touches, invoices, surveys) are not read.
func TestPointInTimeSignals(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		str := func(v string) *string { return &v }
		day := func(d string) time.Time { t, _ := models.ParseDay(d); return t }
		accs := []models.Account{
			{ExternalID: "P-1", Name: "Kilo", Slug: "kilo", StartedOn: str("2025-01-01"), MRRCents: 9900, SponsorStatus: "departed"},
			{ExternalID: "P-2", Name: "Lima", Slug: "lima", StartedOn: str("2025-03-01")},             // not started on 2025-02-01
			{ExternalID: "P-3", Name: "Mike", Slug: "mike", ChurnedOn: str("2025-01-20")},             // churned before it
			{ExternalID: "P-4", Name: "Nova", Slug: "nova", SponsorStatus: "departed", MRRCents: 500}, // no start day: counts as started
		}
		if err := s.DB().Create(&accs).Error; err != nil {
			t.Fatal(err)
		}
		kilo, nova := accs[0].ID, accs[3].ID
		rows := []any{
			&[]models.MRRChange{{AccountID: kilo, EffectiveOn: "2025-01-01", MRRCents: 1000}, {AccountID: kilo, EffectiveOn: "2025-03-01", MRRCents: 9900}},
			&[]models.Activity{
				{AccountID: kilo, UserID: "u1", Day: "2025-01-30", Feature: "reports"},
				{AccountID: kilo, UserID: "u2", Day: "2025-02-02", Feature: "alerts"}, // after the day
			},
			&[]models.Touch{
				{AccountID: kilo, At: day("2025-01-10"), Day: "2025-01-10", Kind: "qbr", Exec: true, By: "m"},
				{AccountID: kilo, At: day("2025-02-10"), Day: "2025-02-10", Kind: "qbr", Exec: true, By: "m"}, // sponsor there after the day
				{AccountID: nova, At: day("2025-01-05"), Day: "2025-01-05", Kind: "call", Exec: true, By: "m"},
			},
			&[]models.Ticket{{ExternalID: "PT-1", AccountID: kilo, OpenedAt: day("2025-02-05"), OpenedDay: "2025-02-05", Sentiment: "negative"}},
			&[]models.Pulse{{AccountID: kilo, At: day("2025-02-03"), Day: "2025-02-03", Colour: "red", Reason: "budget", By: "m"}},
			&[]models.Survey{{AccountID: kilo, Kind: "nps", Score: 2, At: day("2025-02-03"), Day: "2025-02-03"}},
		}
		for _, r := range rows {
			if err := s.DB().Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		m := scoring.ModelOf(scoring.Default())
		got := map[uint]scoring.Signals{}
		err := s.PointInTimeSignals(context.Background(), &m, day("2025-02-01"), func(_ *scoring.Effective, sig scoring.Signals) error {
			got[sig.AccountID] = sig
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("accounts %v, want kilo and nova (lima had not started, mike had churned)", got)
		}
		k, n := got[kilo], got[nova]
		if k.MRRCents != 1000 || n.MRRCents != 500 {
			t.Errorf("MRR: kilo %d (want 1000, its history then), nova %d (want 500, no history)", k.MRRCents, n.MRRCents)
		}
		if k.SponsorDeparted || !n.SponsorDeparted {
			t.Errorf("sponsor departed: kilo %v (touched with them after the day), nova %v", k.SponsorDeparted, n.SponsorDeparted)
		}
		if k.MAU != 1 || k.ValueFeaturesUsed30 != 1 || k.ValueFeatures != 1 {
			t.Errorf("activity: MAU %d, features used %d of %d; want the day's user and feature only", k.MAU, k.ValueFeaturesUsed30, k.ValueFeatures)
		}
		if k.Touches90 != 1 || k.ExecTouches90 != 1 || k.LastTouch == nil || !k.LastTouch.Equal(day("2025-01-10")) {
			t.Errorf("touches: %d, exec %d, last %v", k.Touches90, k.ExecTouches90, k.LastTouch)
		}
		if k.LatestPulse != nil || k.NPSDetractors != 0 || k.WindowTickets != 0 {
			t.Errorf("rows after the day read: pulse %v, detractors %d, tickets %d", k.LatestPulse, k.NPSDetractors, k.WindowTickets)
		}
		src := k.Sources
		if !src.Activity || !src.Touches || src.Tickets || src.Pulses || src.NPS || src.Invoices {
			t.Errorf("sources as of the day %+v: want activity and touches only", src)
		}
		churn, err := s.ChurnDays(context.Background())
		if err != nil || len(churn) != 1 || !churn[accs[2].ID].Equal(day("2025-01-20")) {
			t.Errorf("churn days %v, %v", churn, err)
		}
	})
}
