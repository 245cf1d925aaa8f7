package scoring_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

func TestDefaultIsValid(t *testing.T) {
	if err := scoring.Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

// The commented example spells out every default, so loading it must give
// Default() plus its value features and channels.
func TestLoadExample(t *testing.T) {
	cfg, err := scoring.Load(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := scoring.Default()
	want.ValueFeatures = []string{"reports", "dashboards", "alerts", "integrations", "api"}
	for _, c := range []string{scoring.ExecSponsor, scoring.NPS, scoring.CSAT, scoring.Pulse} {
		want.Weights[c] = 0
	}
	want.Channels.Default = map[string]string{"slack": "#cs-health", "discord": "cs-health"}
	want.Channels.Segments = map[string]map[string]string{"enterprise": {"slack": "#cs-enterprise"}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("example.yaml differs from the defaults:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestParseOverlaysDefaults(t *testing.T) {
	cfg, err := scoring.Parse([]byte("weights:\n  usage: 50\n  nps: 5\nusage:\n  daily_min: 0.5\nreason_codes: [budget]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Weights[scoring.Usage] != 50 || cfg.Weights[scoring.NPS] != 5 || cfg.Weights[scoring.Adoption] != 25 {
		t.Errorf("weights = %v, want usage 50, nps 5, adoption kept at 25", cfg.Weights)
	}
	if cfg.Usage.DailyMin != 0.5 || cfg.Usage.WeeklyMin != 0.10 || cfg.Usage.WeeklyScore != 67 {
		t.Errorf("usage = %+v, want daily_min 0.5 and the rest default", cfg.Usage)
	}
	if !reflect.DeepEqual(cfg.ReasonCodes, []string{"budget"}) {
		t.Errorf("reason codes = %v, want the list replaced", cfg.ReasonCodes)
	}
	// An empty file is the defaults.
	cfg, err = scoring.Parse(nil)
	if err != nil || !reflect.DeepEqual(cfg, scoring.Default()) {
		t.Errorf("empty: %v, %+v", err, cfg)
	}
	// Parsing must not write through to the defaults' maps.
	if scoring.Default().Weights[scoring.Usage] != 30 {
		t.Error("Default() was modified by Parse")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"wieghts: {usage: 1}", "field wieghts not found"},
		{"usage: {daily: 0.3}", "field daily not found"},
		{"weights: {usage: -1}", "weights.usage: must be >= 0"},
		{"weights: {usag: 1}", "weights.usag: unknown component"},
		{"weights: {usage: 0, adoption: 0, support: 0, engagement: 0, payment: 0}", "weights: at least one weight must be above 0"},
		{"usage: {daily_min: 0.05}", "usage.daily_min: must be above usage.weekly_min"},
		{"usage: {weekly_score: 101}", "usage.weekly_score: must be between 0 and 100"},
		{"usage: {monthly_score: 80}", "usage.monthly_score: must not be above usage.weekly_score"},
		{"adoption: {most_min: 1}", "adoption.most_min: must be below 1"},
		{"support: {positive_min: -0.5}", "support.positive_min: must be above support.neutral_above"},
		{"engagement: {medium_max_days: 10}", "engagement.medium_max_days: must be above engagement.high_max_days"},
		{"windows: {pulse_days: 0}", "windows.pulse_days: must be at least 1"},
		{"status: {stable_min: 85}", "status.healthy_min: must be above status.stable_min"},
		{"overrides: {pulse_red_cap: 120}", "overrides.pulse_red_cap: must be between 0 and 100"},
		{"alerts: {below_60: {rearm: 60}}", "alerts.below_60.rearm: must be above alerts.below_60.threshold"},
		{"alerts: {above_80: {rearm: 85}}", "alerts.above_80.rearm: must be below alerts.above_80.threshold"},
		{"targets: {close_margin: 1.5}", "targets.close_margin: must be between 0 and 1"},
		{"schedule: {rescore: '6am'}", "schedule.rescore: must be a time like 06:00"},
		{"schedule: {weekly_summary: 'Funday 09:00'}", "schedule.weekly_summary: must be a day and a time like Mon 09:00"},
		{"reason_codes: [budget, budget]", "reason_codes[1]: duplicate \"budget\""},
		{"reason_codes: ['no budget']", "reason_codes[0]: must be one word"},
		{"channels: {default: {teams: '#x'}}", "channels.default.teams: unknown platform"},
		{"weights: [1, 2]", "cannot unmarshal"},
	} {
		_, err := scoring.Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("weights: {usage: -3}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := scoring.Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "weights.usage: must be >= 0") {
		t.Errorf("got %v", err)
	}
	if _, err := scoring.Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestSchedule(t *testing.T) {
	d, err := scoring.ParseDaily("06:00")
	if err != nil || d != 6*time.Hour {
		t.Errorf("06:00 = %v %v", d, err)
	}
	wd, d, err := scoring.ParseWeekly("Mon 09:30")
	if err != nil || wd != time.Monday || d != 9*time.Hour+30*time.Minute {
		t.Errorf("Mon 09:30 = %v %v %v", wd, d, err)
	}
	if wd, _, err := scoring.ParseWeekly("friday 17:00"); err != nil || wd != time.Friday {
		t.Errorf("friday 17:00 = %v %v", wd, err)
	}
	for _, bad := range []string{"25:00", "Mon", "Mon 9", ""} {
		if _, _, err := scoring.ParseWeekly(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// An empty schedule entry turns the task off and is valid.
	if _, err := scoring.Parse([]byte("schedule: {critical_digest: ''}")); err != nil {
		t.Error(err)
	}
}

func TestChannelsFor(t *testing.T) {
	c := scoring.ChannelsConfig{
		Default:  map[string]string{"slack": "#cs", "discord": "cs"},
		Segments: map[string]map[string]string{"enterprise": {"slack": "#ent"}},
	}
	for _, tc := range []struct{ platform, segment, own, want string }{
		{"slack", "enterprise", "#acme", "#acme"},
		{"slack", "enterprise", "", "#ent"},
		{"discord", "enterprise", "", "cs"},
		{"slack", "smb", "", "#cs"},
		{"console", "", "", ""},
	} {
		if got := c.For(tc.platform, tc.segment, tc.own); got != tc.want {
			t.Errorf("For(%q, %q, %q) = %q, want %q", tc.platform, tc.segment, tc.own, got, tc.want)
		}
	}
}

// A loaded all-zero section is meant, not a hand-built gap.
func TestZeroSectionKept(t *testing.T) {
	cfg, err := scoring.Parse([]byte("weights: {nps: 10}\nsurveys: {no_response_score: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := scoring.Score(cfg, scoring.Signals{AsOf: asOf, Sources: scoring.Sources{NPS: true}})
	if r.Score != 0 || r.Parts[len(r.Parts)-1].Band != "no responses" {
		t.Errorf("got %d %+v, want nps 0 with no responses", r.Score, r.Parts)
	}
}
