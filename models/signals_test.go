package models_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// asOf is the fixture's day T.
var asOf = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// day is T+n as a stored day.
func day(n int) string { return asOf.AddDate(0, 0, n).Format(models.DayLayout) }

// at is T+n at the given UTC hour.
func at(n, hour int) time.Time { return asOf.AddDate(0, 0, n).Add(time.Duration(hour) * time.Hour) }

func dayT(n int) *time.Time { t := asOf.AddDate(0, 0, n); return &t }

func strp(s string) *string { return &s }

// fixture ids, in insertion order.
const (
	alpha uint = iota + 1 // every field
	beta                  // no rows of its own
	gamma                 // churned before T: not scored
	delta                 // churns after T: still active; boundary rows
	eps                   // sponsor departed; only rows after T
)

func mustCreate(t *testing.T, s *models.Store, v any) {
	t.Helper()
	if err := s.DB().Create(v).Error; err != nil {
		t.Fatalf("create %T: %v", v, err)
	}
}

func seedFixture(t *testing.T, s *models.Store) {
	t.Helper()
	accounts := []models.Account{
		{ExternalID: "a", Name: "Alpha", Slug: "alpha", SponsorStatus: "active"},
		{ExternalID: "b", Name: "Beta", Slug: "beta"},
		{ExternalID: "g", Name: "Gamma", Slug: "gamma", ChurnedOn: strp(day(-10))},
		{ExternalID: "d", Name: "Delta", Slug: "delta", ChurnedOn: strp(day(5))},
		{ExternalID: "e", Name: "Eps", Slug: "eps", SponsorStatus: "departed"},
	}
	mustCreate(t, s, &accounts)

	act := func(acct uint, n int, user, feature string) models.Activity {
		return models.Activity{AccountID: acct, Day: day(n), UserID: user, Feature: feature}
	}
	mustCreate(t, s, &[]models.Activity{
		act(alpha, 0, "u1", "reports"), act(alpha, 0, "u1", "export"), act(alpha, -1, "u1", ""),
		act(alpha, -6, "u1", "export"), act(alpha, 0, "u2", "reports"), act(alpha, -7, "u2", "dash"),
		act(alpha, -29, "u3", "admin"), act(alpha, -30, "u4", "old"), act(alpha, 1, "u5", "future"),
		act(gamma, -5, "g1", "churnfeat"),
		act(delta, -89, "d1", "billing"), act(delta, -90, "d1", "legacy"),
		act(eps, 1, "e1", "reports"),
	})

	closed := func(n, hour int) *time.Time { c := at(n, hour); return &c }
	tk := func(id string, acct uint, opened int, closedAt *time.Time, sentiment string, esc bool) models.Ticket {
		return models.Ticket{ExternalID: id, AccountID: acct, OpenedAt: at(opened, 9), OpenedDay: day(opened), ClosedAt: closedAt, Sentiment: sentiment, Escalated: esc}
	}
	endOfT := asOf.Add(24*time.Hour - time.Second)
	mustCreate(t, s, &[]models.Ticket{
		tk("k1", alpha, -10, nil, "positive", true),
		tk("k2", alpha, -89, closed(-50, 9), "negative", false),
		tk("k3", alpha, -90, closed(-80, 9), "negative", false),
		tk("k4", alpha, -200, nil, "negative", false),
		tk("k5", alpha, -100, closed(1, 10), "", true),
		tk("k6", alpha, 1, nil, "negative", true),
		tk("k7", alpha, -5, &endOfT, "neutral", false),
		tk("g1", gamma, -5, nil, "negative", false),
		tk("g2", gamma, -6, nil, "negative", false),
		tk("d1", delta, -3, closed(-2, 9), "positive", false),
		tk("d2", delta, 0, closed(0, 12), "", false),
		tk("e1", eps, 2, nil, "negative", true),
	})

	touch := func(acct uint, n int, exec bool) models.Touch {
		return models.Touch{AccountID: acct, At: at(n, 10), Day: day(n), Kind: "call", Exec: exec, By: "csm"}
	}
	mustCreate(t, s, &[]models.Touch{
		touch(alpha, -3, true), touch(alpha, -20, false), touch(alpha, -89, true), touch(alpha, -90, true), touch(alpha, 1, true),
		touch(delta, -90, false),
		touch(eps, 1, true),
	})

	inv := func(id string, acct uint, status string, due int, paid *int) models.Invoice {
		i := models.Invoice{ExternalID: id, AccountID: acct, AmountCents: 1000, Status: status, DueOn: day(due)}
		if paid != nil {
			i.PaidOn = strp(day(*paid))
		}
		return i
	}
	ip := func(n int) *int { return &n }
	mustCreate(t, s, &[]models.Invoice{
		inv("i1", alpha, "failed", -40, nil),
		inv("i2", alpha, "open", -30, nil),
		inv("i3", alpha, "open", -5, nil),
		inv("i4", alpha, "open", 0, nil),
		inv("i5", alpha, "paid", -20, ip(-10)),
		inv("i6", alpha, "paid", -15, ip(3)),
		inv("i7", alpha, "paid", -179, ip(-170)),
		inv("i8", alpha, "paid", -180, ip(-100)),
		inv("i9", alpha, "failed", 10, nil),
		inv("i10", alpha, "void", -50, nil),
		inv("d1", delta, "paid", -10, ip(-12)),
		inv("e1", eps, "failed", 1, nil),
	})

	sv := func(acct uint, kind string, score, n int) models.Survey {
		return models.Survey{AccountID: acct, Kind: kind, Score: score, At: at(n, 8), Day: day(n), Respondent: "r"}
	}
	mustCreate(t, s, &[]models.Survey{
		sv(alpha, "nps", 10, -1), sv(alpha, "nps", 9, -179), sv(alpha, "nps", 8, -10), sv(alpha, "nps", 6, -20),
		sv(alpha, "nps", 0, -30), sv(alpha, "nps", 10, -180), sv(alpha, "nps", 10, 1),
		sv(alpha, "csat", 5, 0), sv(alpha, "csat", 4, -2), sv(alpha, "csat", 2, -3),
		sv(eps, "nps", 0, 1),
	})

	pulse := func(acct uint, colour, reason string, n, hour int) models.Pulse {
		return models.Pulse{AccountID: acct, Colour: colour, Reason: reason, At: at(n, hour), Day: day(n), By: "csm"}
	}
	mustCreate(t, s, &[]models.Pulse{
		pulse(alpha, "green", "", -40, 9),
		pulse(alpha, "red", "budget", -5, 15),
		pulse(alpha, "yellow", "", -5, 9),
		pulse(alpha, "red", "other", 1, 9),
		pulse(delta, "green", "", -100, 9),
		pulse(eps, "red", "merger", 1, 9),
	})
}

