package models_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestSignalsUseConfiguredWindows shortens every store-side window of
// cfg.Windows and checks each signal follows, on both query paths.
func TestSignalsUseConfiguredWindows(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seedFixture(t, s)
		cfg := scoring.Default()
		cfg.Windows.DAUDays = 1          // day T only
		cfg.Windows.MAUDays = 7          // T-6 .. T
		cfg.Windows.AdoptionDays = 1     // day T only
		cfg.Windows.FeatureSeenDays = 30 // T-29 .. T
		cfg.Windows.SupportDays = 30
		cfg.Windows.EngagementDays = 7
		cfg.Windows.ExecSponsorDays = 7
		cfg.Windows.LatePaymentDays = 30
		cfg.Windows.SurveyDays = 7
		got, _ := allSignals(t, s, cfg)
		a := got[alpha]

		want := wantFixture()[alpha]
		want.ActiveUserDays7 = 2     // u1 and u2 on T (default 4 over 7 days)
		want.MAU = 2                 // u1, u2 (u2 at T-7 and u3 at T-29 drop out)
		want.ValueFeaturesUsed30 = 2 // reports, export on T
		want.ValueFeatures = 5       // reports export dash admin churnfeat (old at T-30, billing at T-89 drop out)
		want.WindowTickets, want.NegativeTickets, want.Tickets90 = 4, 1, 2
		want.Touches90, want.ExecTouches90 = 1, 1
		want.LatePaid180 = 1 // i7 (due T-179) drops out
		want.NPSPromoters, want.NPSPassives, want.NPSDetractors = 1, 0, 0
		// the org mean follows the support window: alpha 2, delta 2 over 4 active accounts
		want.OrgMeanTickets90 = 1
		if !reflect.DeepEqual(a, want) {
			t.Errorf("alpha with short windows:\n got %s\nwant %s", show(a), show(want))
		}
		one, err := s.Signals(context.Background(), cfg, alpha, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, a) {
			t.Errorf("parity:\n  Signals %s\nAllSignals %s", show(one), show(a))
		}

		// Zero windows fall back to the defaults.
		zero := scoring.Default()
		zero.Windows = scoring.Windows{}
		got, _ = allSignals(t, s, zero)
		if def := wantFixture()[alpha]; !reflect.DeepEqual(got[alpha], def) {
			t.Errorf("alpha with zero windows:\n got %s\nwant %s", show(got[alpha]), show(def))
		}
	})
}
