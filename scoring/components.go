package scoring

import (
	"math"
	"strconv"
	"time"
)

// componentScore runs the rule of the named component: its sub-score, band
// and raw figures. It is called only when the component has data. It is a
// switch, not a table of functions, because an indirect call makes the
// compiler move Score's Config and Signals to the heap (two allocations per
// account); the rules take pointers because a copy of the whole Config per
// rule was a measurable share of a 10,000-account rescore.
func componentScore(name string, cfg *Config, s *Signals) (sub int, band, raw string) {
	switch name {
	case Usage:
		return usageScore(cfg, s)
	case Adoption:
		return adoptionScore(cfg, s)
	case Support:
		return supportScore(cfg, s)
	case Engagement:
		return engagementScore(cfg, s)
	case Payment:
		return paymentScore(cfg, s)
	case ExecSponsor:
		return execSponsorScore(cfg, s)
	case NPS:
		return npsScore(cfg, s)
	case CSAT:
		return csatScore(cfg, s)
	case Pulse:
		return pulseScore(cfg, s)
	}
	panic("scoring: unknown component " + name)
}

// componentHasData reports whether the integration the named component
// reads is connected.
func componentHasData(name string, src Sources) bool {
	switch name {
	case Usage, Adoption:
		return src.Activity
	case Support:
		return src.Tickets
	case Engagement, ExecSponsor:
		return src.Touches
	case Payment:
		return src.Invoices
	case NPS:
		return src.NPS
	case CSAT:
		return src.CSAT
	case Pulse:
		return src.Pulses
	}
	panic("scoring: unknown component " + name)
}

// Band labels, as shown on cards.
const (
	BandNoData = "no data"
)

// The raw figures are built with strconv into a buffer on the stack, one
// allocation for the finished string; fmt.Sprintf boxed every argument and
// was the largest share of Score's time. strconv.AppendFloat with 'f' and a
// precision writes exactly what fmt's %.Nf writes (fmt calls it).

