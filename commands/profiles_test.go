package commands_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// Three accounts with identical stored data, in segments smb, enterprise
// and mid-market, scored with the example model (examples/healthbot.yaml).
// Their sub-scores are the same:
//
//	usage 67 (DAU 2 / MAU 10 = 0.20), adoption 80 (3 of 4 value features),
//	support 25 (mean sentiment -0.50), engagement 33 (last touch 40 days
//	ago), payment 70 (an invoice paid late), exec_sponsor 0 (no touch with
//	the sponsor), seat_use 60 (seats_active 12 / 20 seats = 0.60).
//
// What differs is the profile, and so the weights:
//
//	smb         60·67 + 20·80 + 20·25 + 10·60                               = 6720 / 110 = 61.09 → 61 Stable
//	enterprise  30·67 + 25·80 + 20·25 + 15·33 + 10·70 + 10·0 + 10·60       = 6305 / 120 = 52.54 → 53 At-risk
//	default     30·67 + 25·80 + 20·25 + 15·33 + 10·70 + 10·60              = 6305 / 110 = 57.32 → 57 At-risk
var profileCases = []struct {
	slug, segment, profile string
	unrounded              float64
	score                  int
	status                 scoring.Status
	weights                map[string]float64
}{
	{"smb-co", "smb", "smb", 6720.0 / 110, 61, scoring.Stable,
		map[string]float64{"usage": 60, "adoption": 20, "support": 20, "seat_use": 10}},
	{"ent-co", "Enterprise", "enterprise", 6305.0 / 120, 53, scoring.AtRisk,
		map[string]float64{"usage": 30, "adoption": 25, "support": 20, "engagement": 15, "payment": 10, "exec_sponsor": 10, "seat_use": 10}},
	{"mid-co", "mid-market", "default", 6305.0 / 110, 57, scoring.AtRisk,
		map[string]float64{"usage": 30, "adoption": 25, "support": 20, "engagement": 15, "payment": 10, "seat_use": 10}},
}

var profileSubs = map[string]int{"usage": 67, "adoption": 80, "support": 25, "engagement": 33, "payment": 70, "exec_sponsor": 0, "seat_use": 60}

// seedIdentical stores the same rows for each account of profileCases.
func seedIdentical(t *testing.T, s *models.Store, now time.Time) {
	t.Helper()
	day := func(n int) string { return now.AddDate(0, 0, -n).Format(models.DayLayout) }
	at := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	for i, tc := range profileCases {
		a := models.Account{ExternalID: fmt.Sprintf("P-%d", i), Name: tc.slug, Slug: tc.slug, Segment: tc.segment,
			Seats: 20, MRRCents: 100000, SponsorStatus: "active"}
		insert(t, s, &a)
		var acts []models.Activity
		for d := range 30 {
			for u := range 2 {
				acts = append(acts, models.Activity{AccountID: a.ID, Day: day(d), UserID: fmt.Sprintf("u%d", u), Feature: []string{"reports", "dashboards"}[u]})
			}
		}
		for u := 2; u < 10; u++ {
			acts = append(acts, models.Activity{AccountID: a.ID, Day: day(20), UserID: fmt.Sprintf("u%d", u), Feature: "alerts"})
		}
		acts = append(acts, models.Activity{AccountID: a.ID, Day: day(60), UserID: "u0", Feature: "exports"})
		insert(t, s, &acts)
		c1, c2 := at(15), at(5)
		insert(t, s, &[]models.Ticket{
			{ExternalID: a.ExternalID + "-t1", AccountID: a.ID, OpenedAt: at(20), OpenedDay: day(20), ClosedAt: &c1, Sentiment: "neutral"},
			{ExternalID: a.ExternalID + "-t2", AccountID: a.ID, OpenedAt: at(10), OpenedDay: day(10), ClosedAt: &c2, Sentiment: "negative"},
		})
		insert(t, s, &[]models.Touch{
			{AccountID: a.ID, At: at(40), Day: day(40), Kind: "call", By: "maria"},
			{AccountID: a.ID, At: at(70), Day: day(70), Kind: "email", By: "maria"},
		})
		paid := day(25)
		insert(t, s, &models.Invoice{ExternalID: a.ExternalID + "-i1", AccountID: a.ID, AmountCents: 100000, DueOn: day(30), PaidOn: &paid, Status: "paid"})
		insert(t, s, &models.Metric{AccountID: a.ID, Name: "seats_active", Day: day(3), Value: 12})
	}
}

