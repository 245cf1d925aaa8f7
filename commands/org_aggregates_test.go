package commands_test

import (
	"context"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestOrgAggregatesByRescore: the day's full rescore saves the
// organisation-wide figures (active accounts, tickets of the support
// window, features seen), a card scoring one account reads them instead of
// aggregating the organisation, and the next rescore refreshes them.
func TestOrgAggregatesByRescore(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		cfg := scoring.Default()
		live, err := s.Signals(ctx, cfg, acmeID, fixedNow) // nothing saved yet: aggregated live
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Rescore(ctx, fixedNow); err != nil {
			t.Fatal(err)
		}
		org, err := s.OrgAggregates(ctx, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		support := fixedNow.AddDate(0, 0, -(cfg.Windows.SupportDays - 1)).Format(models.DayLayout)
		seen := fixedNow.AddDate(0, 0, -(cfg.Windows.FeatureSeenDays - 1)).Format(models.DayLayout)
		// Acme, Globex, Initech are active; Initech's ticket T-2 and Acme's T-1
		// fall in the 90 days; reports and dashboards were seen.
		want := map[string]int64{models.OrgActiveAccounts + "/": 3, models.OrgTickets + "/" + support: 2, models.OrgFeaturesSeen + "/" + seen: 2}
		for k, v := range want {
			if org[k] != v {
				t.Errorf("saved %s = %d, want %d (all: %v)", k, org[k], v, org)
			}
		}
		stored, err := s.Signals(ctx, cfg, acmeID, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		if stored.OrgMeanTickets90 != live.OrgMeanTickets90 || stored.ValueFeatures != live.ValueFeatures {
			t.Errorf("signals from the saved figures: mean %v, features %d; live: %v, %d",
				stored.OrgMeanTickets90, stored.ValueFeatures, live.OrgMeanTickets90, live.ValueFeatures)
		}

		// The card reads the saved figures: changed behind its back, they show.
		if err := s.DB().Exec("UPDATE org_aggregates SET value = 30 WHERE name = ?", models.OrgTickets).Error; err != nil {
			t.Fatal(err)
		}
		if sig, err := s.Signals(ctx, cfg, acmeID, fixedNow); err != nil || sig.OrgMeanTickets90 != 10 {
			t.Errorf("signals after the saved tickets changed: mean %v, %v; want 30 / 3 = 10", sig.OrgMeanTickets90, err)
		}

		// A new ticket and the next rescore: the figures are recomputed.
		insert(t, s, &models.Ticket{ExternalID: "T-9", AccountID: globexID, OpenedAt: fixtureAt(1), OpenedDay: fixtureDay(1), Sentiment: "neutral"})
		if _, err := svc.Rescore(ctx, fixedNow); err != nil {
			t.Fatal(err)
		}
		if org, err = s.OrgAggregates(ctx, fixedNow); err != nil || org[models.OrgTickets+"/"+support] != 3 {
			t.Errorf("tickets after the next rescore = %d, %v; want 3", org[models.OrgTickets+"/"+support], err)
		}
		fresh, err := s.Signals(ctx, cfg, acmeID, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.OrgMeanTickets90 != 1 {
			t.Errorf("mean tickets after the next rescore = %v, want 3 / 3", fresh.OrgMeanTickets90)
		}
	})
}
