package commands_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// The summary portfolio is scored every day from day 0 to day 14 (Monday
// 17 March 2025, the summary's day S; a week before is day 7, W). Each
// account starts from addBase (usage 100, adoption 40, support 75,
// engagement 67 until day 4 then 33 as the day −26 touch ages, payment 100:
// 75 until day 4, 69.95 → 70 from day 5) with these changes:
//
//	Acme Corp  enterprise, MRR 10,000 → 12,000 on day 10; uses both value
//	           features (adoption 100); touches on days 10 and 12 (3 in 90
//	           days: engagement 100 from day 12). W 85 Healthy, S 95 Healthy.
//	           Pulses yellow (day 3), then green (day 13).
//	Beta Ltd   growth, MRR 4,500.50, owner li; base. W 70, S 70 Stable. Green pulse day 13.
//	Gamma Inc  pro, MRR 3,000; escalated ticket open from day 10: support 0
//	           → 54.95 → 55 At-risk (costliest: support, 20 × 100 lost). W 70
//	           Stable. Red pulse "budget" day 12 (cap 59: no effect).
//	Delta Co   starter, MRR 900, owner bob; uses no value feature (adoption
//	           0): 65.05 → 65 then 59.95 → 60 Stable; from day 9 a failed
//	           invoice and an escalated ticket: 34.95 → 35 Critical, 6 days
//	           at S. Red pulse "budget" day 11.
//	Echo       starter, MRR 1,000, no owner, no activity at all, escalated
//	           ticket and failed invoice from the start: 10.05 → 10, then
//	           4.95 → 5, Critical all 15 days. Red pulse "product-gaps" day 5.
//	Foxtrot    pro, MRR 2,000, churned on day 10: Stable at W, gone at S.
//	           Red pulse "competitor" day 8 (must not count at S).
//	Golf       growth, MRR 1,500, started day 9, first value day 13 (time to
//	           value 4 days); base. W 70 Stable. Red pulse "low-adoption"
//	           day 13: computed 70, capped 59 At-risk at S (issue: the
//	           pulse, then adoption, 25 × 60 lost).
const (
	sumAcme = iota + 1
	sumBeta
	sumGamma
	sumDelta
	sumEcho
	sumFoxtrot
	sumGolf
)

// summaryDay is S, the day of the summary and the digest.
const summaryDay = 14

