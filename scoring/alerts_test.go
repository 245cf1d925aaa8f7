package scoring_test

import (
	"reflect"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

// step is one evaluation: the new point and the rule/arming pairs expected to fire.
type step struct {
	cur  scoring.AlertPoint
	want []string // "rule/arming"
}

func score(n int) scoring.AlertPoint { return scoring.AlertPoint{Known: true, Score: n} }

// run evaluates a sequence of points, each against the one before, and
// returns what fired at each step.
func run(t *testing.T, rules scoring.AlertRules, steps []step) {
	t.Helper()
	var prev *scoring.AlertPoint
	states := scoring.ArmStates{}
	for i, s := range steps {
		fired, next := scoring.Evaluate(rules, 7, prev, s.cur, states)
		var got []string
		for _, a := range fired {
			if a.AccountID != 7 {
				t.Errorf("step %d: account %d, want 7", i, a.AccountID)
			}
			got = append(got, a.DedupeKey()[2:])
		}
		if !reflect.DeepEqual(got, s.want) {
			t.Errorf("step %d (score %d): fired %v, want %v", i, s.cur.Score, got, s.want)
		}
		cur := s.cur
		prev, states = &cur, next
	}
}

func scores(want map[int][]string, ns ...int) []step {
	steps := make([]step, len(ns))
	for i, n := range ns {
		steps[i] = step{cur: score(n), want: want[i]}
	}
	return steps
}

func TestEvaluateCrossings(t *testing.T) {
	rules := scoring.DefaultAlertRules()
	tests := []struct {
		name  string
		steps []step
	}{
		{"oscillation around 60 fires once", scores(map[int][]string{1: {"below_60/1"}}, 61, 59, 61, 59)},
		{"back to the re-arm line fires twice", scores(map[int][]string{1: {"below_60/1"}, 3: {"below_60/2"}}, 61, 59, 65, 59)},
		{"from 59 up to 65 and down again fires on the way down", scores(map[int][]string{2: {"below_60/1"}}, 59, 65, 59)},
		{"64 is not enough to re-arm", scores(map[int][]string{1: {"below_60/1"}}, 70, 58, 64, 58)},
		{"first sight below the line does not fire", scores(nil, 30, 35, 30)},
		{"a fall through both lines fires both", scores(map[int][]string{1: {"below_40/1", "below_60/1"}}, 72, 35)},
		{"44 does not re-arm below_40", scores(map[int][]string{1: {"below_40/1", "below_60/1"}}, 70, 39, 44, 39)},
		{"below_40 re-armed at 45 fires again", scores(map[int][]string{1: {"below_40/1", "below_60/1"}, 3: {"below_40/2"}}, 70, 39, 45, 39)},
		{"rising to 80 fires above_80", scores(map[int][]string{1: {"above_80/1"}}, 79, 80, 81, 79, 80)},
		{"above_80 re-arms only below 75", scores(map[int][]string{1: {"above_80/1"}, 4: {"above_80/2"}}, 70, 85, 75, 74, 80)},
		{"exactly 60 is not below 60", scores(nil, 65, 60, 61, 60)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { run(t, rules, tt.steps) })
	}
}

func TestEvaluateUnknownChangesNothing(t *testing.T) {
	rules := scoring.DefaultAlertRules()
	run(t, rules, []step{
		{cur: score(70)},
		{cur: scoring.AlertPoint{Known: false}},
		{cur: score(55), want: []string{"below_60/1"}},
	})
}

func TestEvaluateFirstSightUsesPrevious(t *testing.T) {
	prev := score(62)
	fired, _ := scoring.Evaluate(scoring.DefaultAlertRules(), 3, &prev, score(58), nil)
	if len(fired) != 1 || fired[0].DedupeKey() != "3/below_60/1" || fired[0].From != 62 || fired[0].To != 58 {
		t.Fatalf("fired %+v, want one 3/below_60/1 from 62 to 58", fired)
	}
}

func TestEvaluateSponsorAndPulse(t *testing.T) {
	rules := scoring.DefaultAlertRules()
	p := func(n int, departed bool, red string) scoring.AlertPoint {
		return scoring.AlertPoint{Known: true, Score: n, SponsorDeparted: departed, RedPulse: red, RedReason: "budget"}
	}
	run(t, rules, []step{
		{cur: p(70, false, "")},
		{cur: p(59, true, ""), want: []string{"below_60/1", "sponsor_left/1"}},
		{cur: p(59, true, "")},
		{cur: p(59, true, "12"), want: []string{"pulse_red/1"}},
		{cur: p(59, true, "12")},
		{cur: p(59, false, "")},
		{cur: p(59, true, "14"), want: []string{"sponsor_left/2", "pulse_red/2"}},
	})
}

func TestEvaluateFirstSightDepartedIsQuiet(t *testing.T) {
	fired, next := scoring.Evaluate(scoring.DefaultAlertRules(), 1, nil, scoring.AlertPoint{Known: true, Score: 50, SponsorDeparted: true}, nil)
	if len(fired) != 0 {
		t.Fatalf("fired %+v on first sight", fired)
	}
	if next[scoring.AlertSponsorLeft].Armed {
		t.Fatal("sponsor_left armed while the sponsor is departed")
	}
}

func TestEvaluateDoesNotModifyInput(t *testing.T) {
	in := scoring.ArmStates{scoring.AlertBelow60: {Seen: true, Armed: true}}
	prev := score(70)
	scoring.Evaluate(scoring.DefaultAlertRules(), 1, &prev, score(50), in)
	if st := in[scoring.AlertBelow60]; !st.Armed || st.Arming != 0 {
		t.Fatalf("input state changed: %+v", st)
	}
}

func TestConfigAlertRules(t *testing.T) {
	cfg := scoring.Default()
	if got, want := cfg.AlertRules(), scoring.DefaultAlertRules(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Default().AlertRules() = %+v, want %+v", got, want)
	}
	cfg.Alerts.Above80.Enabled = false
	for _, c := range cfg.AlertRules().Crossings {
		if c.Rule == scoring.AlertAbove80 {
			t.Fatal("disabled above_80 still in the rules")
		}
	}
}
