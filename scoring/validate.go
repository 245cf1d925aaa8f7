package scoring

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate reports the first setting that makes no sense, naming its key
// and the reason, e.g. "weights.usage: must be >= 0".
func (c Config) Validate() error {
	var v validator
	c.validateComponents(&v)
	c.validateWeights(&v)
	v.list("value_features", c.ValueFeatures, false)
	v.list("reason_codes", c.ReasonCodes, true)

	w := c.Windows
	for _, d := range []struct {
		key string
		n   int
	}{
		{"dau_days", w.DAUDays}, {"mau_days", w.MAUDays}, {"adoption_days", w.AdoptionDays},
		{"feature_seen_days", w.FeatureSeenDays}, {"support_days", w.SupportDays},
		{"engagement_days", w.EngagementDays}, {"late_payment_days", w.LatePaymentDays},
		{"survey_days", w.SurveyDays}, {"pulse_days", w.PulseDays}, {"exec_sponsor_days", w.ExecSponsorDays},
	} {
		v.check(d.n >= 1, "windows."+d.key, "must be at least 1")
	}
	v.check(w.DAUDays <= w.MAUDays, "windows.dau_days", "must not exceed windows.mau_days")

	u := c.Usage
	v.check(u.WeeklyMin > 0, "usage.weekly_min", "must be above 0")
	v.check(u.DailyMin > u.WeeklyMin, "usage.daily_min", "must be above usage.weekly_min")
	v.check(u.DailyMin <= 1, "usage.daily_min", "must be at most 1")
	v.subs("usage", []string{"daily_score", "weekly_score", "monthly_score", "inactive_score"},
		u.DailyScore, u.WeeklyScore, u.MonthlyScore, u.InactiveScore)

	a := c.Adoption
	v.check(a.SomeMin > 0, "adoption.some_min", "must be above 0")
	v.check(a.MostMin > a.SomeMin, "adoption.most_min", "must be above adoption.some_min")
	v.check(a.MostMin < 1, "adoption.most_min", "must be below 1 (a ratio of 1 is \"all\")")
	v.subs("adoption", []string{"all_score", "most_score", "some_score", "few_score", "none_score"},
		a.AllScore, a.MostScore, a.SomeScore, a.FewScore, a.NoneScore)

	s := c.Support
	v.check(s.PositiveMin <= 1, "support.positive_min", "must be at most 1")
	v.check(s.NeutralAbove >= -1, "support.neutral_above", "must be at least -1")
	v.check(s.PositiveMin > s.NeutralAbove, "support.positive_min", "must be above support.neutral_above")
	v.subs("support", []string{"positive_score", "neutral_score", "negative_score", "escalated_score"},
		s.PositiveScore, s.NeutralScore, s.NegativeScore, s.EscalatedScore)

	e := c.Engagement
	v.check(e.HighMaxDays >= 0, "engagement.high_max_days", "must be >= 0")
	v.check(e.MediumMaxDays > e.HighMaxDays, "engagement.medium_max_days", "must be above engagement.high_max_days")
	v.check(e.LowMaxDays > e.MediumMaxDays, "engagement.low_max_days", "must be above engagement.medium_max_days")
	v.check(e.HighMinTouches >= 1, "engagement.high_min_touches", "must be at least 1")
	v.subs("engagement", []string{"high_score", "medium_score", "low_score", "none_score"},
		e.HighScore, e.MediumScore, e.LowScore, e.NoneScore)

	p := c.Payment
	v.subs("payment", []string{"current_score", "minor_score", "overdue_score", "failed_score"},
		p.CurrentScore, p.MinorScore, p.OverdueScore, p.FailedScore)

	x := c.ExecSponsor
	v.check(x.StrongMin >= 2, "exec_sponsor.strong_min", "must be at least 2 (one touch is \"some\")")
	v.subs("exec_sponsor", []string{"strong_score", "some_score", "none_score"}, x.StrongScore, x.SomeScore, x.NoneScore)

	v.score("surveys.no_response_score", c.Surveys.NoResponseScore)
	pu := c.Pulse
	v.subs("pulse", []string{"green_score", "yellow_score", "red_score"}, pu.GreenScore, pu.YellowScore, pu.RedScore)
	v.score("pulse.no_pulse_score", pu.NoPulseScore)

	st := c.Status
	v.check(st.HealthyMin <= 100, "status.healthy_min", "must be at most 100")
	v.check(st.HealthyMin > st.StableMin, "status.healthy_min", "must be above status.stable_min")
	v.check(st.StableMin > st.AtRiskMin, "status.stable_min", "must be above status.at_risk_min")
	v.check(st.AtRiskMin > 0, "status.at_risk_min", "must be above 0")

	v.score("overrides.sponsor_departed_cap", c.Overrides.SponsorDepartedCap)
	v.score("overrides.pulse_red_cap", c.Overrides.PulseRedCap)

	al := c.Alerts
	for _, r := range []struct {
		key   string
		rule  AlertRule
		below bool
	}{{"below_60", al.Below60, true}, {"below_40", al.Below40, true}, {"above_80", al.Above80, false}} {
		k := "alerts." + r.key
		v.score(k+".threshold", r.rule.Threshold)
		v.score(k+".rearm", r.rule.Rearm)
		if r.below {
			v.check(r.rule.Rearm > r.rule.Threshold, k+".rearm", "must be above "+k+".threshold")
		} else {
			v.check(r.rule.Rearm < r.rule.Threshold, k+".rearm", "must be below "+k+".threshold")
		}
	}
	v.check(al.SnoozeDays >= 1, "alerts.snooze_days", "must be at least 1")

	t := c.Targets
	v.check(t.CSATMean >= 1 && t.CSATMean <= 5, "targets.csat_mean", "must be between 1 and 5")
	v.check(t.NPS >= -100 && t.NPS <= 100, "targets.nps", "must be between -100 and 100")
	v.check(t.TimeToValueDays > 0, "targets.time_to_value_days", "must be above 0")
	v.check(t.AdoptionPct >= 0, "targets.adoption_pct", "must be >= 0")
	v.check(t.ExpansionPct >= 0, "targets.expansion_pct", "must be >= 0")
	v.check(t.NRRPct >= 0, "targets.nrr_pct", "must be >= 0")
	v.check(t.CloseMargin >= 0 && t.CloseMargin < 1, "targets.close_margin", "must be between 0 and 1 (a share of the target)")

	if c.Schedule.Rescore != "" {
		_, err := ParseDaily(c.Schedule.Rescore)
		v.check(err == nil, "schedule.rescore", errText(err))
	}
	if c.Schedule.CriticalDigest != "" {
		_, err := ParseDaily(c.Schedule.CriticalDigest)
		v.check(err == nil, "schedule.critical_digest", errText(err))
	}
	if c.Schedule.YourDay != "" {
		_, err := ParseDaily(c.Schedule.YourDay)
		v.check(err == nil, "schedule.your_day", errText(err))
	}
	c.validatePlays(&v)
	if c.Schedule.WeeklySummary != "" {
		_, _, err := ParseWeekly(c.Schedule.WeeklySummary)
		v.check(err == nil, "schedule.weekly_summary", errText(err))
	}
	for platform := range c.Channels.Default {
		v.check(slices.Contains(Platforms, platform), "channels.default."+platform, "unknown platform (want slack, discord or console)")
	}
	for seg, m := range c.Channels.Segments {
		for platform := range m {
			v.check(slices.Contains(Platforms, platform), "channels.segments."+seg+"."+platform, "unknown platform (want slack, discord or console)")
		}
	}
	return v.err
}