// loadSummaryPortfolio stores the portfolio above and rescores days 0..14
// with svc, adding each day's records before its rescore.
func loadSummaryPortfolio(t *testing.T, s *models.Store, svc *commands.Service) {
	t.Helper()
	insert(t, s, &models.CSM{Handle: "maria", Name: "Maria", SlackUserID: "U1"})
	acc := func(id uint, name, plan string, mrr int64, owner string) models.Account {
		slug := strings.ToLower(strings.Fields(name)[0])
		return models.Account{ID: id, Name: name, Slug: slug, Plan: plan, MRRCents: mrr, Owner: owner}
	}
	addBase(t, s, acc(sumAcme, "Acme Corp", "enterprise", 1200000, "maria"), "reports")
	addBase(t, s, acc(sumBeta, "Beta Ltd", "growth", 450050, "li"), "reports")
	addBase(t, s, acc(sumGamma, "Gamma Inc", "pro", 300000, "maria"), "reports")
	addBase(t, s, acc(sumDelta, "Delta Co", "starter", 90000, "bob"), "settings")
	addBase(t, s, acc(sumEcho, "Echo", "starter", 100000, ""), "")
	fox := acc(sumFoxtrot, "Foxtrot", "pro", 200000, "maria")
	fox.ChurnedOn = ptrTo(e2eDayStr(10))
	addBase(t, s, fox, "reports")
	golf := acc(sumGolf, "Golf", "growth", 150000, "maria")
	golf.StartedOn, golf.FirstValueOn = ptrTo(e2eDayStr(9)), ptrTo(e2eDayStr(13))
	addBase(t, s, golf, "reports")

	var acts []models.Activity
	for d := -40; d <= 20; d++ {
		for u := range 2 {
			acts = append(acts, models.Activity{AccountID: sumAcme, Day: e2eDayStr(d), UserID: fmt.Sprintf("acme-u%d", u), Feature: "dashboards"})
		}
	}
	insert(t, s, &acts)
	insert(t, s, &[]models.MRRChange{
		{AccountID: sumAcme, EffectiveOn: e2eDayStr(-100), MRRCents: 1000000},
		{AccountID: sumAcme, EffectiveOn: e2eDayStr(10), MRRCents: 1200000},
	})
	insert(t, s, &models.Ticket{ExternalID: "echo-T1", AccountID: sumEcho, OpenedAt: e2eAt(-10, 9), OpenedDay: e2eDayStr(-10),
		Sentiment: "negative", Escalated: true})
	insert(t, s, &models.Invoice{ExternalID: "echo-I1", AccountID: sumEcho, AmountCents: 100000, DueOn: e2eDayStr(-5), Status: "failed"})

	pulse := func(id uint, k int, colour, reason string) {
		insert(t, s, &models.Pulse{AccountID: id, At: e2eAt(k, 16), Day: e2eDayStr(k), Colour: colour, Reason: reason, By: "Maria"})
	}
	surveys := func(k int, kind string, scores ...int) {
		for i, sc := range scores {
			insert(t, s, &models.Survey{AccountID: sumBeta, Kind: kind, Score: sc, At: e2eAt(k, 12).Add(time.Duration(i) * time.Minute),
				Day: e2eDayStr(k), Respondent: fmt.Sprintf("%s%d", kind, i)})
		}
	}
	events := map[int]func(){
		2: func() { surveys(2, "nps", 0, 0, 0) }, // outside the summary's week, inside the metrics' 90 days
		3: func() { pulse(sumAcme, 3, "yellow", "") },
		5: func() { pulse(sumEcho, 5, "red", "product-gaps") },
		8: func() { pulse(sumFoxtrot, 8, "red", "competitor") },
		9: func() {
			insert(t, s, &models.Invoice{ExternalID: "delta-I1", AccountID: sumDelta, AmountCents: 90000, DueOn: e2eDayStr(5), Status: "failed"})
			insert(t, s, &models.Ticket{ExternalID: "delta-T1", AccountID: sumDelta, OpenedAt: e2eAt(9, 9), OpenedDay: e2eDayStr(9),
				Sentiment: "negative", Escalated: true})
		},
		10: func() {
			insert(t, s, &models.Ticket{ExternalID: "gamma-T1", AccountID: sumGamma, OpenedAt: e2eAt(10, 9), OpenedDay: e2eDayStr(10),
				Sentiment: "neutral", Escalated: true})
			insert(t, s, &models.Touch{AccountID: sumAcme, At: e2eAt(10, 10), Day: e2eDayStr(10), Kind: "email", By: "Maria"})
		},
		11: func() {
			pulse(sumDelta, 11, "red", "budget")
			// NPS: 6 promoters, 3 passives, 1 detractor → 50.
			surveys(11, "nps", 10, 9, 9, 10, 9, 9, 8, 7, 8, 3)
		},
		12: func() {
			pulse(sumGamma, 12, "red", "budget")
			insert(t, s, &models.Touch{AccountID: sumAcme, At: e2eAt(12, 10), Day: e2eDayStr(12), Kind: "call", By: "Maria"})
			// CSAT: 8 of 10 rated 4 or 5 (80%), mean 39 / 10 = 3.9.
			surveys(12, "csat", 5, 5, 4, 4, 4, 4, 4, 4, 3, 2)
		},
		13: func() {
			pulse(sumAcme, 13, "green", "")
			pulse(sumBeta, 13, "green", "")
			pulse(sumGolf, 13, "red", "low-adoption")
		},
	}
	clock := svc.Now
	defer func() { svc.Now = clock }()
	for k := 0; k <= summaryDay; k++ {
		if ev := events[k]; ev != nil {
			ev()
		}
		at := e2eAt(k, 6)
		svc.Now = func() time.Time { return at }
		if _, err := svc.Rescore(context.Background(), e2eDay(k)); err != nil {
			t.Fatalf("rescore day %d: %v", k, err)
		}
	}
}

// newSummaryService is a Service over s with the e2e model and no alerts.
func newSummaryService(s *models.Store) *commands.Service {
	svc, _ := newTestService(s)
	svc.Config = e2eConfig()
	return svc
}

// summaryText renders a reply as plain lines: title, text, then each
// section's title, text and "label: value" fields.
func summaryText(r commands.Reply) string {
	lines := []string{r.Title, r.Text}
	for _, sec := range r.Sections {
		lines = append(lines, "## "+sec.Title)
		if sec.Text != "" {
			lines = append(lines, sec.Text)
		}
		for _, f := range sec.Fields {
			lines = append(lines, f.Label+": "+f.Value)
		}
	}
	return strings.Join(lines, "\n")
}

