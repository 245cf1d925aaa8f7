package scoring_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

func TestDefaultPlays(t *testing.T) {
	cfg := scoring.Default()
	names := func(ps []scoring.Play) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	for trigger, want := range map[string][]string{
		scoring.AlertBelow40: {"save"}, scoring.AlertPulseRed: {"save"}, scoring.AlertBelow60: {"check-in"},
		scoring.TriggerRenewalAtRisk: {"renewal"}, scoring.AlertAbove80: nil, scoring.TriggerNoTouch: nil,
	} {
		if got := names(cfg.PlaysOn(trigger)); !reflect.DeepEqual(got, want) {
			t.Errorf("plays on %s = %v, want %v", trigger, got, want)
		}
	}
	if got := cfg.UsedStateTriggers(); !reflect.DeepEqual(got, []string{scoring.TriggerRenewalAtRisk}) {
		t.Errorf("state triggers in use = %v", got)
	}
	save := cfg.PlaysOn(scoring.AlertBelow40)[0]
	day := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	if got := save.TaskTitle("Acme Corp"); got != "Save plan for Acme Corp" {
		t.Errorf("title %q", got)
	}
	due := save.DueOn(day)
	esc, ok := save.EscalateOn(due)
	if due.Format(time.DateOnly) != "2025-03-06" || !ok || esc.Format(time.DateOnly) != "2025-03-08" {
		t.Errorf("due %v, escalate %v %v", due, esc, ok)
	}
	if _, ok := (scoring.Play{}).EscalateOn(due); ok {
		t.Error("escalate_after_days 0 escalates")
	}
}

