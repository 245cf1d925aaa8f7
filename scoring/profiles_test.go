// Worked example of testdata/profiles.yaml: one account's data (lowTouch)
// under each profile. Sub-scores: usage 100 (DAU 4 / MAU 10 = 0.40),
// adoption 80 (7 of 10), support 75 (no tickets), engagement 0 (never
// touched), payment 100, exec_sponsor 0 (no touch), seat_use 100 (42 / 50
// seats = 0.84).
//
//	default     30·100 + 25·80 + 20·75 + 15·0 + 10·100 + 10·100         = 8500 / 110 = 77.27 -> 77 Stable
//	smb         60·100 + 20·80 + 20·75 +  0·0 +  0·100 + 10·100         = 10100 / 110 = 91.82 -> 92 Healthy
//	enterprise  default + exec_sponsor 10·0                              = 8500 / 120 = 70.83 -> 71 Stable
package scoring_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

func loadProfiles(t *testing.T) scoring.Model {
	t.Helper()
	m, err := scoring.LoadModel(filepath.Join("testdata", "profiles.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// lowTouch is the account of the worked example at the top of this file.
func lowTouch() scoring.Signals {
	s := scoring.Signals{AccountID: 3, AsOf: asOf, Sources: allSources(),
		ActiveUserDays7: 28, MAU: 10, ValueFeaturesUsed30: 7, ValueFeatures: 10, Seats: 50,
		Metrics: map[string]scoring.MetricSignal{"seat_use": {Value: 42, Rows: 3}}}
	s.MetricSources = map[string]bool{"seats_active": true}
	return s
}

func TestProfilesScoreTheSameDataDifferently(t *testing.T) {
	m := loadProfiles(t)
	for _, tc := range []struct {
		segment, plan string
		profile       string
		unrounded     float64
		score         int
		status        scoring.Status
	}{
		{"", "", "default", 8500.0 / 110, 77, scoring.Stable},
		{"mid-market", "pro", "default", 8500.0 / 110, 77, scoring.Stable},
		{"smb", "", "smb", 10100.0 / 110, 92, scoring.Healthy},
		{" SMB ", "pro", "smb", 10100.0 / 110, 92, scoring.Healthy},
		{"Startup", "", "smb", 10100.0 / 110, 92, scoring.Healthy},
		{"enterprise", "", "enterprise", 8500.0 / 120, 71, scoring.Stable},
	} {
		eff := m.For(tc.segment, tc.plan)
		r := eff.Score(lowTouch())
		if eff.Profile != tc.profile || r.Profile != tc.profile || r.Version != eff.Version || r.Version == "" {
			t.Errorf("%q: profile %q (result %q, version %q), want %q", tc.segment, eff.Profile, r.Profile, r.Version, tc.profile)
		}
		if r.Score != tc.score || r.Status != tc.status || !near(r.Unrounded, tc.unrounded) {
			t.Errorf("%q: got %d %s (%v), want %d %s (%v)", tc.segment, r.Score, r.Status, r.Unrounded, tc.score, tc.status, tc.unrounded)
		}
	}
}

func TestProfilesInheritAndMerge(t *testing.T) {
	m := loadProfiles(t)
	top, smb, ent := m.Default.Config, m.Profiles[0].Config, m.Profiles[1].Config
	// weights merge key by key: seat_use comes from the top level.
	if smb.Weights["seat_use"] != 10 || smb.Weights[scoring.Usage] != 60 || smb.Weights[scoring.Engagement] != 0 {
		t.Errorf("smb weights = %v", smb.Weights)
	}
	if ent.Weights[scoring.ExecSponsor] != 10 || ent.Weights[scoring.Usage] != 30 || ent.Weights["seat_use"] != 10 {
		t.Errorf("enterprise weights = %v", ent.Weights)
	}
	// a section merges field by field.
	want := scoring.Default().Engagement
	want.HighMaxDays, want.MediumMaxDays, want.LowMaxDays = 45, 60, 120
	if smb.Engagement != want {
		t.Errorf("smb engagement = %+v, want %+v", smb.Engagement, want)
	}
	// nothing written through to the top level.
	if top.Weights[scoring.Usage] != 30 || top.Weights[scoring.ExecSponsor] != 0 || top.Engagement != scoring.Default().Engagement {
		t.Errorf("top level changed: %v %+v", top.Weights, top.Engagement)
	}
	if smb.Components["seat_use"].Metric != "seats_active" || len(m.CustomInputs()) != 1 {
		t.Errorf("components not inherited: %+v, inputs %+v", smb.Components, m.CustomInputs())
	}
	// Parse gives the top level of the same file.
	cfg, err := scoring.Load(filepath.Join("testdata", "profiles.yaml"))
	if err != nil || cfg.Weights["seat_use"] != 10 || cfg.Version() != m.Default.Version {
		t.Errorf("Load: %v %v", err, cfg.Weights)
	}
}

func TestProfileMatchNeedsEveryField(t *testing.T) {
	m, err := scoring.ParseModel([]byte(`
profiles:
  - {name: ent-pro, match: {segment: [enterprise], plan: [pro, Premium]}, weights: {usage: 50}}
  - {name: any-pro, match: {plan: pro}, weights: {usage: 40}}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ segment, plan, want string }{
		{"enterprise", "pro", "ent-pro"},
		{"Enterprise", "premium", "ent-pro"},
		{"enterprise", "basic", "default"},
		{"smb", "pro", "any-pro"},
		{"", "PRO", "any-pro"},
		{"", "", "default"},
	} {
		if got := m.For(tc.segment, tc.plan).Profile; got != tc.want {
			t.Errorf("For(%q, %q) = %q, want %q", tc.segment, tc.plan, got, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	// Pinned: the version of the shipped defaults must not move between
	// runs or builds, or every snapshot would read "model changed".
	const defaultVersion = "4c6ee14d"
	if v := scoring.Default().Version(); v != defaultVersion {
		t.Errorf("Default().Version() = %s, want %s", v, defaultVersion)
	}
	version := func(yaml string) string {
		t.Helper()
		m, err := scoring.ParseModel([]byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		return m.Default.Version
	}
	for _, same := range []string{
		"",
		"weights: {payment: 10, usage: 30, nps: 0}",
		"reason_codes: [budget]",
		"schedule: {rescore: '07:00'}",
		"channels: {default: {slack: '#x'}}",
		"alerts: {snooze_days: 3}",
		"targets: {nps: 60}",
		"components: {unused: {metric: m, aggregate: sum, days: 7, bands: [{min: 1, label: some, score: 100}]}}",
		"profiles: [{name: copy, match: {segment: [x]}}]",
	} {
		if v := version(same); v != defaultVersion {
			t.Errorf("%q: version %s, want the default's %s", same, v, defaultVersion)
		}
	}
	seen := map[string]string{}
	for _, other := range []string{
		"weights: {usage: 31}",
		"weights: {nps: 1}",
		"usage: {daily_min: 0.5}",
		"windows: {mau_days: 28}",
		"status: {healthy_min: 85}",
		"overrides: {pulse_red_cap: 49}",
		"value_features: [reports]",
		"weights: {seat: 5}\ncomponents: {seat: {metric: m, aggregate: sum, days: 7, bands: [{min: 1, label: some, score: 100}]}}",
		"weights: {seat: 5}\ncomponents: {seat: {metric: m, aggregate: sum, days: 8, bands: [{min: 1, label: some, score: 100}]}}",
	} {
		v := version(other)
		if v == defaultVersion || seen[v] != "" {
			t.Errorf("%q: version %s, want one of its own (default %s, also %q)", other, v, defaultVersion, seen[v])
		}
		seen[v] = other
	}
	// value features are a set.
	if version("value_features: [a, b]") != version("value_features: [b, a]") {
		t.Error("value feature order changed the version")
	}
	// A profile that restates nothing is the top level's model.
	m, err := scoring.ParseModel([]byte("profiles: [{name: same, match: {segment: [x]}}, {name: other, match: {segment: [y]}, usage: {weekly_min: 0.2}}]"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Profiles[0].Version != m.Default.Version || m.Profiles[1].Version == m.Default.Version {
		t.Errorf("versions: default %s, same %s, other %s", m.Default.Version, m.Profiles[0].Version, m.Profiles[1].Version)
	}
}

func TestProfileErrors(t *testing.T) {
	comp := "components: {seat: {metric: seats_active, aggregate: latest, days: 30, bands: [{min: 1, label: all, score: 100}]}}\n"
	for _, tc := range []struct{ yaml, want string }{
		{"profiles: [{name: smb, match: {segment: [smb]}, wieghts: {usage: 1}}]", "profiles[smb].wieghts: unknown key (line 1)"},
		{"profiles:\n  - name: smb\n    match: {segment: [smb]}\n    engagement: {hgh_max_days: 3}", "profiles[smb].engagement.hgh_max_days: unknown key (line 4)"},
		{"profiles: [{name: smb, match: {segment: [smb]}, alerts: {snooze_days: 3}}]", "profiles[smb].alerts: cannot be set in a profile"},
		{"profiles: [{name: smb, match: {segment: [smb]}, schedule: {rescore: '07:00'}}]", "profiles[smb].schedule: cannot be set in a profile"},
		{"profiles: [{name: smb, match: {segment: [smb]}, channels: {}}]", "profiles[smb].channels: cannot be set in a profile"},
		{"profiles: [{name: smb, match: {segment: [smb]}, targets: {nps: 3}}]", "profiles[smb].targets: cannot be set in a profile"},
		{"profiles: [{name: smb, match: {segment: [smb]}, profiles: []}]", "profiles[smb].profiles: cannot be set in a profile"},
		{"profiles: [{name: smb, match: {segment: [smb]}, weights: {usag: 1}}]", "profiles[smb].weights.usag: unknown component"},
		{"profiles: [{name: smb, match: {segment: [smb]}, weights: {usage: -1}}]", "profiles[smb].weights.usage: must be >= 0"},
		{"profiles: [{name: smb, match: {segment: [smb]}, weights: {usage: 0, adoption: 0, support: 0, engagement: 0, payment: 0}}]", "profiles[smb].weights: at least one weight must be above 0"},
		{"profiles: [{name: smb, match: {segment: [smb]}, usage: {daily_min: 0.05}}]", "profiles[smb].usage.daily_min: must be above usage.weekly_min"},
		{"profiles: [{name: smb, match: {segment: [smb]}, weights: [1, 2]}]", "profiles[smb]: yaml: unmarshal errors"},
		{"profiles: [{name: smb, match: {region: [eu]}}]", "profiles[smb].match.region: unknown match field (want segment or plan)"},
		{"profiles: [{name: smb, match: {}}]", "profiles[smb].match: must name segment and/or plan"},
		{"profiles: [{name: smb}]", "profiles[smb].match: must name segment and/or plan"},
		{"profiles: [{name: smb, match: {segment: []}}]", "profiles[smb].match.segment: must list at least one value"},
		{"profiles: [{name: smb, match: {segment: ['']}}]", "profiles[smb].match.segment: a value must not be empty"},
		{"profiles: [{name: smb, match: {segment: [{a: b}]}}]", "profiles[smb].match.segment: must list values"},
		{"profiles: [{match: {segment: [smb]}}]", "profiles[0].name: every profile needs a name"},
		{"profiles: [{name: small biz, match: {segment: [smb]}}]", "profiles[small biz].name: must be one word"},
		{"profiles: [{name: Default, match: {segment: [smb]}}]", "profiles[Default].name: \"default\" is the top level's name"},
		{"profiles: [{name: smb, match: {segment: [a]}}, {name: SMB, match: {segment: [b]}}]", "profiles[SMB].name: duplicate profile name"},
		{"profiles: [{name: " + strings.Repeat("x", 65) + ", match: {segment: [smb]}}]", ".name: at most 64 characters"},
		{"profiles: [smb]", "profiles[0]: must be a mapping"},
		{"profiles: {smb: {}}", "cannot unmarshal"},
		{comp + "profiles: [{name: smb, match: {segment: [smb]}, components: {seat: {metric: seats_active, aggregate: latest, days: 7, bands: [{min: 1, label: all, score: 100}]}}}]",
			"profiles[smb].components.seat: metric, aggregate, days and per must match the top level's"},
		{"profiles: [{name: a, match: {segment: [a]}, components: {x: {metric: m, aggregate: sum, days: 7, bands: [{min: 1, label: l, score: 1}]}}}, {name: b, match: {segment: [b]}, components: {x: {metric: m, aggregate: max, days: 7, bands: [{min: 1, label: l, score: 1}]}}}]",
			"profiles[b].components.x: metric, aggregate, days and per must match profile a's"},
		{comp + "profiles: [{name: smb, match: {segment: [smb]}, components: {seat: {days: 30}}}]", "profiles[smb].components.seat.metric: must name the ingested metric"},
	} {
		_, err := scoring.ParseModel([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant an error containing %q", tc.yaml, err, tc.want)
		}
		if _, perr := scoring.Parse([]byte(tc.yaml)); (perr == nil) != (err == nil) {
			t.Errorf("%s: Parse and ParseModel disagree: %v / %v", tc.yaml, perr, err)
		}
	}
	// A profile may change a component's bands and weight.
	ok := comp + "weights: {seat: 10}\nprofiles: [{name: smb, match: {segment: [smb]}, weights: {seat: 20}, components: {seat: {metric: seats_active, aggregate: latest, days: 30, bands: [{min: 0.5, label: half, score: 100}]}}}]"
	m, err := scoring.ParseModel([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Profiles[0].Config.Components["seat"].Bands; len(b) != 1 || b[0].Min != 0.5 || m.Default.Config.Components["seat"].Bands[0].Min != 1 {
		t.Errorf("bands: profile %+v, top %+v", b, m.Default.Config.Components["seat"].Bands)
	}
}

func TestModelOf(t *testing.T) {
	m := scoring.ModelOf(scoring.Default())
	e := m.For("enterprise", "pro")
	if e != &m.Default || e.Profile != "default" || e.Version != scoring.Default().Version() || len(m.All()) != 1 {
		t.Errorf("ModelOf: %+v", e)
	}
	if r := e.Score(exampleSignals()); r.Score != 73 || r.Profile != "default" {
		t.Errorf("score %d profile %q, want 73 default", r.Score, r.Profile)
	}
}

// A model's version is its top level's without profiles, and changes with
// any profile's name, match or config.
func TestModelVersion(t *testing.T) {
	plain := scoring.ModelOf(scoring.Default())
	if plain.Version() != plain.Default.Version {
		t.Errorf("a model without profiles: %s, want the top level's %s", plain.Version(), plain.Default.Version)
	}
	base := loadProfiles(t)
	seen := map[string]string{"plain": plain.Version(), "profiles": base.Version()}
	for name, yaml := range map[string]string{
		"renamed":   "profiles: [{name: small, match: {segment: [smb]}, weights: {usage: 60}}]",
		"rematched": "profiles: [{name: smb, match: {segment: [startup]}, weights: {usage: 60}}]",
		"retuned":   "profiles: [{name: smb, match: {segment: [smb]}, weights: {usage: 61}}]",
		"original":  "profiles: [{name: smb, match: {segment: [smb]}, weights: {usage: 60}}]",
	} {
		m, err := scoring.ParseModel([]byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		for other, v := range seen {
			if v == m.Version() {
				t.Errorf("%s and %s share version %s", name, other, v)
			}
		}
		seen[name] = m.Version()
	}
	if again := loadProfiles(t); again.Version() != base.Version() {
		t.Error("the same file, another version")
	}
}
