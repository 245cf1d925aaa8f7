package scoring_test

import (
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

type bandCase struct {
	name string
	edit func(*scoring.Signals)
	sub  int
	band string
	raw  string // checked when not empty
}

// runBands scores each case with only the component under test weighted,
// so the score is its sub-score and every boundary is visible.
func runBands(t *testing.T, component string, cases []bandCase) {
	t.Helper()
	cfg := scoring.Default()
	cfg.Weights = map[string]float64{component: 1}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := scoring.Signals{AsOf: asOf, Sources: allSources()}
			tc.edit(&s)
			r := scoring.Score(cfg, s)
			if len(r.Parts) != 1 {
				t.Fatalf("got %d parts, want 1", len(r.Parts))
			}
			p := r.Parts[0]
			if p.Sub != tc.sub || p.Band != tc.band || r.Score != tc.sub {
				t.Errorf("got %d %q (score %d), want %d %q", p.Sub, p.Band, r.Score, tc.sub, tc.band)
			}
			if tc.raw != "" && p.Raw != tc.raw {
				t.Errorf("raw = %q, want %q", p.Raw, tc.raw)
			}
		})
	}
}

func usage(days7, mau int) func(*scoring.Signals) {
	return func(s *scoring.Signals) { s.ActiveUserDays7, s.MAU = days7, mau }
}

func TestUsageBands(t *testing.T) {
	// MAU 10: stickiness = days7 / 70.
	runBands(t, scoring.Usage, []bandCase{
		{"everyone daily", usage(70, 10), 100, "daily active", "DAU 10.0 / MAU 10 = 1.00"},
		{"above 0.40", usage(29, 10), 100, "daily active", ""},
		{"at 0.40", usage(28, 10), 100, "daily active", "DAU 4.0 / MAU 10 = 0.40"},
		{"below 0.40", usage(27, 10), 67, "weekly active", ""},
		{"above 0.10", usage(8, 10), 67, "weekly active", ""},
		{"at 0.10", usage(7, 10), 67, "weekly active", "DAU 1.0 / MAU 10 = 0.10"},
		{"below 0.10", usage(6, 10), 33, "monthly active", ""},
		{"just above 0", usage(1, 10), 33, "monthly active", ""},
		{"0 with MAU > 0", usage(0, 10), 33, "monthly active", "DAU 0.0 / MAU 10 = 0.00"},
		{"MAU 0", usage(0, 0), 0, "inactive", "no active users in 30 days"},
		{"worked example", usage(86, 40), 67, "weekly active", "DAU 12.3 / MAU 40 = 0.31"},
		{"not connected", func(s *scoring.Signals) { s.Sources.Activity = false; s.MAU = 10; s.ActiveUserDays7 = 70 }, 0, "no data", ""},
	})
}

func adoption(used, of int) func(*scoring.Signals) {
	return func(s *scoring.Signals) { s.ValueFeaturesUsed30, s.ValueFeatures = used, of }
}

func TestAdoptionBands(t *testing.T) {
	runBands(t, scoring.Adoption, []bandCase{
		{"all", adoption(10, 10), 100, "all core features", "10 of 10 value features (1.00)"},
		{"below 1", adoption(9, 10), 80, "most", ""},
		{"above 0.6", adoption(7, 10), 80, "most", "7 of 10 value features (0.70)"},
		{"at 0.6", adoption(6, 10), 80, "most", ""},
		{"at 0.6 of 5", adoption(3, 5), 80, "most", ""},
		{"below 0.6", adoption(5, 10), 40, "some", ""},
		{"above 0.3", adoption(4, 10), 40, "some", ""},
		{"at 0.3", adoption(3, 10), 40, "some", ""},
		{"below 0.3", adoption(2, 10), 20, "few", ""},
		{"just above 0", adoption(1, 10), 20, "few", ""},
		{"none", adoption(0, 10), 0, "none", "0 of 10 value features (0.00)"},
		{"no value features", adoption(0, 0), 0, "none", "no value features defined"},
	})
}