// Platforms are the chat platforms a channel can be configured for.
var Platforms = []string{"slack", "discord", "console"}

func (c Config) validateWeights(v *validator) {
	total := 0.0
	for _, k := range sortedKeys(c.Weights) {
		w := c.Weights[k]
		_, custom := c.Components[k]
		if !slices.Contains(Components, k) && !custom {
			known := slices.Concat(Components, sortedKeys(c.Components))
			v.check(false, "weights."+k, "unknown component (want one of "+strings.Join(known, ", ")+")")
		}
		v.check(!math.IsNaN(w) && !math.IsInf(w, 0), "weights."+k, "must be a number")
		v.check(w >= 0, "weights."+k, "must be >= 0")
		if w > 0 {
			total += w
		}
	}
	v.check(total > 0, "weights", "at least one weight must be above 0")
}

// validator keeps the first failure so Validate reads as a list of rules.
type validator struct{ err error }

func (v *validator) check(ok bool, key, reason string) {
	if !ok && v.err == nil {
		v.err = fmt.Errorf("%s: %s", key, reason)
	}
}

func (v *validator) score(key string, n int) {
	v.check(n >= 0 && n <= 100, key, "must be between 0 and 100")
}

// subs checks sub-scores given best band first: each within 0..100 and none
// above the band before it, so a worse band never scores better.
func (v *validator) subs(section string, keys []string, scores ...int) {
	for i, n := range scores {
		v.score(section+"."+keys[i], n)
		if i > 0 {
			v.check(n <= scores[i-1], section+"."+keys[i], "must not be above "+section+"."+keys[i-1])
		}
	}
}

func (v *validator) list(key string, items []string, token bool) {
	seen := map[string]bool{}
	for i, it := range items {
		k := key + "[" + strconv.Itoa(i) + "]"
		v.check(strings.TrimSpace(it) != "", k, "must not be empty")
		v.check(!seen[it], k, "duplicate "+strconv.Quote(it))
		if token {
			v.check(!strings.ContainsAny(it, " \t"), k, "must be one word (use - between words)")
		}
		seen[it] = true
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ParseDaily parses a daily time "HH:MM" (24-hour) into the offset from midnight.
func ParseDaily(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, errors.New("must be a time like 06:00")
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// ParseWeekly parses a weekly time "Mon 09:00" into its weekday and offset from midnight.
func ParseWeekly(s string) (time.Weekday, time.Duration, error) {
	day, clock, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return 0, 0, errors.New("must be a day and a time like Mon 09:00")
	}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if strings.EqualFold(day, wd.String()[:3]) || strings.EqualFold(day, wd.String()) {
			d, err := ParseDaily(clock)
			if err != nil {
				return 0, 0, errors.New("must be a day and a time like Mon 09:00")
			}
			return wd, d, nil
		}
	}
	return 0, 0, errors.New("must be a day and a time like Mon 09:00")
}