// The weekly summary of real stored data on both databases, against the
// figures computed by hand in the portfolio's comment.
func TestWeeklySummaryFromData(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		svc := newSummaryService(s)
		loadSummaryPortfolio(t, s, svc)
		sum, err := svc.WeeklySummary(context.Background(), e2eDay(summaryDay))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join([]string{
			"Weekly health summary — week of 11 Mar to 17 Mar 2025",
			"6 accounts scored.",
			"## Overview (change since last week)",
			// W: Acme Healthy (10,000); Beta, Gamma, Delta, Foxtrot, Golf
			// Stable (4,500.50 + 3,000 + 900 + 2,000 + 1,500 = 11,900.50);
			// Echo Critical. S: Beta Stable; Gamma and Golf At-risk.
			"Healthy: 1 (17%) · MRR 12,000 · ±0 accounts, MRR +2,000",
			"Stable: 1 (17%) · MRR 4,500.50 · −4 accounts, MRR −7,400",
			"At-risk: 2 (33%) · MRR 4,500 · +2 accounts, MRR +4,500",
			"Critical: 2 (33%) · MRR 1,900 · +1 accounts, MRR +900",
			"## At-risk accounts",
			"Gamma Inc: 55 · MRR 3,000 · issue: support · intervene",
			// Capped by the red pulse: its reason is the issue, first.
			"Golf: 59 · MRR 1,500 · issue: CSM pulse red: low-adoption, then adoption · intervene",
			"## Critical accounts",
			"Echo: 5 · MRR 1,000 · critical for 15 days · no owner",
			"Delta Co: 35 · MRR 900 · critical for 6 days · @bob",
			"## Expansion ready",
			"Acme Corp: 95 · enterprise · MRR 12,000",
			"## Key metrics (trailing windows)",
			// Days −75..14: 6 promoters, 3 passives, 1 + 3 detractors (day 2) → 2 / 13.
			"NPS (90 days): 15.4 (target > 50) · missed",
			"CSAT (90 days): 80%, mean 3.9 / 5 (target mean > 4.5 / 5) · missed",
			"Time to value (accounts started in 90 days): 4 days (target < 7 days) · met",
			// MAU 10 (2 users × 5 accounts with activity) / 60 seats.
			"Adoption rate (MAU, 30 days): 16.7% (target > 80%) · missed",
			// Start cohort (active on day −75, started by then): Acme, Beta,
			// Gamma, Delta, Echo, Foxtrot; Acme expanded; Foxtrot churned
			// (−2,000) while Acme grew (+2,000).
			"Expansion rate (90 days): 16.7% (target > 20%) · missed",
			"Net revenue retention (90 days): 100% (target > 100%) · close",
			"## CSM pulse (latest per account, last 30 days)",
			"Code-red reasons: budget ×2, low-adoption ×1, product-gaps ×1",
			"red: 4 accounts · MRR 6,400",
			"yellow: 0 accounts · MRR 0",
			"green: 2 accounts · MRR 16,500.50",
			"## Biggest movers of the week",
			"Delta Co: 60 → 35 (−25) · Stable → Critical",
			"Gamma Inc: 70 → 55 (−15) · Stable → At-risk",
			"Golf: 70 → 59 (−11) · Stable → At-risk",
			"Acme Corp: 85 → 95 (+10) · Healthy → Healthy",
		}, "\n")
		if got := summaryText(sum.Reply); got != want {
			t.Errorf("summary:\n%s\n\nwant:\n%s", got, want)
		}

		// The chart: counts per status on days 14, 7 and 0, of the
		// accounts active on each of those days (Foxtrot until day 9).
		var weeks []string
		for _, w := range sum.Weeks {
			weeks = append(weeks, fmt.Sprintf("%s H%d S%d A%d C%d", w.Day.Format("01-02"), w.Counts[scoring.Healthy],
				w.Counts[scoring.Stable], w.Counts[scoring.AtRisk], w.Counts[scoring.Critical]))
		}
		wantWeeks := []string{"01-27 H0 S0 A0 C0", "02-03 H0 S0 A0 C0", "02-10 H0 S0 A0 C0", "02-17 H0 S0 A0 C0", "02-24 H0 S0 A0 C0",
			"03-03 H1 S5 A0 C1", "03-10 H1 S5 A0 C1", "03-17 H1 S1 A2 C2"}
		if !sameList(weeks, wantWeeks) {
			t.Errorf("chart weeks = %q, want %q", weeks, wantWeeks)
		}
	})
}

