package commandstest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// The hand-made backtest portfolio: seven accounts with touches and
// invoices only (no activity, tickets, surveys or pulses, so usage,
// adoption and support have no data and, under the default weights, the
// score is round((15·engagement + 10·payment) / 25)), backtested on two
// evaluation days a week apart with a 30-day horizon. Everything below
// can be checked by hand; rows dated after an evaluation day are there to
// catch a leak.
//
//	account  started     churned     E1 2026-01-05           E2 2026-01-12
//	alpha    2025-01-01  -           eng 100 pay 100 → 100 R  100 R
//	bravo    2025-01-01  2026-01-20  eng  67 pay  30 →  52 C   52 C
//	charlie  2025-01-01  -           eng  67 pay 100 →  80 R   80 R
//	delta    2025-01-01  2026-02-05  eng  33 pay   0 →  20 R   20 C (31, then 24 days before)
//	echo     2025-01-01  -           eng  33 pay   0 →  20 R   20 R
//	foxtrot  2025-01-01  2026-01-08  eng 100 pay 100 → 100 C  (churned)
//	golf     2026-01-10  -           (not started)            eng 67 pay 100 → 80 R
//	hotel    2025-01-01  2025-12-31  (churned before E1: never a sample)
//
// R retained, C churned within 30 days. 12 samples, 4 churned.
// AUC: churned 52, 52, 100, 20 against retained 100, 100, 80, 80, 80,
// 20, 20, 20: (5 + 5 + 2·½ + (5 + 3·½)) / 32 = 17.5/32 = 0.546875.
// Engagement alone: churned 67, 67, 100, 33 against 100, 100, 67, 67, 67,
// 33, 33, 33: (3.5 + 3.5 + 1 + 6.5) / 32 = 0.453125. Payment alone:
// churned 30, 30, 100, 0 against 100 ×5, 0 ×3: (5 + 5 + 2.5 + 6.5) / 32 =
// 0.59375. Executive sponsor (unweighted, touches exist, none with the
// sponsor): 0 for all, 0.5. Status: Healthy 6 samples, 1 churned; Stable
// none; At-risk 2, 2; Critical 4, 1. Warnings (At-risk or Critical): 6
// samples, 3 churned: precision 0.5, recall 0.75. Lead time: bravo warned
// on E1, 15 days before it left; delta on E2, 24 days before: median 19.5.
var (
	BacktestE1      = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	BacktestE2      = time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)
	BacktestHorizon = 30
	// BacktestNow is a clock after the portfolio's last row, when the
	// default span (a year of weekly days ending 60 days ago) ends on E2.
	BacktestNow = time.Date(2026, 3, 13, 12, 0, 0, 0, time.UTC)
)

// BacktestWant are the hand-computed figures of the portfolio.
var BacktestWant = struct {
	Samples, Churned                      int
	AUC, Engagement, Payment, ExecSponsor float64
	Precision, Recall, LeadTime           float64
	Statuses                              [4][2]int // Healthy, Stable, At-risk, Critical: samples, churned
}{
	Samples: 12, Churned: 4, AUC: 0.546875, Engagement: 0.453125, Payment: 0.59375, ExecSponsor: 0.5,
	Precision: 0.5, Recall: 0.75, LeadTime: 19.5,
	Statuses: [4][2]int{{6, 1}, {0, 0}, {2, 2}, {4, 1}},
}

