package commandstest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/examples"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// Whys is "/health ACCOUNT why" as the real commands.Service answers it for
// three seeded accounts, scored with the example health model
// (examples/healthbot.yaml) a week ago and today:
type Whys struct {
	// UsageFell is Initech (profile default): eight users a day until a
	// week ago, one since, so usage fell from daily to weekly active
	// (100 → 67) and seat use from 9 of 10 seats to 3 (100 → 20).
	UsageFell commands.Reply
	// PulseCapped is Globex (profile enterprise): nothing moved but a red
	// pulse (budget) two days ago, which caps it at 59.
	PulseCapped commands.Reply
	// ProfileChanged is Hooli: the same data, but its segment became smb
	// after last week's score, so it is scored with the smb profile (usage
	// 60, no engagement or payment weight) instead of the default.
	ProfileChanged commands.Reply
}

// ExampleModel is the example health model shipped in the repository
// (examples/healthbot.yaml).
func ExampleModel(t testing.TB) *scoring.Model {
	t.Helper()
	m, err := scoring.ParseModel(examples.HealthModel)
	if err != nil {
		t.Fatal(err)
	}
	return &m
}

// WhyCase is one of the Whys, with the name its golden files take and a
// phrase it must say whatever else changes.
type WhyCase struct {
	Name  string // usage_fell, pulse_capped, profile_changed
	Reply commands.Reply
	Says  string
}

// Cases lists the three answers for the adapters' golden tests.
func (w Whys) Cases() []WhyCase {
	return []WhyCase{
		{"usage_fell", w.UsageFell, "100 → 67 weekly active"},
		{"pulse_capped", w.PulseCapped, "Applied: CSM pulse red: budget (cap 59)"},
		{"profile_changed", w.ProfileChanged, "Profile changed: default → smb"},
	}
}

// RealWhys is WhysOn a fresh SQLite store.
func RealWhys(t testing.TB, platform string, now time.Time) Whys {
	t.Helper()
	return WhysOn(t, modelstest.MustOpenSQLite(t), platform, now)
}

// WhysOn seeds s (SeedWhyAccounts), rescores the day a week before now,
// changes Hooli's segment, and returns the why replies as the Service
// answers a caller on platform at now.
func WhysOn(t testing.TB, s *models.Store, platform string, now time.Time) Whys {
	t.Helper()
	SeedWhyAccounts(t, s, now)
	model := ExampleModel(t)
	svc := &commands.Service{Store: s, Model: model, Config: model.Default.Config, Now: func() time.Time { return now },
		Log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if _, err := svc.Rescore(ctx, today.AddDate(0, 0, -7)); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec("UPDATE accounts SET segment = 'smb' WHERE slug = 'hooli'").Error; err != nil {
		t.Fatal(err)
	}
	why := func(slug string) commands.Reply {
		t.Helper()
		r, err := svc.Run(ctx, commands.Caller{Platform: platform, TeamID: "T", UserID: "U0001", UserName: "Maria"}, "/health "+slug+" why")
		if err != nil {
			t.Fatalf("/health %s why: %v", slug, err)
		}
		return r
	}
	return Whys{UsageFell: why("initech"), PulseCapped: why("globex"), ProfileChanged: why("hooli")}
}

// SeedWhyAccounts loads the three accounts of Whys, dated back from now,
// with every source connected: activity, a ticket, touches, invoices
// paid on time (Hooli's overdue), pulses and the seats_active metric.
func SeedWhyAccounts(t testing.TB, s *models.Store, now time.Time) {
	t.Helper()
	day := func(n int) string { return now.AddDate(0, 0, -n).Format(models.DayLayout) }
	at := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	create := func(v any) {
		t.Helper()
		if err := s.DB().Create(v).Error; err != nil {
			t.Fatalf("seed %T: %v", v, err)
		}
	}
	initech := models.Account{ExternalID: "W-1", Name: "Initech", Slug: "initech", Segment: "mid-market", Plan: "growth",
		MRRCents: 250000, Seats: 10, Owner: "maria", SponsorStatus: "active"}
	globex := models.Account{ExternalID: "W-2", Name: "Globex", Slug: "globex", Segment: "enterprise", Plan: "enterprise",
		MRRCents: 900000, Seats: 20, Owner: "maria", SponsorStatus: "active"}
	hooli := models.Account{ExternalID: "W-3", Name: "Hooli", Slug: "hooli", Plan: "starter",
		MRRCents: 60000, Seats: 12, Owner: "maria", SponsorStatus: "active"}
	for _, a := range []*models.Account{&initech, &globex, &hooli} {
		create(a)
	}

	features := []string{"reports", "dashboards", "alerts"}
	var acts []models.Activity
	for d := range 60 {
		initechUsers := 8
		if d < 7 {
			initechUsers = 1
		}
		for u := range initechUsers {
			acts = append(acts, models.Activity{AccountID: initech.ID, Day: day(d), UserID: fmt.Sprintf("i%d", u), Feature: features[u%3]})
		}
		for u := range 10 {
			acts = append(acts, models.Activity{AccountID: globex.ID, Day: day(d), UserID: fmt.Sprintf("g%d", u), Feature: features[u%3]})
		}
		for u := range 6 {
			acts = append(acts, models.Activity{AccountID: hooli.ID, Day: day(d), UserID: fmt.Sprintf("h%d", u), Feature: features[u%2]})
		}
	}
	create(&acts)
	closed := at(38)
	create(&models.Ticket{ExternalID: "WT-1", AccountID: globex.ID, OpenedAt: at(40), OpenedDay: day(40), ClosedAt: &closed, Sentiment: "positive"})
	var touches []models.Touch
	for _, n := range []int{2, 9, 12, 15} {
		touches = append(touches, models.Touch{AccountID: initech.ID, At: at(n), Day: day(n), Kind: "call", By: "Maria"})
	}
	for _, n := range []int{5, 12, 20, 30} {
		touches = append(touches, models.Touch{AccountID: globex.ID, At: at(n), Day: day(n), Kind: "meeting", Exec: n >= 12 && n != 20, By: "Maria"})
	}
	create(&touches)
	paid := func(n int) *string { d := day(n); return &d }
	create(&[]models.Invoice{
		{ExternalID: "WI-1", AccountID: initech.ID, AmountCents: 250000, DueOn: day(20), PaidOn: paid(22), Status: "paid"},
		{ExternalID: "WI-2", AccountID: globex.ID, AmountCents: 900000, DueOn: day(20), PaidOn: paid(25), Status: "paid"},
		{ExternalID: "WI-3", AccountID: hooli.ID, AmountCents: 60000, DueOn: day(20), Status: "open"},
	})
	create(&[]models.Pulse{
		{AccountID: globex.ID, At: at(20), Day: day(20), Colour: "green", By: "Maria"},
		{AccountID: globex.ID, At: at(2), Day: day(2), Colour: "red", Reason: "budget", Note: "CFO froze spend", By: "Maria"},
	})
	var metrics []models.Metric
	for _, n := range []int{0, 7, 14} {
		initechSeats := 9.0
		if n == 0 {
			initechSeats = 3
		}
		metrics = append(metrics,
			models.Metric{AccountID: initech.ID, Name: "seats_active", Day: day(n), Value: initechSeats},
			models.Metric{AccountID: globex.ID, Name: "seats_active", Day: day(n), Value: 18},
			models.Metric{AccountID: hooli.ID, Name: "seats_active", Day: day(n), Value: 6})
	}
	create(&metrics)
}