// The weekly summary counts its last two bars from the heads it reads
// (BarOf); they must be what the database counts for the other bars
// (LatestStatusCounts): on the newest day (current_scores' heads) and
// on past days (a search of the snapshots), with Foxtrot churned on day
// 10 and Golf started on day 9, for bounds that drop none, some or all
// of the heads.
func TestSummaryBarsFromHeads(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		svc := newSummaryService(s)
		loadSummaryPortfolio(t, s, svc)
		for _, day := range []int{summaryDay, 10, 7, 3} {
			heads, err := s.LatestSnapshotHeads(ctx, e2eDay(day))
			if err != nil {
				t.Fatal(err)
			}
			for _, since := range []int{-30, 0, 2, day - 1, day, day + 1} {
				want, err := s.LatestStatusCounts(ctx, e2eDay(day), e2eDayStr(since))
				if err != nil {
					t.Fatal(err)
				}
				if got := commands.BarOf(heads, e2eDayStr(since)); !maps.Equal(got, want) {
					t.Errorf("day %d since %d: bar from the heads %v, counted by the database %v", day, since, got, want)
				}
			}
		}
	})
}

// "/health summary" asked for by several callers at once: they share one
// computation (summaryFlight), and each gets the summary of the data and
// a reply of its own, whose sections Execute rewrites per caller.
func TestConcurrentSummariesShareOneAnswer(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		svc := newSummaryService(s)
		loadSummaryPortfolio(t, s, svc)
		svc.Now = func() time.Time { return e2eAt(summaryDay, 9) }
		want, err := svc.WeeklySummary(ctx, e2eDay(summaryDay))
		if err != nil {
			t.Fatal(err)
		}
		caller := commands.Caller{Platform: "console", UserID: "admin", Role: commands.RoleAdmin}
		replies := make([]commands.Reply, 8)
		errs := make([]error, len(replies))
		var wg sync.WaitGroup
		for i := range replies {
			wg.Go(func() { replies[i], errs[i] = svc.Summary(ctx, caller) })
		}
		wg.Wait()
		for i, r := range replies {
			if errs[i] != nil {
				t.Fatalf("summary %d: %v", i, errs[i])
			}
			if got := summaryText(r); got != summaryText(want.Reply) {
				t.Errorf("summary %d:\n%s\nwant\n%s", i, got, summaryText(want.Reply))
			}
		}
		replies[0].Sections[0].Title = "changed by one caller"
		if replies[1].Sections[0].Title == replies[0].Sections[0].Title {
			t.Error("two callers share one reply's sections")
		}
	})
}

// The At-risk and Critical lists name the worst 25 accounts, each with
// its issue or days Critical, and count the rest.
func TestSummaryListsTheWorst(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		svc := newSummaryService(s)
		day := e2eDay(summaryDay)
		var snaps []models.Snapshot
		add := func(name string, status scoring.Status, score int, days int) {
			a := models.Account{ExternalID: name, Name: name, Slug: strings.ToLower(name)}
			if err := s.DB().Create(&a).Error; err != nil {
				t.Fatal(err)
			}
			for d := range days {
				snaps = append(snaps, models.Snapshot{AccountID: a.ID, Day: day.AddDate(0, 0, -d).Format(models.DayLayout), Known: true,
					Score: score, Computed: score, Status: string(status),
					Subscores: `{"usage":67,"adoption":40,"support":75,"engagement":67,"payment":100}`})
			}
		}
		for i := range 30 {
			add(fmt.Sprintf("Risk%02d", i), scoring.AtRisk, 69-i, 1) // Risk29 is the worst, at 40
		}
		for i := range 27 {
			add(fmt.Sprintf("Crit%02d", i), scoring.Critical, 10+i%3, 1+i%4)
		}
		if err := s.SaveSnapshots(ctx, snaps); err != nil {
			t.Fatal(err)
		}
		sum, err := svc.WeeklySummary(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		sections := map[string][]commands.Field{}
		for _, sec := range sum.Reply.Sections {
			sections[sec.Title] = sec.Fields
		}
		risk, crit := sections["At-risk accounts"], sections["Critical accounts"]
		if len(risk) != 26 || risk[0].Label != "Risk29" || risk[24].Label != "Risk05" ||
			risk[25].Label != "…and 5 more" || risk[25].Value != "/health list at-risk lists them all" {
			t.Fatalf("At-risk list = %+v", risk)
		}
		for _, f := range risk[:25] {
			if !strings.Contains(f.Value, "issue: adoption") {
				t.Errorf("%s: %q, want its issue", f.Label, f.Value)
			}
		}
		// Scores 10, 11, 12 by i%3, then names: Crit00, Crit03, … first.
		if len(crit) != 26 || crit[0].Label != "Crit00" || crit[0].Value != "10 · MRR 0 · critical for 1 day · no owner" ||
			crit[1].Label != "Crit03" || crit[1].Value != "10 · MRR 0 · critical for 4 days · no owner" ||
			crit[25].Label != "…and 2 more" || crit[25].Value != "/health list critical lists them all" {
			t.Fatalf("Critical list = %+v", crit)
		}
	})
}