// A file that names no plays keeps the defaults; one that names some
// replaces them all; an empty list turns them off.
func TestPlaysConfig(t *testing.T) {
	cfg, err := scoring.Parse([]byte("weights: {usage: 40}\n"))
	if err != nil || !reflect.DeepEqual(cfg.Plays, scoring.DefaultPlays()) {
		t.Fatalf("no plays named: %v, %+v", err, cfg.Plays)
	}
	cfg, err = scoring.Parse([]byte(`plays:
  - name: quiet
    on: [no_touch, pulse_stale]
    title: "Call {account}"
    due_days: 2
    steps: [call]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []scoring.Play{{Name: "quiet", On: []string{"no_touch", "pulse_stale"}, Title: "Call {account}", DueDays: 2, Steps: []string{"call"}}}
	if !reflect.DeepEqual(cfg.Plays, want) {
		t.Errorf("plays = %+v", cfg.Plays)
	}
	if cfg, err = scoring.Parse([]byte("plays: []\n")); err != nil || len(cfg.Plays) != 0 || len(cfg.UsedStateTriggers()) != 0 {
		t.Errorf("plays: [] → %v, %+v", err, cfg.Plays)
	}
	if cfg, err = scoring.Parse([]byte("schedule: {your_day: ''}\n")); err != nil || cfg.Schedule.YourDay != "" {
		t.Errorf("your_day off: %v %q", err, cfg.Schedule.YourDay)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"plays: [{name: a b, on: [below_40], title: x}]", "plays[0].name: must be one word"},
		{"plays: [{name: a, on: [below_40], title: x}, {name: A, on: [below_60], title: y}]", `plays[1].name: duplicate play "A"`},
		{"plays: [{name: a, title: x}]", "plays[0].on: must name at least one trigger"},
		{"plays: [{name: a, on: [below_30], title: x}]", `plays[0].on[0]: unknown trigger "below_30" (want one of below_40, below_60, above_80, sponsor_left, pulse_red, renewal_at_risk, no_touch, pulse_stale)`},
		{"plays: [{name: a, on: [below_40, below_40], title: x}]", `plays[0].on[1]: duplicate "below_40"`},
		{"plays: [{name: a, on: [below_40]}]", "plays[0].title: must not be empty"},
		{"plays: [{name: a, on: [below_40], title: 'Call {owner}'}]", "plays[0].title: unknown placeholder {owner}"},
		{"plays: [{name: a, on: [below_40], title: x, due_days: -1}]", "plays[0].due_days: must be between 0 and 365"},
		{"plays: [{name: a, on: [below_40], title: x, escalate_after_days: -2}]", "plays[0].escalate_after_days: must be between 0 (never) and 365"},
		{"plays: [{name: a, on: [below_40], title: x, steps: [call, '']}]", "plays[0].steps[1]: must not be empty"},
		{"plays: [{name: a, on: [below_40], title: x, due: 3}]", "field due not found"},
		{"schedule: {your_day: 'noon'}", "schedule.your_day: must be a time like 06:00"},
		{"profiles: [{name: smb, match: {segment: [smb]}, plays: []}]", "profiles[smb].plays: cannot be set in a profile"},
	} {
		_, err := scoring.Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
}

func TestStateTriggersHold(t *testing.T) {
	cfg := scoring.Default() // medium_max_days 30, pulse_days 30
	day := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	ago := func(n int) *time.Time { d := day.AddDate(0, 0, -n); return &d }
	in := func(n int) *time.Time { d := day.AddDate(0, 0, n); return &d }
	for _, tc := range []struct {
		name    string
		trigger string
		p       scoring.TriggerPoint
		want    bool
	}{
		{"at risk, renews in 90 days", scoring.TriggerRenewalAtRisk, scoring.TriggerPoint{Known: true, Status: scoring.AtRisk, RenewalOn: in(90)}, true},
		{"critical, renews today", scoring.TriggerRenewalAtRisk, scoring.TriggerPoint{Known: true, Status: scoring.Critical, RenewalOn: in(0)}, true},
		{"at risk, renews in 91 days", scoring.TriggerRenewalAtRisk, scoring.TriggerPoint{Known: true, Status: scoring.AtRisk, RenewalOn: in(91)}, false},
		{"at risk, renewal passed", scoring.TriggerRenewalAtRisk, scoring.TriggerPoint{Known: true, Status: scoring.AtRisk, RenewalOn: ago(1)}, false},
		{"stable, renews soon", scoring.TriggerRenewalAtRisk, scoring.TriggerPoint{Known: true, Status: scoring.Stable, RenewalOn: in(10)}, false},
		{"no data, renews soon", scoring.TriggerRenewalAtRisk, scoring.TriggerPoint{Status: scoring.Critical, RenewalOn: in(10)}, false},
		{"no renewal date", scoring.TriggerRenewalAtRisk, scoring.TriggerPoint{Known: true, Status: scoring.Critical}, false},
		{"touched 29 days ago", scoring.TriggerNoTouch, scoring.TriggerPoint{TouchesConnected: true, LastTouch: ago(29)}, false},
		{"touched 30 days ago", scoring.TriggerNoTouch, scoring.TriggerPoint{TouchesConnected: true, LastTouch: ago(30)}, true},
		{"never touched", scoring.TriggerNoTouch, scoring.TriggerPoint{TouchesConnected: true}, true},
		{"touches not connected", scoring.TriggerNoTouch, scoring.TriggerPoint{}, false},
		{"pulse 29 days old", scoring.TriggerPulseStale, scoring.TriggerPoint{LastPulse: ago(29)}, false},
		{"pulse 30 days old", scoring.TriggerPulseStale, scoring.TriggerPoint{LastPulse: ago(30)}, true},
		{"never pulsed", scoring.TriggerPulseStale, scoring.TriggerPoint{}, false},
		{"unknown trigger", "below_40", scoring.TriggerPoint{}, false},
	} {
		tc.p.Day = day
		if got := cfg.Holds(tc.trigger, tc.p); got != tc.want {
			t.Errorf("%s: holds = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A state trigger fires once per stretch of days it holds: not again
// while it keeps holding (the task may have been closed meanwhile), and
// again only after an evaluation found it cleared.
func TestTriggerHysteresis(t *testing.T) {
	var st scoring.TriggerState
	var fired []int
	for day, holds := range []bool{true, true, true, false, false, true, true, false, true} {
		var f bool
		st, f = st.Step(holds)
		if f {
			fired = append(fired, day)
		}
	}
	if !reflect.DeepEqual(fired, []int{0, 5, 8}) || st.Arming != 3 || !st.Fired {
		t.Errorf("fired on days %v, state %+v; want days 0, 5, 8 and arming 3", fired, st)
	}
	if got := scoring.TriggerKey(7, scoring.TriggerNoTouch, 2); got != "7/no_touch/2" {
		t.Errorf("key %q", got)
	}
}
