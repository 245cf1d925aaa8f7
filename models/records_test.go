package models_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

func TestAccountsAndChatUsers(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		active, err := s.ActiveAccounts(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range active {
			names = append(names, a.Name)
		}
		if want := []string{"Alpha", "Beta", "Delta", "Eps"}; !reflect.DeepEqual(names, want) {
			t.Errorf("ActiveAccounts = %v, want %v", names, want)
		}
		if a, err := s.AccountBySlug(ctx, "delta"); err != nil || a.ID != delta {
			t.Errorf("AccountBySlug(delta) = %d, %v", a.ID, err)
		}
		if _, err := s.Account(ctx, 42); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Account(42) error = %v, want ErrNotFound", err)
		}
		mustCreate(t, s, &models.CSM{Handle: "ana", SlackUserID: "U1", DiscordUserID: "D1"})
		for _, c := range []struct{ platform, id string }{{"slack", "U1"}, {"discord", "D1"}, {"console", "ana"}} {
			if got, err := s.CSMByChatUser(ctx, c.platform, c.id); err != nil || got.Handle != "ana" {
				t.Errorf("CSMByChatUser(%s, %s) = %q, %v", c.platform, c.id, got.Handle, err)
			}
		}
		for _, c := range []struct{ platform, id string }{{"slack", "U2"}, {"slack", ""}, {"irc", "U1"}} {
			if _, err := s.CSMByChatUser(ctx, c.platform, c.id); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("CSMByChatUser(%s, %q) error = %v, want ErrNotFound", c.platform, c.id, err)
			}
		}
	})
}