// wantFixture is what the default config (value features seen in the last
// 90 days) gives for the active accounts, keyed by id.
func wantFixture() map[uint]scoring.Signals {
	all := scoring.Sources{Activity: true, Tickets: true, Touches: true, Invoices: true, NPS: true, CSAT: true, Pulses: true}
	// reports, export, dash, admin, churnfeat, billing (T-89); not old (T-30 is
	// inside 90 too), see below.
	const features = 7      // reports export dash admin old churnfeat billing
	const orgMean = 5.0 / 4 // alpha 3 + delta 2 over 4 active accounts
	base := func(id uint) scoring.Signals {
		return scoring.Signals{AccountID: id, AsOf: asOf, Sources: all, ValueFeatures: features, OrgMeanTickets90: orgMean}
	}
	a := base(alpha)
	a.ActiveUserDays7, a.MAU, a.ValueFeaturesUsed30 = 4, 3, 4
	a.WindowTickets, a.PositiveTickets, a.NegativeTickets = 5, 1, 2
	a.EscalatedOpen, a.OpenTickets, a.Tickets90, a.EverFiledTicket = 2, 3, 3, true
	a.LastTouch, a.Touches90, a.ExecTouches90 = dayT(-3), 3, 2
	a.FailedInvoices, a.OverdueInvoices, a.OldestOverdueDue, a.LatePaid180 = 1, 3, dayT(-30), 2
	a.NPSPromoters, a.NPSPassives, a.NPSDetractors = 2, 1, 2
	a.CSATResponses, a.CSATSatisfied, a.CSATSum = 3, 2, 11
	a.LatestPulse = &scoring.PulseSignal{Colour: "red", Reason: "budget", Day: *dayT(-5)}

	d := base(delta)
	d.WindowTickets, d.Tickets90, d.PositiveTickets, d.EverFiledTicket = 2, 2, 1, true
	d.LastTouch = dayT(-90)
	d.LatestPulse = &scoring.PulseSignal{Colour: "green", Day: *dayT(-100)}

	e := base(eps)
	e.SponsorDeparted = true
	return map[uint]scoring.Signals{alpha: a, beta: base(beta), delta: d, eps: e}
}

func show(v any) string { b, _ := json.Marshal(v); return string(b) }

