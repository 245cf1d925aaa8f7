package commands_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixedNow is the fixed clock of every handler test: day T = 2025-03-14.
var fixedNow = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

// callerMaria is a caller mapped to the CSM who owns Acme and Globex.
var callerMaria = commands.Caller{Platform: "slack", TeamID: "T1", UserID: "U1", UserName: "Maria", ChannelID: "C1"}

// fixtureDay is T-n as a stored day string.
func fixtureDay(n int) string { return fixedNow.AddDate(0, 0, -n).Format(models.DayLayout) }

func fixtureAt(n int) time.Time { return fixedNow.AddDate(0, 0, -n) }

func ptrTo[T any](v T) *T { return &v }

// testClock is a settable testClock for the service.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time { return c.t }

// newTestService wires a Service over s with the default model and a clock at fixedNow.
func newTestService(s *models.Store) (*commands.Service, *testClock) {
	c := &testClock{t: fixedNow}
	return &commands.Service{Store: s, Config: scoring.Default(), Now: c.Now, Log: slog.New(slog.DiscardHandler)}, c
}

func insert(t *testing.T, s *models.Store, v any) {
	t.Helper()
	if err := s.DB().Create(v).Error; err != nil {
		t.Fatalf("insert %T: %v", v, err)
	}
}

// Fixture accounts, as loaded by loadPortfolio.
const (
	acmeID    = 1 // Healthy: daily usage, all features, a neutral ticket, recent touches, paid invoices
	globexID  = 2 // sponsor departed: computed Stable, capped At-risk; history for the trend
	initechID = 3 // Critical: no usage, escalated open ticket, overdue invoice, owned by someone else
	churnedID = 4 // churned last month: never listed or scored
)

// loadPortfolio inserts a small portfolio with every source connected.
func loadPortfolio(t *testing.T, s *models.Store) {
	t.Helper()
	insert(t, s, &models.CSM{ID: 1, Handle: "maria", Name: "Maria", SlackUserID: "U1"})
	insert(t, s, &models.CSM{ID: 2, Handle: "bob", Name: "Bob", SlackUserID: "U2"})
	insert(t, s, &[]models.Account{
		{ID: acmeID, ExternalID: "A-1", Name: "Acme Corp", Slug: "acme-corp", Plan: "enterprise", MRRCents: 1200000, Seats: 10, Owner: "maria",
			RenewalOn: ptrTo(fixtureDay(-45)), SponsorName: "Ada", SponsorStatus: "active"},
		{ID: globexID, ExternalID: "A-2", Name: "Globex", Slug: "globex", Plan: "growth", MRRCents: 450050, Seats: 20, Owner: "maria",
			SponsorName: "Hank", SponsorStatus: "departed"},
		{ID: initechID, ExternalID: "A-3", Name: "Initech", Slug: "initech", Plan: "starter", MRRCents: 90000, Seats: 5, Owner: "bob"},
		{ID: churnedID, ExternalID: "A-4", Name: "Acme Old", Slug: "acme-old", MRRCents: 10000, Owner: "maria", ChurnedOn: ptrTo(fixtureDay(30))},
	})

	var acts []models.Activity
	for d := 0; d < 30; d++ {
		for u := 0; u < 5; u++ {
			feature := "reports"
			if u%2 == 1 {
				feature = "dashboards"
			}
			acts = append(acts, models.Activity{AccountID: acmeID, Day: fixtureDay(d), UserID: fmt.Sprintf("a%d", u), Feature: feature})
		}
		// Globex: ten users over the month, two a day in the last week.
		acts = append(acts, models.Activity{AccountID: globexID, Day: fixtureDay(d), UserID: fmt.Sprintf("g%d", d%10), Feature: "reports"})
		if d < 7 {
			acts = append(acts, models.Activity{AccountID: globexID, Day: fixtureDay(d), UserID: fmt.Sprintf("g%d", (d+5)%10), Feature: "reports"})
		}
	}
	insert(t, s, &acts)

	insert(t, s, &[]models.Ticket{
		{ExternalID: "T-1", AccountID: acmeID, OpenedAt: fixtureAt(20), OpenedDay: fixtureDay(20), ClosedAt: ptrTo(fixtureAt(18)), Sentiment: "neutral"},
		{ExternalID: "T-2", AccountID: initechID, OpenedAt: fixtureAt(9), OpenedDay: fixtureDay(9), Sentiment: "negative", Escalated: true, Severity: "high"},
	})
	insert(t, s, &[]models.Touch{
		{AccountID: acmeID, At: fixtureAt(2), Day: fixtureDay(2), Kind: "call", By: "Maria"},
		{AccountID: acmeID, At: fixtureAt(6), Day: fixtureDay(6), Kind: "email", By: "Maria"},
		{AccountID: acmeID, At: fixtureAt(12), Day: fixtureDay(12), Kind: "qbr", Exec: true, By: "Maria"},
		{AccountID: globexID, At: fixtureAt(20), Day: fixtureDay(20), Kind: "meeting", By: "Maria"},
	})
	insert(t, s, &[]models.Invoice{
		{ExternalID: "I-1", AccountID: acmeID, AmountCents: 1200000, DueOn: fixtureDay(40), PaidOn: ptrTo(fixtureDay(42)), Status: "paid"},
		{ExternalID: "I-2", AccountID: initechID, AmountCents: 90000, DueOn: fixtureDay(12), Status: "open"},
	})
	insert(t, s, &[]models.Snapshot{
		{AccountID: acmeID, Day: fixtureDay(7), Known: true, Score: 93, Computed: 93, Status: "Healthy", Subscores: "{}"},
		{AccountID: globexID, Day: fixtureDay(30), Known: true, Score: 80, Computed: 80, Status: "Healthy", Subscores: "{}"},
		{AccountID: globexID, Day: fixtureDay(7), Known: true, Score: 70, Computed: 70, Status: "Stable", Subscores: "{}"},
		{AccountID: globexID, Day: fixtureDay(3), Known: true, Score: 59, Computed: 66, Status: "At-risk", Subscores: "{}"},
	})
}

// checkGolden compares got, as indented JSON, with testdata/name.golden.
func checkGolden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if string(want) != string(b) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n got:\n%s\nwant:\n%s", path, b, want)
	}
}

// runLine executes a command line and fails the test on an internal error.
func runLine(t *testing.T, svc *commands.Service, caller commands.Caller, line string) commands.Reply {
	t.Helper()
	r, err := svc.Run(context.Background(), caller, line)
	if err != nil {
		t.Fatalf("Run(%q): %v", line, err)
	}
	return r
}

// countRows is the number of rows of model v matching where.
func countRows(t *testing.T, s *models.Store, v any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB().Model(v).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatalf("count %T: %v", v, err)
	}
	return n
}