func tickets(n, pos, neg, escalated int) func(*scoring.Signals) {
	return func(s *scoring.Signals) {
		s.WindowTickets, s.PositiveTickets, s.NegativeTickets, s.EscalatedOpen = n, pos, neg, escalated
	}
}

func TestSupportBands(t *testing.T) {
	// 100 tickets: mean = (pos - neg) / 100.
	runBands(t, scoring.Support, []bandCase{
		{"all positive", tickets(4, 4, 0, 0), 100, "positive", "4 tickets: 4 positive, 0 neutral, 0 negative (mean 1.00)"},
		{"above 0.34", tickets(100, 35, 0, 0), 100, "positive", ""},
		{"at 0.34", tickets(100, 34, 0, 0), 100, "positive", "100 tickets: 34 positive, 66 neutral, 0 negative (mean 0.34)"},
		{"below 0.34", tickets(100, 33, 0, 0), 75, "neutral", ""},
		{"one in three positive", tickets(3, 1, 0, 0), 75, "neutral", ""},
		{"mean 0", tickets(3, 1, 1, 0), 75, "neutral", "3 tickets: 1 positive, 1 neutral, 1 negative (mean 0.00)"},
		{"above -0.34", tickets(100, 0, 33, 0), 75, "neutral", ""},
		{"at -0.34", tickets(100, 0, 34, 0), 25, "negative", ""},
		{"below -0.34", tickets(100, 0, 35, 0), 25, "negative", ""},
		{"all negative", tickets(1, 0, 1, 0), 25, "negative", "1 ticket: 0 positive, 0 neutral, 1 negative (mean -1.00)"},
		{"escalated open beats positive", tickets(5, 5, 0, 1), 0, "escalated", "1 ticket escalated and still open (of 5 tickets)"},
		{"no ticket", tickets(0, 0, 0, 0), 75, "neutral", "no tickets in 90 days"},
	})
}

func touches(ago, n90 int) func(*scoring.Signals) {
	return func(s *scoring.Signals) { s.LastTouch, s.Touches90 = day(-ago), n90 }
}

func TestEngagementBands(t *testing.T) {
	runBands(t, scoring.Engagement, []bandCase{
		{"today, 3", touches(0, 3), 100, "high", "last touch today, 3 in 90 days"},
		{"13 days, 3", touches(13, 3), 100, "high", ""},
		{"14 days, 3", touches(14, 3), 100, "high", "last touch 14 days ago, 3 in 90 days"},
		{"14 days, 2", touches(14, 2), 67, "medium", ""},
		{"15 days, 3", touches(15, 3), 67, "medium", ""},
		{"29 days", touches(29, 1), 67, "medium", ""},
		{"30 days", touches(30, 1), 67, "medium", ""},
		{"31 days", touches(31, 1), 33, "low", ""},
		{"89 days", touches(89, 1), 33, "low", ""},
		{"90 days", touches(90, 1), 33, "low", ""},
		{"91 days", touches(91, 0), 0, "none", "last touch 91 days ago, 0 in 90 days"},
		{"yesterday", touches(1, 1), 67, "medium", "last touch yesterday, 1 in 90 days"},
		{"never", func(s *scoring.Signals) {}, 0, "none", "never touched"},
	})
}

func TestPaymentBands(t *testing.T) {
	runBands(t, scoring.Payment, []bandCase{
		{"failed", func(s *scoring.Signals) { s.FailedInvoices = 1; s.OverdueInvoices = 1; s.OldestOverdueDue = day(-3) }, 0, "failed", "1 failed invoice"},
		{"overdue", func(s *scoring.Signals) { s.OverdueInvoices = 1; s.OldestOverdueDue = day(-17); s.LatePaid180 = 2 }, 30, "overdue", "invoice 17 days past due"},
		{"overdue one day", func(s *scoring.Signals) { s.OverdueInvoices = 1; s.OldestOverdueDue = day(-1) }, 30, "overdue", "invoice 1 day past due"},
		{"two overdue", func(s *scoring.Signals) { s.OverdueInvoices = 2; s.OldestOverdueDue = day(-40) }, 30, "overdue", "2 invoices overdue, oldest 40 days past due"},
		{"late paid", func(s *scoring.Signals) { s.LatePaid180 = 1 }, 70, "minor issues", "1 invoice paid late in 180 days"},
		{"current", func(s *scoring.Signals) {}, 100, "current", "no failed, overdue or late invoices"},
	})
}

