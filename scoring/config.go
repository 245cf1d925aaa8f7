package scoring

import (
	"bytes"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// Config is the health model: built-in defaults from scoring.md, optionally
// overridden by the YAML file named by HEALTHBOT_CONFIG. Every number of
// scoring.md lives here so an operator can tune the model without a rebuild;
// the rules themselves (which band comes first, how missing data is
// redistributed) stay in code.
type Config struct {
	Weights       map[string]float64 `yaml:"weights"`
	ValueFeatures []string           `yaml:"value_features"` // empty: every feature seen in the last 90 days
	ReasonCodes   []string           `yaml:"reason_codes"`   // offered for red pulses

	Windows     Windows           `yaml:"windows"`
	Usage       UsageConfig       `yaml:"usage"`
	Adoption    AdoptionConfig    `yaml:"adoption"`
	Support     SupportConfig     `yaml:"support"`
	Engagement  EngagementConfig  `yaml:"engagement"`
	Payment     PaymentConfig     `yaml:"payment"`
	ExecSponsor ExecSponsorConfig `yaml:"exec_sponsor"`
	Surveys     SurveysConfig     `yaml:"surveys"`
	Pulse       PulseConfig       `yaml:"pulse"`
	Status      StatusConfig      `yaml:"status"`
	Overrides   OverridesConfig   `yaml:"overrides"`
	Alerts      AlertsConfig      `yaml:"alerts"`
	Targets     TargetsConfig     `yaml:"targets"`
	Schedule    ScheduleConfig    `yaml:"schedule"`
	Channels    ChannelsConfig    `yaml:"channels"`

	// Components are the custom components scored from ingested metrics,
	// by name; weights name them like the built-in ones.
	Components map[string]CustomComponent `yaml:"components"`

	// Plays turn alerts and state triggers into tasks (plays.go); a file
	// that names none keeps DefaultPlays, and `plays: []` turns them off.
	Plays []Play `yaml:"plays"`

	// customNames is Components' names in display order (sorted), set once
	// by Parse and the model so Score does not sort per account; nil on a
	// hand-built config, which Score then sorts itself.
	customNames []string
}

// Windows are the look-back periods, in days, that the store uses to fill
// Signals ("the last N days" is T-(N-1) .. T). Scoring itself only reads
// PulseDays; the others are here so the store and the config agree.
type Windows struct {
	DAUDays         int `yaml:"dau_days"`          // usage: DAU is the mean over these days (7)
	MAUDays         int `yaml:"mau_days"`          // usage: MAU window (30)
	AdoptionDays    int `yaml:"adoption_days"`     // adoption: features used in these days (30)
	FeatureSeenDays int `yaml:"feature_seen_days"` // value features when unset: every feature seen in these days (90)
	SupportDays     int `yaml:"support_days"`      // support window and ticket rating (90)
	EngagementDays  int `yaml:"engagement_days"`   // engagement n90 and exec sponsor touches (90)
	LatePaymentDays int `yaml:"late_payment_days"` // payment: invoices due in these days paid late (180)
	SurveyDays      int `yaml:"survey_days"`       // nps and csat per account (180)
	PulseDays       int `yaml:"pulse_days"`        // a pulse counts for scoring, overrides and notes (30)
	ExecSponsorDays int `yaml:"exec_sponsor_days"` // exec sponsor touches (90)
}

// UsageConfig holds the stickiness (DAU/MAU) bands.
type UsageConfig struct {
	DailyMin      float64 `yaml:"daily_min"`  // stickiness >= this: daily active
	WeeklyMin     float64 `yaml:"weekly_min"` // stickiness >= this: weekly active; > 0: monthly active
	DailyScore    int     `yaml:"daily_score"`
	WeeklyScore   int     `yaml:"weekly_score"`
	MonthlyScore  int     `yaml:"monthly_score"`
	InactiveScore int     `yaml:"inactive_score"`
}

// AdoptionConfig holds the value-feature ratio bands (ratio 1 is "all").
type AdoptionConfig struct {
	MostMin   float64 `yaml:"most_min"`
	SomeMin   float64 `yaml:"some_min"`
	AllScore  int     `yaml:"all_score"`
	MostScore int     `yaml:"most_score"`
	SomeScore int     `yaml:"some_score"`
	FewScore  int     `yaml:"few_score"`
	NoneScore int     `yaml:"none_score"`
}

// SupportConfig holds the ticket sentiment bands (positive +1, neutral 0, negative -1).
type SupportConfig struct {
	PositiveMin    float64 `yaml:"positive_min"`  // mean >= this: positive
	NeutralAbove   float64 `yaml:"neutral_above"` // mean > this: neutral; else negative
	PositiveScore  int     `yaml:"positive_score"`
	NeutralScore   int     `yaml:"neutral_score"` // also the score with no ticket in the window
	NegativeScore  int     `yaml:"negative_score"`
	EscalatedScore int     `yaml:"escalated_score"`
}

// EngagementConfig holds the touch recency bands.
type EngagementConfig struct {
	HighMaxDays    int `yaml:"high_max_days"`
	HighMinTouches int `yaml:"high_min_touches"`
	MediumMaxDays  int `yaml:"medium_max_days"`
	LowMaxDays     int `yaml:"low_max_days"`
	HighScore      int `yaml:"high_score"`
	MediumScore    int `yaml:"medium_score"`
	LowScore       int `yaml:"low_score"`
	NoneScore      int `yaml:"none_score"`
}

// PaymentConfig holds the invoice bands.
type PaymentConfig struct {
	FailedScore  int `yaml:"failed_score"`
	OverdueScore int `yaml:"overdue_score"`
	MinorScore   int `yaml:"minor_score"` // paid late in the late-payment window
	CurrentScore int `yaml:"current_score"`
}

// ExecSponsorConfig holds the executive-touch bands.
type ExecSponsorConfig struct {
	StrongMin   int `yaml:"strong_min"` // touches >= this: strong
	StrongScore int `yaml:"strong_score"`
	SomeScore   int `yaml:"some_score"` // at least one touch
	NoneScore   int `yaml:"none_score"`
}

// SurveysConfig holds what nps and csat score when an account has no response.
type SurveysConfig struct {
	NoResponseScore int `yaml:"no_response_score"`
}

// PulseConfig holds the pulse sub-scores.
type PulseConfig struct {
	GreenScore   int `yaml:"green_score"`
	YellowScore  int `yaml:"yellow_score"`
	RedScore     int `yaml:"red_score"`
	NoPulseScore int `yaml:"no_pulse_score"` // no pulse in the pulse window
}

// StatusConfig holds the lowest score of each status; below AtRiskMin is Critical.
type StatusConfig struct {
	HealthyMin int `yaml:"healthy_min"`
	StableMin  int `yaml:"stable_min"`
	AtRiskMin  int `yaml:"at_risk_min"`
}

// OverridesConfig holds the caps applied after the weighted sum.
type OverridesConfig struct {
	SponsorDepartedCap int `yaml:"sponsor_departed_cap"`
	PulseRedCap        int `yaml:"pulse_red_cap"`
}

// AlertRule is one threshold crossing rule. For a "below" rule it fires when
// the score moves from >= Threshold to < Threshold and re-arms once the score
// is back at Rearm or more; for an "above" rule it fires when the score moves
// from < Threshold to >= Threshold and re-arms once the score is below Rearm.
type AlertRule struct {
	Enabled   bool `yaml:"enabled"`
	Threshold int  `yaml:"threshold"`
	Rearm     int  `yaml:"rearm"`
}

// AlertsConfig holds the alert rules of scoring.md.
type AlertsConfig struct {
	Below60     AlertRule `yaml:"below_60"`
	Below40     AlertRule `yaml:"below_40"`
	Above80     AlertRule `yaml:"above_80"`
	PulseRed    bool      `yaml:"pulse_red"`
	SponsorLeft bool      `yaml:"sponsor_left"`
	SnoozeDays  int       `yaml:"snooze_days"`
}

// TargetsConfig holds the key-metric targets of seed 002. NPS, CSAT mean,
// adoption, expansion and NRR are met above their target, time to value
// below it; CloseMargin is the share of the target within which a missed
// metric reads "close".
type TargetsConfig struct {
	NPS             float64 `yaml:"nps"`
	CSATMean        float64 `yaml:"csat_mean"`
	TimeToValueDays float64 `yaml:"time_to_value_days"`
	AdoptionPct     float64 `yaml:"adoption_pct"`
	ExpansionPct    float64 `yaml:"expansion_pct"`
	NRRPct          float64 `yaml:"nrr_pct"`
	CloseMargin     float64 `yaml:"close_margin"`
}

// ScheduleConfig holds the times, in the organisation's time zone, of the
// scheduled tasks: "HH:MM" daily, "Mon HH:MM" weekly. An empty string turns
// the task off. Parse them with ParseDaily and ParseWeekly.
type ScheduleConfig struct {
	Rescore        string `yaml:"rescore"`
	WeeklySummary  string `yaml:"weekly_summary"`
	CriticalDigest string `yaml:"critical_digest"`
	// YourDay is when each CSM with an open task due today or overdue,
	// or a renewal at risk, gets their "your day" direct message.
	YourDay string `yaml:"your_day"`
}

// ChannelsConfig routes alerts and summaries: an account's own channel wins,
// then its segment's channel on that platform, then the platform default.
type ChannelsConfig struct {
	Default  map[string]string            `yaml:"default"`  // platform (slack, discord, console) → channel
	Segments map[string]map[string]string `yaml:"segments"` // segment → platform → channel
}

// For returns the channel an alert about an account goes to on a platform,
// or "" when nothing is configured.
func (c ChannelsConfig) For(platform, segment, accountChannel string) string {
	if accountChannel != "" {
		return accountChannel
	}
	if ch := c.Segments[segment][platform]; segment != "" && ch != "" {
		return ch
	}
	return c.Default[platform]
}

// Default returns the model of scoring.md.
func Default() Config {
	return Config{
		Weights:     map[string]float64{Usage: 30, Adoption: 25, Support: 20, Engagement: 15, Payment: 10},
		ReasonCodes: []string{"budget", "champion-left", "product-gaps", "competitor", "poor-support", "low-adoption", "merger", "other"},
		Windows: Windows{
			DAUDays: 7, MAUDays: 30, AdoptionDays: 30, FeatureSeenDays: 90,
			SupportDays: 90, EngagementDays: 90, LatePaymentDays: 180, SurveyDays: 180,
			PulseDays: 30, ExecSponsorDays: 90,
		},
		Usage:       UsageConfig{DailyMin: 0.40, WeeklyMin: 0.10, DailyScore: 100, WeeklyScore: 67, MonthlyScore: 33, InactiveScore: 0},
		Adoption:    AdoptionConfig{MostMin: 0.6, SomeMin: 0.3, AllScore: 100, MostScore: 80, SomeScore: 40, FewScore: 20, NoneScore: 0},
		Support:     SupportConfig{PositiveMin: 0.34, NeutralAbove: -0.34, PositiveScore: 100, NeutralScore: 75, NegativeScore: 25, EscalatedScore: 0},
		Engagement:  EngagementConfig{HighMaxDays: 14, HighMinTouches: 3, MediumMaxDays: 30, LowMaxDays: 90, HighScore: 100, MediumScore: 67, LowScore: 33, NoneScore: 0},
		Payment:     PaymentConfig{FailedScore: 0, OverdueScore: 30, MinorScore: 70, CurrentScore: 100},
		ExecSponsor: ExecSponsorConfig{StrongMin: 2, StrongScore: 100, SomeScore: 50, NoneScore: 0},
		Surveys:     SurveysConfig{NoResponseScore: 50},
		Pulse:       PulseConfig{GreenScore: 100, YellowScore: 50, RedScore: 0, NoPulseScore: 50},
		Status:      StatusConfig{HealthyMin: 80, StableMin: 60, AtRiskMin: 40},
		Overrides:   OverridesConfig{SponsorDepartedCap: 59, PulseRedCap: 59},
		Alerts: AlertsConfig{
			Below60:  AlertRule{Enabled: true, Threshold: 60, Rearm: 65},
			Below40:  AlertRule{Enabled: true, Threshold: 40, Rearm: 45},
			Above80:  AlertRule{Enabled: true, Threshold: 80, Rearm: 75},
			PulseRed: true, SponsorLeft: true, SnoozeDays: 7,
		},
		Targets:  TargetsConfig{NPS: 50, CSATMean: 4.5, TimeToValueDays: 7, AdoptionPct: 80, ExpansionPct: 20, NRRPct: 100, CloseMargin: 0.10},
		Schedule: ScheduleConfig{Rescore: "06:00", WeeklySummary: "Mon 09:00", CriticalDigest: "09:00", YourDay: "08:30"},
		Channels: ChannelsConfig{
			Default:  map[string]string{},
			Segments: map[string]map[string]string{},
		},
		Plays: DefaultPlays(),
	}
}

// Load reads the YAML health model at path over the defaults and validates
// it, profiles included; it returns the top-level model (LoadModel gives
// the profiles too). Unknown keys are an error, so a typo never silently
// keeps a default.
func Load(path string) (Config, error) {
	m, err := LoadModel(path)
	if err != nil {
		return Config{}, err
	}
	return m.Default.Config, nil
}

// Parse reads a YAML health model over the defaults and validates it,
// profiles included; it returns the top-level model (ParseModel gives the
// profiles too).
func Parse(data []byte) (Config, error) {
	m, err := ParseModel(data)
	if err != nil {
		return Config{}, err
	}
	return m.Default.Config, nil
}

// document is the YAML file: the top-level model and its profiles, kept
// as nodes until the top level is known, since a profile is decoded over it.
type document struct {
	Config   `yaml:",inline"`
	Profiles []yaml.Node `yaml:"profiles"`
}

// decode reads the file over the defaults. Maps (weights, channels,
// components) are merged key by key into the defaults; lists
// (value_features, reason_codes) replace them.
func decode(data []byte) (document, error) {
	doc := document{Config: Default()}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return document{}, err
	}
	return doc, nil
}

// filled returns a hand-built config (Config{Weights: ...}) with every
// all-zero section replaced by its default, so it scores with the bands of
// scoring.md instead of bands at 0. A zero Status section never validates,
// so it marks a config not built from Default(); any other config, where an
// all-zero section (e.g. surveys.no_response_score: 0) may be meant, is
// returned as is.
func (c Config) filled() Config {
	if c.Status != (StatusConfig{}) {
		return c
	}
	d := Default()
	if c.Weights == nil {
		c.Weights = d.Weights
	}
	fill(&c.Windows, d.Windows)
	fill(&c.Usage, d.Usage)
	fill(&c.Adoption, d.Adoption)
	fill(&c.Support, d.Support)
	fill(&c.Engagement, d.Engagement)
	fill(&c.Payment, d.Payment)
	fill(&c.ExecSponsor, d.ExecSponsor)
	fill(&c.Surveys, d.Surveys)
	fill(&c.Pulse, d.Pulse)
	fill(&c.Status, d.Status)
	fill(&c.Overrides, d.Overrides)
	fill(&c.Targets, d.Targets)
	return c
}

func fill[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
