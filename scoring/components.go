package scoring

import (
	"fmt"
	"math"
	"time"
)

// component computes one sub-score, its band and its raw figures. It is
// called only when the component has data.
type component func(cfg Config, s Signals) (sub int, band, raw string)

// components maps each component name to its rule and to the Sources flag
// that says whether its integration is connected.
var components = map[string]struct {
	score   component
	hasData func(Sources) bool
}{
	Usage:       {usageScore, func(s Sources) bool { return s.Activity }},
	Adoption:    {adoptionScore, func(s Sources) bool { return s.Activity }},
	Support:     {supportScore, func(s Sources) bool { return s.Tickets }},
	Engagement:  {engagementScore, func(s Sources) bool { return s.Touches }},
	Payment:     {paymentScore, func(s Sources) bool { return s.Invoices }},
	ExecSponsor: {execSponsorScore, func(s Sources) bool { return s.Touches }},
	NPS:         {npsScore, func(s Sources) bool { return s.NPS }},
	CSAT:        {csatScore, func(s Sources) bool { return s.CSAT }},
	Pulse:       {pulseScore, func(s Sources) bool { return s.Pulses }},
}

// Band labels, as shown on cards.
const (
	BandNoData = "no data"
)

func usageScore(cfg Config, s Signals) (int, string, string) {
	u := cfg.Usage
	days := cfg.Windows.DAUDays
	if days <= 0 {
		days = 7
	}
	if s.MAU <= 0 {
		return u.InactiveScore, "inactive", fmt.Sprintf("no active users in %d days", cfg.Windows.MAUDays)
	}
	// One division of exact integers, so a stickiness of exactly 0.40 is
	// the float 0.40 and lands in the upper band.
	stick := float64(s.ActiveUserDays7) / float64(days*s.MAU)
	dau := float64(s.ActiveUserDays7) / float64(days)
	raw := fmt.Sprintf("DAU %.1f / MAU %d = %.2f", dau, s.MAU, stick)
	switch {
	case stick >= u.DailyMin:
		return u.DailyScore, "daily active", raw
	case stick >= u.WeeklyMin:
		return u.WeeklyScore, "weekly active", raw
	}
	// Silent spec: MAU > 0 but nobody active in the DAU window gives
	// stickiness 0, which fails "> 0" yet is not "MAU = 0". The inactive row
	// is defined by MAU = 0, so users active this month read as monthly active.
	return u.MonthlyScore, "monthly active", raw
}

func adoptionScore(cfg Config, s Signals) (int, string, string) {
	a := cfg.Adoption
	if s.ValueFeatures <= 0 {
		// Silent spec: no value feature configured and none seen in the
		// window. Treated as ratio 0 so the weight is not silently moved.
		return a.NoneScore, "none", "no value features defined"
	}
	ratio := float64(s.ValueFeaturesUsed30) / float64(s.ValueFeatures)
	raw := fmt.Sprintf("%d of %d value features (%.2f)", s.ValueFeaturesUsed30, s.ValueFeatures, ratio)
	switch {
	case ratio >= 1:
		return a.AllScore, "all core features", raw
	case ratio >= a.MostMin:
		return a.MostScore, "most", raw
	case ratio >= a.SomeMin:
		return a.SomeScore, "some", raw
	case ratio > 0:
		return a.FewScore, "few", raw
	}
	return a.NoneScore, "none", raw
}

func supportScore(cfg Config, s Signals) (int, string, string) {
	c := cfg.Support
	if s.WindowTickets <= 0 {
		return c.NeutralScore, "neutral", fmt.Sprintf("no tickets in %d days", cfg.Windows.SupportDays)
	}
	if s.EscalatedOpen > 0 {
		return c.EscalatedScore, "escalated", fmt.Sprintf("%s escalated and still open (of %s)",
			plural(s.EscalatedOpen, "ticket"), plural(s.WindowTickets, "ticket"))
	}
	neutral := s.WindowTickets - s.PositiveTickets - s.NegativeTickets
	mean := float64(s.PositiveTickets-s.NegativeTickets) / float64(s.WindowTickets)
	raw := fmt.Sprintf("%s: %d positive, %d neutral, %d negative (mean %.2f)",
		plural(s.WindowTickets, "ticket"), s.PositiveTickets, neutral, s.NegativeTickets, mean)
	switch {
	case mean >= c.PositiveMin:
		return c.PositiveScore, "positive", raw
	case mean > c.NeutralAbove:
		return c.NeutralScore, "neutral", raw
	}
	return c.NegativeScore, "negative", raw
}

func engagementScore(cfg Config, s Signals) (int, string, string) {
	e := cfg.Engagement
	if s.LastTouch == nil {
		return e.NoneScore, "none", "never touched"
	}
	since := daysBetween(*s.LastTouch, s.AsOf)
	raw := fmt.Sprintf("last touch %s, %d in %d days", ago(since), s.Touches90, cfg.Windows.EngagementDays)
	switch {
	case since <= e.HighMaxDays && s.Touches90 >= e.HighMinTouches:
		return e.HighScore, "high", raw
	case since <= e.MediumMaxDays:
		return e.MediumScore, "medium", raw
	case since <= e.LowMaxDays:
		return e.LowScore, "low", raw
	}
	return e.NoneScore, "none", raw
}