func TestExecSponsorBands(t *testing.T) {
	exec := func(n int) func(*scoring.Signals) { return func(s *scoring.Signals) { s.ExecTouches90 = n } }
	runBands(t, scoring.ExecSponsor, []bandCase{
		{"3", exec(3), 100, "strong", ""},
		{"2", exec(2), 100, "strong", "2 touches with the executive sponsor in 90 days"},
		{"1", exec(1), 50, "some", "1 touch with the executive sponsor in 90 days"},
		{"0", exec(0), 0, "none", ""},
	})
}

func TestNPSBands(t *testing.T) {
	nps := func(p, pa, d int) func(*scoring.Signals) {
		return func(s *scoring.Signals) { s.NPSPromoters, s.NPSPassives, s.NPSDetractors = p, pa, d }
	}
	runBands(t, scoring.NPS, []bandCase{
		{"all promoters", nps(5, 0, 0), 100, "positive", ""},
		{"seed 002 example: NPS 50", nps(60, 30, 10), 75, "positive", "NPS 50 from 100 responses (60 promoters, 30 passives, 10 detractors)"},
		{"NPS 0", nps(1, 1, 1), 50, "neutral", ""},
		{"NPS -100", nps(0, 0, 4), 0, "negative", ""},
		{"NPS 12.5 -> 56.25", nps(1, 7, 0), 56, "positive", ""},
		{"no responses", nps(0, 0, 0), 50, "no responses", "no responses in 180 days"},
	})
}

func TestCSATBands(t *testing.T) {
	csat := func(n, sat, sum int) func(*scoring.Signals) {
		return func(s *scoring.Signals) { s.CSATResponses, s.CSATSatisfied, s.CSATSum = n, sat, sum }
	}
	runBands(t, scoring.CSAT, []bandCase{
		{"seed 002 example: 80%", csat(100, 80, 420), 80, "satisfied", "80 of 100 satisfied (80%), mean 4.2 / 5"},
		{"all", csat(2, 2, 10), 100, "satisfied", ""},
		{"two thirds", csat(3, 2, 11), 67, "mixed", ""},
		{"none", csat(2, 0, 2), 0, "dissatisfied", ""},
		{"no responses", csat(0, 0, 0), 50, "no responses", "no responses in 180 days"},
	})
}

func TestPulseBands(t *testing.T) {
	pulse := func(c string, ago int) func(*scoring.Signals) {
		return func(s *scoring.Signals) { s.LatestPulse = &scoring.PulseSignal{Colour: c, Day: *day(-ago)} }
	}
	runBands(t, scoring.Pulse, []bandCase{
		{"green today", pulse(scoring.Green, 0), 100, "green", "green today"},
		{"yellow", pulse(scoring.Yellow, 5), 50, "yellow", "yellow 5 days ago"},
		{"red", pulse(scoring.Red, 5), 0, "red", ""},
		{"green 29 days ago", pulse(scoring.Green, 29), 100, "green", ""},
		{"green 30 days ago", pulse(scoring.Green, 30), 50, "no recent pulse", "no pulse in 30 days"},
		{"none", func(s *scoring.Signals) {}, 50, "no recent pulse", ""},
		{"red with reason", func(s *scoring.Signals) {
			s.LatestPulse = &scoring.PulseSignal{Colour: scoring.Red, Reason: "budget", Day: *day(-2)}
		}, 0, "red", "red 2 days ago (budget)"},
	})
}
