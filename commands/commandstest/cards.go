// Package commandstest holds test fixtures shared by the tests of commands
// and of the chat adapters (bot/slack, bot/discord, bot/console): the real
// cards of seeded accounts, the below_60 alert, the demo weekly summary
// and a SQLite store that can be made slow. It is a normal package so
// that several packages' tests can import it; only tests import it.
package commandstest

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

// Cards is the three cards of the issue as the real commands.Service
// answers /health for seeded accounts: no hand-built fixture.
type Cards struct {
	// Healthy is Acme Corp: 92 Healthy, up 3 over 7 days.
	Healthy commands.Reply
	// AtRisk is Paper Street Soap: computed 68, capped at 59 At-risk by a
	// departed sponsor and a red pulse.
	AtRisk commands.Reply
	// NoData is Hooli, from a store where no source is connected.
	NoData commands.Reply
	// Churned is Soylent Corp: churned 10 days ago, frozen at its final
	// score of 31 Critical after sliding from 82 over its last 90 days.
	Churned commands.Reply
}

type cardsKey struct {
	platform string
	now      time.Time
}

var (
	cardsMu    sync.Mutex
	cardsCache = map[cardsKey]Cards{}
)

// RealCards seeds SQLite once per platform and clock (seeding is slow, and
// many tests want the same cards) and returns the real cards as the
// Service answers a caller on platform at now.
func RealCards(t testing.TB, platform string, now time.Time) Cards {
	t.Helper()
	cardsMu.Lock()
	defer cardsMu.Unlock()
	key := cardsKey{platform, now}
	if c, ok := cardsCache[key]; ok {
		return c
	}
	full := modelstest.MustOpenSQLite(t)
	SeedCardAccounts(t, full, now)
	SeedChurnedAccount(t, full, now)
	empty := modelstest.MustOpenSQLite(t)
	if err := empty.DB().Create(&models.Account{ExternalID: "A-9", Name: "Hooli", Slug: "hooli", Owner: "maria"}).Error; err != nil {
		t.Fatal(err)
	}
	c := Cards{
		Healthy: showCard(t, full, platform, now, "acme"),
		AtRisk:  showCard(t, full, platform, now, "paper-street"),
		NoData:  showCard(t, empty, platform, now, "hooli"),
		Churned: showCard(t, full, platform, now, "soylent"),
	}
	cardsCache[key] = c
	return c
}

// showCard is the real Service's answer to "/health slug".
func showCard(t testing.TB, s *models.Store, platform string, now time.Time, slug string) commands.Reply {
	t.Helper()
	svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	r, err := svc.Run(context.Background(), commands.Caller{Platform: platform, TeamID: "T", UserID: "U0001", UserName: "Maria"}, "/health "+slug)
	if err != nil {
		t.Fatalf("/health %s: %v", slug, err)
	}
	return r
}

// SeedCardAccounts loads two accounts with every source connected, dated
// back from now:
//   - Acme Corp: daily use of every value feature, a neutral ticket, three
//     recent touches (one with the sponsor), an invoice paid late: 92
//     Healthy, up 3 over 7 days;
//   - Paper Street Soap: daily use of one feature in three, an open
//     neutral ticket, a touch 19 days ago, an overdue invoice: computed
//     68 Stable, capped at 59 At-risk by its departed sponsor and a red
//     pulse (budget).
func SeedCardAccounts(t testing.TB, s *models.Store, now time.Time) {
	t.Helper()
	day, at, create := seeder(t, s, now)
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

// SeedChurnedAccount loads Soylent Corp, churned 10 days before now: a
// snapshot a day from 120 to 11 days back sliding from 82 Healthy to 31
// Critical (the last with its sub-scores, raw figures and the red pulse
// that capped it), pulses, touches thinning out, and the alerts of its
// fall.
func SeedChurnedAccount(t testing.TB, s *models.Store, now time.Time) {
	t.Helper()
	day, at, create := seeder(t, s, now)
	churned := day(10)
	acc := models.Account{ExternalID: "A-7", Name: "Soylent Corp", Slug: "soylent", Plan: "growth", MRRCents: 275000, Seats: 12,
		Owner: "maria", ChurnedOn: &churned}
	create(&acc)
	var snaps []models.Snapshot
	for n := 120; n >= 11; n-- {
		score := 31 + (n-11)*51/109
		sn := models.Snapshot{AccountID: acc.ID, Day: day(n), Known: true, Score: score, Computed: score,
			Status: string(scoring.StatusOf(score)), Subscores: "{}"}
		if n == 11 {
			sn.Subscores = `{"adoption":20,"engagement":33,"payment":30,"support":25,"usage":33}`
			sn.Details = `{"raw":{"usage":"DAU 0.3 / MAU 8 = 0.04","adoption":"1 of 6 value features (0.17)","payment":"1 overdue invoice"},"overrides":["red pulse: budget"]}`
		}
		snaps = append(snaps, sn)
	}
	create(&snaps)
	create(&[]models.Pulse{
		{AccountID: acc.ID, At: at(80), Day: day(80), Colour: "yellow", Note: "usage dipping", By: "Maria"},
		{AccountID: acc.ID, At: at(24), Day: day(24), Colour: "red", Reason: "budget", Note: "CFO froze spend", By: "Maria"},
	})
	create(&[]models.Touch{
		{AccountID: acc.ID, At: at(95), Day: day(95), Kind: "qbr", Exec: true, By: "Maria"},
		{AccountID: acc.ID, At: at(60), Day: day(60), Kind: "call", By: "Maria"},
		{AccountID: acc.ID, At: at(33), Day: day(33), Kind: "email", By: "Maria"},
	})
	create(&[]models.AlertRecord{
		{DedupeKey: "soylent/below_60/1", AccountID: acc.ID, Rule: scoring.AlertBelow60, Arming: 1, Day: day(74), FromScore: 60, ToScore: 59},
		{DedupeKey: "soylent/below_40/1", AccountID: acc.ID, Rule: scoring.AlertBelow40, Arming: 1, Day: day(30), FromScore: 40, ToScore: 39},
		{DedupeKey: "soylent/pulse_red/1", AccountID: acc.ID, Rule: scoring.AlertPulseRed, Arming: 1, Day: day(24), FromScore: 37, ToScore: 37},
	})
}

// seeder is what seeding needs: day(n) and at(n), n days before now as a
// stored day and as a time, and create, which stores rows or fails t.
func seeder(t testing.TB, s *models.Store, now time.Time) (day func(int) string, at func(int) time.Time, create func(any)) {
	day = func(n int) string { return now.AddDate(0, 0, -n).Format(models.DayLayout) }
	at = func(n int) time.Time { return now.AddDate(0, 0, -n) }
	create = func(v any) {
		t.Helper()
		if err := s.DB().Create(v).Error; err != nil {
			t.Fatalf("seed %T: %v", v, err)
		}
	}
	return day, at, create
}