// SeedBacktestPortfolio loads the hand-made backtest portfolio.
func SeedBacktestPortfolio(t testing.TB, s *models.Store) {
	t.Helper()
	_, _, create := seeder(t, s, BacktestNow)
	str := func(d string) *string { return &d }
	accs := []models.Account{
		{ExternalID: "B-1", Name: "Alpha", Slug: "alpha", StartedOn: str("2025-01-01"), SponsorStatus: "active"},
		{ExternalID: "B-2", Name: "Bravo", Slug: "bravo", StartedOn: str("2025-01-01"), ChurnedOn: str("2026-01-20")},
		{ExternalID: "B-3", Name: "Charlie", Slug: "charlie", StartedOn: str("2025-01-01")},
		{ExternalID: "B-4", Name: "Delta", Slug: "delta", StartedOn: str("2025-01-01"), ChurnedOn: str("2026-02-05")},
		{ExternalID: "B-5", Name: "Echo", Slug: "echo", StartedOn: str("2025-01-01")},
		{ExternalID: "B-6", Name: "Foxtrot", Slug: "foxtrot", StartedOn: str("2025-01-01"), ChurnedOn: str("2026-01-08")},
		{ExternalID: "B-7", Name: "Golf", Slug: "golf", StartedOn: str("2026-01-10")},
		{ExternalID: "B-8", Name: "Hotel", Slug: "hotel", StartedOn: str("2025-01-01"), ChurnedOn: str("2025-12-31")},
	}
	create(&accs)
	id := map[string]uint{}
	for _, a := range accs {
		id[a.Slug] = a.ID
	}
	var touches []models.Touch
	touch := func(slug, day string) {
		d, _ := models.ParseDay(day)
		touches = append(touches, models.Touch{AccountID: id[slug], At: d.Add(10 * time.Hour), Day: day, Kind: "call", By: "maria"})
	}
	for _, d := range []string{"2025-12-10", "2025-12-20", "2026-01-01"} {
		touch("alpha", d)
	}
	touch("bravo", "2025-12-20")
	// Charlie's touches after E2 would make it "high" (3 in 90 days) if they leaked.
	for _, d := range []string{"2025-12-20", "2026-01-13", "2026-01-14"} {
		touch("charlie", d)
	}
	touch("delta", "2025-10-20")
	touch("echo", "2025-10-20")
	for _, d := range []string{"2025-12-01", "2025-12-28", "2026-01-03"} {
		touch("foxtrot", d)
	}
	touch("golf", "2026-01-11")
	touch("hotel", "2025-12-01")
	create(&touches)
	create(&[]models.Invoice{
		// Paid after both days: overdue on each.
		{ExternalID: "BI-1", AccountID: id["bravo"], AmountCents: 10000, DueOn: "2025-12-15", PaidOn: str("2026-01-15"), Status: "paid"},
		{ExternalID: "BI-2", AccountID: id["delta"], AmountCents: 10000, DueOn: "2025-11-01", Status: "failed"},
		{ExternalID: "BI-3", AccountID: id["echo"], AmountCents: 10000, DueOn: "2025-11-01", Status: "failed"},
		// Due after E2: would make alpha "failed" if it leaked.
		{ExternalID: "BI-4", AccountID: id["alpha"], AmountCents: 10000, DueOn: "2026-01-25", Status: "failed"},
	})
}

// RealBacktest is "/health backtest" as the real Service answers an admin
// on platform at BacktestNow, on the hand-made portfolio in a fresh
// SQLite store: the default year of weekly days, ending on E2, with the
// default 60-day horizon.
func RealBacktest(t testing.TB, platform string) commands.Reply {
	t.Helper()
	s := modelstest.MustOpenSQLite(t)
	SeedBacktestPortfolio(t, s)
	m := scoring.ModelOf(scoring.Default())
	svc := &commands.Service{Store: s, Model: &m, Config: m.Default.Config, Now: func() time.Time { return BacktestNow },
		Log: slog.New(slog.DiscardHandler), Admins: []commands.ChatUser{{Platform: platform, UserID: "U-ADMIN"}}}
	cmd, err := commands.Parse("/health backtest")
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Execute(context.Background(), commands.Caller{Platform: platform, UserID: "U-ADMIN", UserName: "ada"}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Charts) != 2 {
		t.Fatalf("/health backtest: %d charts, want the ROC curve and the churn rate by status", len(r.Charts))
	}
	return r
}