func usageScore(cfg *Config, s *Signals) (int, string, string) {
	u := cfg.Usage
	days := cfg.Windows.DAUDays
	if days <= 0 {
		days = 7
	}
	if s.MAU <= 0 {
		return u.InactiveScore, "inactive", daysPhrase("no active users in ", cfg.Windows.MAUDays)
	}
	// One division of exact integers, so a stickiness of exactly 0.40 is
	// the float 0.40 and lands in the upper band.
	stick := float64(s.ActiveUserDays7) / float64(days*s.MAU)
	dau := float64(s.ActiveUserDays7) / float64(days)
	var buf [64]byte
	b := append(buf[:0], "DAU "...)
	b = strconv.AppendFloat(b, dau, 'f', 1, 64)
	b = append(b, " / MAU "...)
	b = strconv.AppendInt(b, int64(s.MAU), 10)
	b = append(b, " = "...)
	b = strconv.AppendFloat(b, stick, 'f', 2, 64)
	raw := string(b)
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

func adoptionScore(cfg *Config, s *Signals) (int, string, string) {
	a := cfg.Adoption
	if s.ValueFeatures <= 0 {
		// Silent spec: no value feature configured and none seen in the
		// window. Treated as ratio 0 so the weight is not silently moved.
		return a.NoneScore, "none", "no value features defined"
	}
	ratio := float64(s.ValueFeaturesUsed30) / float64(s.ValueFeatures)
	var buf [64]byte
	b := strconv.AppendInt(buf[:0], int64(s.ValueFeaturesUsed30), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(s.ValueFeatures), 10)
	b = append(b, " value features ("...)
	b = strconv.AppendFloat(b, ratio, 'f', 2, 64)
	b = append(b, ')')
	raw := string(b)
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

func supportScore(cfg *Config, s *Signals) (int, string, string) {
	c := cfg.Support
	if s.WindowTickets <= 0 {
		return c.NeutralScore, "neutral", daysPhrase("no tickets in ", cfg.Windows.SupportDays)
	}
	var buf [96]byte
	if s.EscalatedOpen > 0 {
		b := appendPlural(buf[:0], s.EscalatedOpen, "ticket")
		b = append(b, " escalated and still open (of "...)
		b = appendPlural(b, s.WindowTickets, "ticket")
		b = append(b, ')')
		return c.EscalatedScore, "escalated", string(b)
	}
	neutral := s.WindowTickets - s.PositiveTickets - s.NegativeTickets
	mean := float64(s.PositiveTickets-s.NegativeTickets) / float64(s.WindowTickets)
	b := appendPlural(buf[:0], s.WindowTickets, "ticket")
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(s.PositiveTickets), 10)
	b = append(b, " positive, "...)
	b = strconv.AppendInt(b, int64(neutral), 10)
	b = append(b, " neutral, "...)
	b = strconv.AppendInt(b, int64(s.NegativeTickets), 10)
	b = append(b, " negative (mean "...)
	b = strconv.AppendFloat(b, mean, 'f', 2, 64)
	b = append(b, ')')
	raw := string(b)
	switch {
	case mean >= c.PositiveMin:
		return c.PositiveScore, "positive", raw
	case mean > c.NeutralAbove:
		return c.NeutralScore, "neutral", raw
	}
	return c.NegativeScore, "negative", raw
}

func engagementScore(cfg *Config, s *Signals) (int, string, string) {
	e := cfg.Engagement
	if s.LastTouch == nil {
		return e.NoneScore, "none", "never touched"
	}
	since := daysBetween(*s.LastTouch, s.AsOf)
	var buf [64]byte
	b := append(buf[:0], "last touch "...)
	b = appendAgo(b, since)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(s.Touches90), 10)
	b = append(b, " in "...)
	b = strconv.AppendInt(b, int64(cfg.Windows.EngagementDays), 10)
	b = append(b, " days"...)
	raw := string(b)
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

func paymentScore(cfg *Config, s *Signals) (int, string, string) {
	p := cfg.Payment
	var buf [64]byte
	switch {
	case s.FailedInvoices > 0:
		return p.FailedScore, "failed", string(appendPlural(buf[:0], s.FailedInvoices, "failed invoice"))
	case s.OverdueInvoices > 0:
		var b []byte
		if s.OldestOverdueDue == nil {
			b = appendPlural(buf[:0], s.OverdueInvoices, "invoice")
			b = append(b, " overdue"...)
		} else {
			days := daysBetween(*s.OldestOverdueDue, s.AsOf)
			if s.OverdueInvoices == 1 {
				b = append(buf[:0], "invoice "...)
			} else {
				b = strconv.AppendInt(buf[:0], int64(s.OverdueInvoices), 10)
				b = append(b, " invoices overdue, oldest "...)
			}
			b = appendPlural(b, days, "day")
			b = append(b, " past due"...)
		}
		return p.OverdueScore, "overdue", string(b)
	case s.LatePaid180 > 0:
		b := appendPlural(buf[:0], s.LatePaid180, "invoice")
		b = append(b, " paid late in "...)
		b = strconv.AppendInt(b, int64(cfg.Windows.LatePaymentDays), 10)
		b = append(b, " days"...)
		return p.MinorScore, "minor issues", string(b)
	}
	return p.CurrentScore, "current", "no failed, overdue or late invoices"
}

func execSponsorScore(cfg *Config, s *Signals) (int, string, string) {
	x := cfg.ExecSponsor
	var buf [64]byte
	b := appendPlural(buf[:0], s.ExecTouches90, "touch")
	b = append(b, " with the executive sponsor in "...)
	b = strconv.AppendInt(b, int64(cfg.Windows.ExecSponsorDays), 10)
	b = append(b, " days"...)
	raw := string(b)
	switch {
	case s.ExecTouches90 >= x.StrongMin:
		return x.StrongScore, "strong", raw
	case s.ExecTouches90 >= 1:
		return x.SomeScore, "some", raw
	}
	return x.NoneScore, "none", raw
}

func npsScore(cfg *Config, s *Signals) (int, string, string) {
	n := s.NPSPromoters + s.NPSPassives + s.NPSDetractors
	if n <= 0 {
		// Silent spec: an account that never answered sits in the middle,
		// neither rewarded nor punished, and says so.
		return cfg.Surveys.NoResponseScore, "no responses", daysPhrase("no responses in ", cfg.Windows.SurveyDays)
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
	var buf [96]byte
	b := append(buf[:0], "NPS "...)
	b = strconv.AppendFloat(b, nps, 'f', 0, 64)
	b = append(b, " from "...)
	b = appendPlural(b, n, "response")
	b = append(b, " ("...)
	b = strconv.AppendInt(b, int64(s.NPSPromoters), 10)
	b = append(b, " promoters, "...)
	b = strconv.AppendInt(b, int64(s.NPSPassives), 10)
	b = append(b, " passives, "...)
	b = strconv.AppendInt(b, int64(s.NPSDetractors), 10)
	b = append(b, " detractors)"...)
	return sub, band, string(b)
}

func csatScore(cfg *Config, s *Signals) (int, string, string) {
	if s.CSATResponses <= 0 {
		return cfg.Surveys.NoResponseScore, "no responses", daysPhrase("no responses in ", cfg.Windows.SurveyDays)
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
	var buf [64]byte
	b := strconv.AppendInt(buf[:0], int64(s.CSATSatisfied), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(s.CSATResponses), 10)
	b = append(b, " satisfied ("...)
	b = strconv.AppendFloat(b, share, 'f', 0, 64)
	b = append(b, "%), mean "...)
	b = strconv.AppendFloat(b, mean, 'f', 1, 64)
	b = append(b, " / 5"...)
	return sub, band, string(b)
}

func pulseScore(cfg *Config, s *Signals) (int, string, string) {
	p := cfg.Pulse
	lp := recentPulse(cfg, s)
	if lp == nil {
		// Silent spec: no pulse in the window is neutral, not red.
		return p.NoPulseScore, "no recent pulse", daysPhrase("no pulse in ", cfg.Windows.PulseDays)
	}
	var buf [64]byte
	b := append(buf[:0], lp.Colour...)
	b = append(b, ' ')
	b = appendAgo(b, daysBetween(lp.Day, s.AsOf))
	if lp.Reason != "" {
		b = append(b, " ("...)
		b = append(b, lp.Reason...)
		b = append(b, ')')
	}
	raw := string(b)
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
func recentPulse(cfg *Config, s *Signals) *PulseSignal {
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

// daysPhrase is prefix followed by "N days", e.g. "no tickets in 90 days".
func daysPhrase(prefix string, n int) string {
	var buf [48]byte
	b := append(buf[:0], prefix...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, " days"...)
	return string(b)
}

// appendAgo appends "today", "yesterday", "N days ago" or "in N days".
func appendAgo(b []byte, days int) []byte {
	switch {
	case days == 0:
		return append(b, "today"...)
	case days == 1:
		return append(b, "yesterday"...)
	case days < 0:
		b = append(b, "in "...)
		b = strconv.AppendInt(b, -int64(days), 10)
		return append(b, " days"...)
	}
	b = strconv.AppendInt(b, int64(days), 10)
	return append(b, " days ago"...)
}

// appendPlural appends "1 word" or "N words" ("N touches" for a word
// ending in "ch").
func appendPlural(b []byte, n int, word string) []byte {
	if n == 1 {
		b = append(b, "1 "...)
		return append(b, word...)
	}
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	b = append(b, word...)
	if len(word) > 2 && word[len(word)-2:] == "ch" {
		return append(b, "es"...)
	}
	return append(b, 's')
}