func TestRecordPulseAndTouchUseOrgDay(t *testing.T) {
	loc := time.FixedZone("UTC-5", -5*3600)
	s, err := models.Open(context.Background(), t.TempDir()+"/h.db", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	mustCreate(t, s, &models.Account{ExternalID: "a", Name: "A", Slug: "a"})
	if _, err := s.LatestPulse(ctx, 1); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("LatestPulse with none: %v, want ErrNotFound", err)
	}
	// 02:00 UTC on the 1st is still the 30th... in UTC-5, the 30th of June.
	early := time.Date(2025, 7, 1, 2, 0, 0, 0, time.UTC)
	p := &models.Pulse{AccountID: 1, Colour: "red", Reason: "budget", At: early}
	if err := s.RecordPulse(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Day != "2025-06-30" {
		t.Errorf("pulse Day = %s, want 2025-06-30", p.Day)
	}
	later := &models.Pulse{AccountID: 1, Colour: "green", At: early.Add(time.Hour).In(loc)}
	if err := s.RecordPulse(ctx, later); err != nil {
		t.Fatal(err)
	}
	got, err := s.LatestPulse(ctx, 1)
	if err != nil || got.Colour != "green" {
		t.Errorf("LatestPulse = %q, %v; want green", got.Colour, err)
	}
	touch := &models.Touch{AccountID: 1, Kind: "call", At: early, By: "ana"}
	if err := s.RecordTouch(ctx, touch); err != nil {
		t.Fatal(err)
	}
	if touch.Day != "2025-06-30" {
		t.Errorf("touch Day = %s, want 2025-06-30", touch.Day)
	}
	last, err := s.LastTouch(ctx, 1)
	if err != nil || last.ID != touch.ID {
		t.Errorf("LastTouch = %d, %v; want %d", last.ID, err, touch.ID)
	}
	if got := s.DayAt(early); !got.Equal(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DayAt = %v", got)
	}
}

func TestTicketClosedLateInOrgZone(t *testing.T) {
	// Closed at 23:30 on T in UTC-5 (04:30 UTC on T+1): closed on T, so not open at T.
	loc := time.FixedZone("UTC-5", -5*3600)
	s, err := models.Open(context.Background(), t.TempDir()+"/h.db", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCreate(t, s, &models.Account{ExternalID: "a", Name: "A", Slug: "a"})
	closedOnT := time.Date(2025, 6, 30, 23, 30, 0, 0, loc)
	closedAfter := time.Date(2025, 7, 1, 0, 30, 0, 0, loc)
	mustCreate(t, s, &[]models.Ticket{
		{ExternalID: "k1", AccountID: 1, OpenedDay: day(-1), ClosedAt: &closedOnT},
		{ExternalID: "k2", AccountID: 1, OpenedDay: day(-1), ClosedAt: &closedAfter},
	})
	sig, err := s.Signals(context.Background(), scoring.Default(), 1, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if sig.OpenTickets != 1 {
		t.Errorf("open at T = %d, want 1", sig.OpenTickets)
	}
}

func TestTicketsAndInvoices(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		open, err := s.OpenTickets(ctx, alpha)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, k := range open {
			ids = append(ids, k.ExternalID)
		}
		if want := []string{"k4", "k1", "k6"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("OpenTickets = %v, want %v", ids, want)
		}
		over, err := s.OverdueInvoices(ctx, alpha, asOf)
		if err != nil {
			t.Fatal(err)
		}
		ids = nil
		for _, i := range over {
			ids = append(ids, i.ExternalID)
		}
		if want := []string{"i2", "i6", "i3"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("OverdueInvoices = %v, want %v", ids, want)
		}
	})
}

func snap(acct uint, n, score int) models.Snapshot {
	return models.Snapshot{AccountID: acct, Day: day(n), Known: true, Score: score, Computed: score, Status: "Stable", Subscores: "{}"}
}

func TestSnapshots(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		if err := s.SaveSnapshots(ctx, []models.Snapshot{
			snap(alpha, -2, 50), snap(alpha, -1, 60), snap(alpha, 1, 99),
			snap(beta, -5, 70), snap(gamma, -1, 10),
		}); err != nil {
			t.Fatal(err)
		}
		// Rescoring a day replaces its row.
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, -1, 65)}); err != nil {
			t.Fatal(err)
		}
		hist, err := s.History(ctx, alpha, asOf.AddDate(0, 0, -10), asOf)
		if err != nil {
			t.Fatal(err)
		}
		var scores []int
		for _, h := range hist {
			scores = append(scores, h.Score)
		}
		if want := []int{50, 65}; !reflect.DeepEqual(scores, want) {
			t.Errorf("History scores = %v, want %v", scores, want)
		}
		latest, err := s.LatestSnapshots(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range latest {
			got = append(got, l.Day)
		}
		// alpha's T-1 (not T+1), beta's T-5; gamma churned.
		if want := []string{day(-1), day(-5)}; !reflect.DeepEqual(got, want) || latest[0].Score != 65 {
			t.Errorf("LatestSnapshots days = %v (alpha %d), want %v (65)", got, latest[0].Score, want)
		}
		var between []uint
		err = s.SnapshotsBetween(ctx, asOf.AddDate(0, 0, -5), asOf, func(sn models.Snapshot) error {
			between = append(between, sn.AccountID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []uint{alpha, alpha, beta, gamma}; !reflect.DeepEqual(between, want) {
			t.Errorf("SnapshotsBetween accounts = %v, want %v", between, want)
		}
	})
}

func TestWithTxRollsBack(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustCreate(t, s, &models.Account{ExternalID: "a", Name: "A", Slug: "a"})
		boom := errors.New("boom")
		err := s.WithTx(ctx, func(tx *models.Store) error {
			if err := tx.RecordTouch(ctx, &models.Touch{AccountID: 1, Kind: "call", At: at(0, 1)}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx error = %v, want boom", err)
		}
		if _, err := s.LastTouch(ctx, 1); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("touch survived the rollback: %v", err)
		}
	})
}