func paymentScore(cfg Config, s Signals) (int, string, string) {
	p := cfg.Payment
	switch {
	case s.FailedInvoices > 0:
		return p.FailedScore, "failed", plural(s.FailedInvoices, "failed invoice")
	case s.OverdueInvoices > 0:
		raw := plural(s.OverdueInvoices, "invoice") + " overdue"
		if s.OldestOverdueDue != nil {
			days := daysBetween(*s.OldestOverdueDue, s.AsOf)
			if s.OverdueInvoices == 1 {
				raw = fmt.Sprintf("invoice %s past due", plural(days, "day"))
			} else {
				raw = fmt.Sprintf("%d invoices overdue, oldest %s past due", s.OverdueInvoices, plural(days, "day"))
			}
		}
		return p.OverdueScore, "overdue", raw
	case s.LatePaid180 > 0:
		return p.MinorScore, "minor issues", fmt.Sprintf("%s paid late in %d days", plural(s.LatePaid180, "invoice"), cfg.Windows.LatePaymentDays)
	}
	return p.CurrentScore, "current", "no failed, overdue or late invoices"
}

func execSponsorScore(cfg Config, s Signals) (int, string, string) {
	x := cfg.ExecSponsor
	raw := fmt.Sprintf("%s with the executive sponsor in %d days", plural(s.ExecTouches90, "touch"), cfg.Windows.ExecSponsorDays)
	switch {
	case s.ExecTouches90 >= x.StrongMin:
		return x.StrongScore, "strong", raw
	case s.ExecTouches90 >= 1:
		return x.SomeScore, "some", raw
	}
	return x.NoneScore, "none", raw
}

func npsScore(cfg Config, s Signals) (int, string, string) {
	n := s.NPSPromoters + s.NPSPassives + s.NPSDetractors
	if n <= 0 {
		// Silent spec: an account that never answered sits in the middle,
		// neither rewarded nor punished, and says so.
		return cfg.Surveys.NoResponseScore, "no responses", fmt.Sprintf("no responses in %d days", cfg.Windows.SurveyDays)
	}
	nps := 100 * float64(s.NPSPromoters-s.NPSDetractors) / float64(n)
	sub := int(math.Round((nps + 100) / 2))
	band := "neutral"
	switch {
	case nps > 0:
		band = "positive"
	case nps < 0:
		band = "negative"
	}
	raw := fmt.Sprintf("NPS %.0f from %s (%d promoters, %d passives, %d detractors)",
		nps, plural(n, "response"), s.NPSPromoters, s.NPSPassives, s.NPSDetractors)
	return sub, band, raw
}

func csatScore(cfg Config, s Signals) (int, string, string) {
	if s.CSATResponses <= 0 {
		return cfg.Surveys.NoResponseScore, "no responses", fmt.Sprintf("no responses in %d days", cfg.Windows.SurveyDays)
	}
	share := 100 * float64(s.CSATSatisfied) / float64(s.CSATResponses)
	mean := float64(s.CSATSum) / float64(s.CSATResponses)
	sub := int(math.Round(share))
	band := "dissatisfied"
	switch {
	case share >= 80:
		band = "satisfied"
	case share >= 50:
		band = "mixed"
	}
	raw := fmt.Sprintf("%d of %d satisfied (%.0f%%), mean %.1f / 5", s.CSATSatisfied, s.CSATResponses, share, mean)
	return sub, band, raw
}

func pulseScore(cfg Config, s Signals) (int, string, string) {
	p := cfg.Pulse
	lp := recentPulse(cfg, s)
	if lp == nil {
		// Silent spec: no pulse in the window is neutral, not red.
		return p.NoPulseScore, "no recent pulse", fmt.Sprintf("no pulse in %d days", cfg.Windows.PulseDays)
	}
	raw := fmt.Sprintf("%s %s", lp.Colour, ago(daysBetween(lp.Day, s.AsOf)))
	if lp.Reason != "" {
		raw += " (" + lp.Reason + ")"
	}
	switch lp.Colour {
	case Green:
		return p.GreenScore, Green, raw
	case Yellow:
		return p.YellowScore, Yellow, raw
	case Red:
		return p.RedScore, Red, raw
	}
	return p.NoPulseScore, "no recent pulse", "unknown colour " + lp.Colour
}

// recentPulse returns the latest pulse when it was recorded in the pulse
// window (the last N days, both ends included), else nil.
func recentPulse(cfg Config, s Signals) *PulseSignal {
	if s.LatestPulse == nil {
		return nil
	}
	n := cfg.Windows.PulseDays
	if n <= 0 {
		n = 30
	}
	d := daysBetween(s.LatestPulse.Day, s.AsOf)
	if d < 0 || d > n-1 {
		return nil
	}
	return s.LatestPulse
}

// daysBetween counts calendar days from a to b (b - a), by date, so a
// daylight-saving hour never turns a day into zero or two.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(math.Round(db.Sub(da).Hours() / 24))
}

func ago(days int) string {
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "yesterday"
	case days < 0:
		return fmt.Sprintf("in %d days", -days)
	}
	return fmt.Sprintf("%d days ago", days)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case len(word) > 2 && word[len(word)-2:] == "ch":
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