func allSignals(t *testing.T, s *models.Store, cfg scoring.Config) (map[uint]scoring.Signals, []uint) {
	t.Helper()
	got := map[uint]scoring.Signals{}
	var order []uint
	err := s.AllSignals(context.Background(), cfg, asOf, func(sig scoring.Signals) error {
		got[sig.AccountID] = sig
		order = append(order, sig.AccountID)
		return nil
	})
	if err != nil {
		t.Fatalf("AllSignals: %v", err)
	}
	return got, order
}

func TestSignalsFixture(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seedFixture(t, s)
		got, order := allSignals(t, s, scoring.Default())
		if want := []uint{alpha, beta, delta, eps}; !reflect.DeepEqual(order, want) {
			t.Fatalf("AllSignals order = %v, want %v (gamma churned before T)", order, want)
		}
		for id, want := range wantFixture() {
			if !reflect.DeepEqual(got[id], want) {
				t.Errorf("account %d:\n got %s\nwant %s", id, show(got[id]), show(want))
			}
			one, err := s.Signals(context.Background(), scoring.Default(), id, asOf)
			if err != nil {
				t.Fatalf("Signals(%d): %v", id, err)
			}
			if !reflect.DeepEqual(one, got[id]) {
				t.Errorf("parity, account %d:\n  Signals %s\nAllSignals %s", id, show(one), show(got[id]))
			}
		}
	})
}

func TestSignalsConfiguredValueFeatures(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seedFixture(t, s)
		cfg := scoring.Default()
		cfg.ValueFeatures = []string{"reports", "admin", "nope", "reports", ""}
		got, _ := allSignals(t, s, cfg)
		a := got[alpha]
		if a.ValueFeatures != 3 || a.ValueFeaturesUsed30 != 2 {
			t.Errorf("alpha value features = %d used of %d, want 2 of 3", a.ValueFeaturesUsed30, a.ValueFeatures)
		}
		one, err := s.Signals(context.Background(), cfg, alpha, asOf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, a) {
			t.Errorf("parity:\n  Signals %s\nAllSignals %s", show(one), show(a))
		}
	})
}

func TestSignalsUnconnectedSources(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		mustCreate(t, s, &models.Account{ExternalID: "x", Name: "X", Slug: "x"})
		mustCreate(t, s, &models.Activity{AccountID: 1, Day: day(0), UserID: "u", Feature: "f"})
		mustCreate(t, s, &models.Survey{AccountID: 1, Kind: "csat", Score: 5, At: at(0, 1), Day: day(0)})
		got, err := s.Signals(context.Background(), scoring.Default(), 1, asOf)
		if err != nil {
			t.Fatal(err)
		}
		want := scoring.Sources{Activity: true, CSAT: true}
		if got.Sources != want {
			t.Errorf("Sources = %+v, want %+v", got.Sources, want)
		}
	})
}

func TestSignalsChurnedAndMissing(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seedFixture(t, s)
		ctx := context.Background()
		// A churned account is not scored by AllSignals but can still be read.
		g, err := s.Signals(ctx, scoring.Default(), gamma, asOf)
		if err != nil {
			t.Fatalf("Signals(gamma): %v", err)
		}
		if g.OpenTickets != 2 {
			t.Errorf("gamma open tickets = %d, want 2", g.OpenTickets)
		}
		if _, err := s.Signals(ctx, scoring.Default(), 99, asOf); err == nil {
			t.Error("Signals(99): got nil error, want ErrNotFound")
		}
	})
}

// TestAllSignalsQueryCount proves the query count does not grow with the
// number of accounts.
func TestAllSignalsQueryCount(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		count := func() int {
			n, err := models.CountQueries(ctx, func(ctx context.Context) error {
				return s.AllSignals(ctx, scoring.Default(), asOf, func(scoring.Signals) error { return nil })
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		addAccounts := func(from, to int) {
			for i := from; i < to; i++ {
				id := uint(i + 1)
				mustCreate(t, s, &models.Account{ExternalID: "x" + day(i), Name: "X", Slug: "x" + day(i)})
				mustCreate(t, s, &models.Activity{AccountID: id, Day: day(-1), UserID: "u", Feature: "f"})
				mustCreate(t, s, &models.Touch{AccountID: id, At: at(-2, 1), Day: day(-2), Kind: "call"})
				mustCreate(t, s, &models.Pulse{AccountID: id, At: at(-2, 1), Day: day(-2), Colour: "green"})
			}
		}
		addAccounts(0, 3)
		n3 := count()
		addAccounts(3, 30)
		n30 := count()
		if n3 != n30 {
			t.Errorf("AllSignals queries: %d for 3 accounts, %d for 30", n3, n30)
		}
		t.Logf("AllSignals: %d queries per rescore", n30)
	})
}