func TestMRRAndOrgInputs(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		from, to := asOf.AddDate(0, 0, -29), asOf
		mustCreate(t, s, &[]models.Account{
			// expands during the period
			{ExternalID: "1", Name: "One", Slug: "one", MRRCents: 300, Seats: 10, StartedOn: strp("2024-01-01")},
			// flat, no MRR history: its current MRR
			{ExternalID: "2", Name: "Two", Slug: "two", MRRCents: 200, Seats: 5},
			// churns in the period
			{ExternalID: "3", Name: "Three", Slug: "three", MRRCents: 100, Seats: 7, ChurnedOn: strp(day(-3))},
			// starts in the period: not in the cohort; time to value 4 days
			{ExternalID: "4", Name: "Four", Slug: "four", MRRCents: 50, Seats: 2, StartedOn: strp(day(-10)), FirstValueOn: strp(day(-6))},
			// churned before the period
			{ExternalID: "5", Name: "Five", Slug: "five", MRRCents: 999, Seats: 100, ChurnedOn: strp(day(-40))},
		})
		mustCreate(t, s, &[]models.MRRChange{
			{AccountID: 1, EffectiveOn: day(-60), MRRCents: 100},
			{AccountID: 1, EffectiveOn: day(-10), MRRCents: 300},
			{AccountID: 1, EffectiveOn: day(5), MRRCents: 900},
		})
		mustCreate(t, s, &[]models.Activity{
			{AccountID: 1, Day: day(0), UserID: "u1"}, {AccountID: 1, Day: day(-1), UserID: "u1"},
			{AccountID: 2, Day: day(-29), UserID: "u1"}, {AccountID: 2, Day: day(-30), UserID: "u2"},
			{AccountID: 3, Day: day(-5), UserID: "u3"},
		})
		mustCreate(t, s, &[]models.Survey{
			{AccountID: 1, Kind: "nps", Score: 9, At: at(-1, 1), Day: day(-1)},
			{AccountID: 2, Kind: "nps", Score: 3, At: at(-2, 1), Day: day(-2)},
			{AccountID: 2, Kind: "nps", Score: 7, At: at(-40, 1), Day: day(-40)},
			{AccountID: 2, Kind: "csat", Score: 4, At: at(-2, 1), Day: day(-2)},
		})
		mrr, err := s.MRRAt(ctx, from)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[uint]int64{1: 100, 2: 200, 3: 100, 4: 50}; !reflect.DeepEqual(mrr, want) {
			t.Errorf("MRRAt(from) = %v, want %v", mrr, want)
		}
		got, err := s.OrgInputs(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := scoring.OrgInputs{
			From: from, To: to,
			NPSPromoters: 1, NPSDetractors: 1, CSATResponses: 1, CSATSatisfied: 1, CSATSum: 4,
			TimeToValueDays: []int{4},
			MAU:             2, Seats: 17,
			AccountsAtStart: 3, Expanded: 1, MRRStartCents: 400, MRREndCents: 500,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("OrgInputs:\n got %s\nwant %s", show(got), show(want))
		}
	})
}

// The account lists read a NULL day as nil and an empty one as "", on
// every path they read by: pgx's own decoding (a list on its own
// connection, or beside a rescore's reads) and database/sql's (a subset).
func TestAccountListsKeepNullDaysApartFromEmpty(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		day, empty := "2026-01-05", ""
		mustCreate(t, s, &models.Account{ExternalID: "a", Name: "A", Slug: "a", StartedOn: &day, FirstValueOn: &empty})
		mustCreate(t, s, &models.Account{ExternalID: "b", Name: "B", Slug: "b", StartedOn: &day, RenewalOn: &day})
		check := func(how string, got []models.Account) {
			t.Helper()
			if len(got) != 2 {
				t.Fatalf("%s: %d accounts, want 2", how, len(got))
			}
			a, b := got[0], got[1]
			show := func(p *string) string {
				if p == nil {
					return "nil"
				}
				return `"` + *p + `"`
			}
			for _, c := range []struct {
				field     string
				got, want *string
			}{
				{"A started", a.StartedOn, &day}, {"A renewal", a.RenewalOn, nil}, {"A first value", a.FirstValueOn, &empty},
				{"A churned", a.ChurnedOn, nil}, {"B started", b.StartedOn, &day}, {"B renewal", b.RenewalOn, &day},
				{"B first value", b.FirstValueOn, nil},
			} {
				if show(c.got) != show(c.want) {
					t.Errorf("%s: %s = %s, want %s", how, c.field, show(c.got), show(c.want))
				}
			}
			if a.StartedOn != nil && a.StartedOn == b.StartedOn {
				t.Errorf("%s: two accounts share one day pointer", how)
			}
		}
		all, err := s.ActiveAccounts(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		check("ActiveAccounts", all)
		beside, err := s.WithParallelReads(2).ActiveAccounts(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		check("ActiveAccounts beside other reads", beside)
		some, err := s.ActiveAccountsOf(ctx, asOf, []uint{all[0].ID, all[1].ID})
		if err != nil {
			t.Fatal(err)
		}
		check("ActiveAccountsOf", some)
	})
}
