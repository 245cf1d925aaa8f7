package discord_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// realCardSet is the three cards of the issue as the real commands.Service
// answers /health for seeded accounts: no hand-built fixture.
type realCardSet struct {
	healthy, atRisk, noData commands.Reply
}

var (
	realCardsMu  sync.Mutex
	realCardsSet *realCardSet
)

// realCards seeds SQLite once and returns the three real cards: Acme Corp
// (Healthy), Paper Street Soap (At-risk, capped by a departed sponsor and
// a red pulse) and, from a store where no source is connected, Hooli (no
// data).
func realCards(t testing.TB) realCardSet {
	t.Helper()
	realCardsMu.Lock()
	defer realCardsMu.Unlock()
	if realCardsSet != nil {
		return *realCardsSet
	}
	full := modelstest.MustOpenSQLite(t)
	seedCardAccounts(t, full)
	empty := modelstest.MustOpenSQLite(t)
	if err := empty.DB().Create(&models.Account{ExternalID: "A-9", Name: "Hooli", Slug: "hooli", Owner: "maria"}).Error; err != nil {
		t.Fatal(err)
	}
	set := realCardSet{
		healthy: showCard(t, full, "acme"),
		atRisk:  showCard(t, full, "paper-street"),
		noData:  showCard(t, empty, "hooli"),
	}
	realCardsSet = &set
	return set
}

func healthyCard(t testing.TB) commands.Reply { return realCards(t).healthy }
func atRiskCard(t testing.TB) commands.Reply  { return realCards(t).atRisk }

// showCard is the real Service's answer to "/health slug".
func showCard(t testing.TB, s *models.Store, slug string) commands.Reply {
	t.Helper()
	svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	r, err := svc.Run(context.Background(), commands.Caller{Platform: "discord", TeamID: "T", UserID: "U0001", UserName: "Maria"}, "/health "+slug)
	if err != nil {
		t.Fatalf("/health %s: %v", slug, err)
	}
	return r
}

// seedCardAccounts loads two accounts with every source connected:
//   - Acme Corp: daily use of every value feature, a neutral ticket, three
//     recent touches (one with the sponsor), an invoice paid late: 92
//     Healthy, up 3 over 7 days;
//   - Paper Street Soap: daily use of one feature in three, an open
//     neutral ticket, a touch 19 days ago, an overdue invoice: computed
//     68 Stable, capped at 59 At-risk by its departed sponsor and a red
//     pulse (budget).
func seedCardAccounts(t testing.TB, s *models.Store) {
	t.Helper()
	day := func(n int) string { return now.AddDate(0, 0, -n).Format(models.DayLayout) }
	at := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	create := func(v any) {
		t.Helper()
		if err := s.DB().Create(v).Error; err != nil {
			t.Fatalf("seed %T: %v", v, err)
		}
	}
	renewal, paperRenewal := day(-60), day(-47)
	paid := day(38)
	acme := models.Account{ExternalID: "A-1", Name: "Acme Corp", Slug: "acme", Plan: "enterprise", MRRCents: 1250000, Seats: 10,
		Owner: "maria", SponsorName: "Ada", SponsorStatus: "active", RenewalOn: &renewal}
	paper := models.Account{ExternalID: "A-2", Name: "Paper Street Soap", Slug: "paper-street", Plan: "growth", MRRCents: 420050, Seats: 8,
		Owner: "dana", SponsorName: "Tyler", SponsorStatus: "departed", RenewalOn: &paperRenewal}
	create(&acme)
	create(&paper)

	var acts []models.Activity
	features := []string{"reports", "dashboards", "alerts"}
	for d := range 30 {
		for u := range 6 {
			acts = append(acts, models.Activity{AccountID: acme.ID, Day: day(d), UserID: fmt.Sprintf("a%d", u), Feature: features[u%3]})
		}
		for u := range 4 {
			acts = append(acts, models.Activity{AccountID: paper.ID, Day: day(d), UserID: fmt.Sprintf("p%d", u), Feature: "reports"})
		}
	}
	create(&acts)
	closed := at(18)
	create(&[]models.Ticket{
		{ExternalID: "T-1", AccountID: acme.ID, OpenedAt: at(20), OpenedDay: day(20), ClosedAt: &closed, Sentiment: "neutral"},
		{ExternalID: "T-2", AccountID: paper.ID, OpenedAt: at(5), OpenedDay: day(5), Sentiment: "neutral"},
	})
	create(&[]models.Touch{
		{AccountID: acme.ID, At: at(2), Day: day(2), Kind: "call", By: "Maria"},
		{AccountID: acme.ID, At: at(6), Day: day(6), Kind: "email", By: "Maria"},
		{AccountID: acme.ID, At: at(12), Day: day(12), Kind: "qbr", Exec: true, By: "Maria"},
		{AccountID: paper.ID, At: at(19), Day: day(19), Kind: "email", By: "Dana"},
	})
	create(&[]models.Invoice{
		{ExternalID: "I-1", AccountID: acme.ID, AmountCents: 1250000, DueOn: day(40), PaidOn: &paid, Status: "paid"},
		{ExternalID: "I-2", AccountID: paper.ID, AmountCents: 420050, DueOn: day(12), Status: "open"},
	})
	create(&[]models.Pulse{
		{AccountID: acme.ID, At: at(3), Day: day(3), Colour: "green", By: "Maria"},
		{AccountID: paper.ID, At: at(2), Day: day(2), Colour: "red", Reason: "budget", Note: "CFO wants 20% off at renewal", By: "Dana"},
	})
	create(&[]models.Snapshot{
		{AccountID: acme.ID, Day: day(30), Known: true, Score: 85, Computed: 85, Status: "Healthy", Subscores: "{}"},
		{AccountID: acme.ID, Day: day(7), Known: true, Score: 89, Computed: 89, Status: "Healthy", Subscores: "{}"},
		{AccountID: paper.ID, Day: day(30), Known: true, Score: 78, Computed: 78, Status: "Stable", Subscores: "{}"},
		{AccountID: paper.ID, Day: day(7), Known: true, Score: 72, Computed: 72, Status: "Stable", Subscores: "{}"},
		{AccountID: paper.ID, Day: day(2), Known: true, Score: 59, Computed: 69, Status: "At-risk", Subscores: "{}"},
	})
}