// TestProfilesScoreIdenticalDataDifferently scores the three accounts of
// profileCases with the example model on every path that scores: the
// daily rescore (every account at once), the rescore of a few accounts
// (after a batch), and the card; each gives the worked numbers above, and
// the snapshots record the profile and its version.
func TestProfilesScoreIdenticalDataDifferently(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedIdentical(t, s, fixedNow)
		model := commandstest.ExampleModel(t)
		svc := &commands.Service{Store: s, Model: model, Config: model.Default.Config, Now: func() time.Time { return fixedNow },
			Log: slog.New(slog.DiscardHandler)}
		today := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
		if _, err := svc.Rescore(ctx, today); err != nil {
			t.Fatal(err)
		}
		var some []commands.Scored
		err := s.WithTx(ctx, func(tx *models.Store) error {
			var err error
			some, err = svc.RescoreAccounts(ctx, tx, today, []uint{1, 2, 3})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		few := map[string]scoring.Result{}
		for _, sc := range some {
			few[sc.Account.Slug] = sc.Result
		}
		hist := map[string]models.Snapshot{}
		for i, tc := range profileCases {
			h, err := s.History(ctx, uint(i+1), today, today)
			if err != nil || len(h) != 1 {
				t.Fatalf("%s: history %v, %v", tc.slug, h, err)
			}
			hist[tc.slug] = h[0]
		}
		for _, tc := range profileCases {
			t.Run(tc.slug, func(t *testing.T) {
				eff := model.For(tc.segment, "")
				sn := hist[tc.slug]
				if sn.Profile != tc.profile || sn.ModelVersion != eff.Version || sn.Score != tc.score || sn.Status != string(tc.status) {
					t.Errorf("snapshot: %s %s, %d %s; want %s %s, %d %s", sn.Profile, sn.ModelVersion, sn.Score, sn.Status,
						tc.profile, eff.Version, tc.score, tc.status)
				}
				r, err := sn.Result()
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(r.Unrounded-tc.unrounded) > 1e-9 {
					t.Errorf("unrounded %v, want %v", r.Unrounded, tc.unrounded)
				}
				if len(r.Parts) != len(tc.weights) {
					t.Errorf("parts %+v, want %v", r.Parts, tc.weights)
				}
				for _, p := range r.Parts {
					if p.Weight != tc.weights[p.Component] || p.Sub != profileSubs[p.Component] || !p.HasData {
						t.Errorf("%s: weight %v sub %d, want %v and %d", p.Component, p.Weight, p.Sub, tc.weights[p.Component], profileSubs[p.Component])
					}
				}
				if r := few[tc.slug]; r.Score != tc.score || r.Profile != tc.profile || math.Abs(r.Unrounded-tc.unrounded) > 1e-9 {
					t.Errorf("rescore of a few accounts: %d %s", r.Score, r.Profile)
				}
				card := runLine(t, svc, callerMaria, "/health "+tc.slug)
				if want := fmt.Sprintf("%s — %d %s", tc.slug, tc.score, tc.status); !strings.HasPrefix(card.Title, want) {
					t.Errorf("card %q, want %q", card.Title, want)
				}
				if ctx := strings.Join(card.Context, "\n"); !strings.Contains(ctx, "Profile: "+tc.profile) {
					t.Errorf("card does not name profile %s:\n%s", tc.profile, ctx)
				}
			})
		}
		list := runLine(t, svc, callerMaria, "/health list")
		for _, want := range []string{"smb-co — 61 Stable · MRR 1,000 · profile smb", "ent-co — 53 At-risk · MRR 1,000 · profile enterprise",
			"mid-co — 57 At-risk · MRR 1,000 · profile default"} {
			if !strings.Contains(list.Sections[0].Text, want) {
				t.Errorf("list lacks %q:\n%s", want, list.Sections[0].Text)
			}
		}
	})
}
