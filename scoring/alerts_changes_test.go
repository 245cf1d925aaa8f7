package scoring_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

// EvaluateChanges fires what Evaluate fires, returns nil exactly when
// Evaluate's next states equal the input (same rules, same values), else
// Evaluate's map; neither modifies the input.
func TestEvaluateChangesMatchesEvaluate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	names := []string{scoring.AlertBelow40, scoring.AlertBelow60, scoring.AlertAbove80, scoring.AlertSponsorLeft, scoring.AlertPulseRed, "other"}
	unchanged := 0
	for range 50000 {
		rules := scoring.DefaultAlertRules()
		if r.IntN(3) == 0 {
			// Ten crossings, some sharing a name, overflow the states
			// kept on the stack.
			rules.Crossings = nil
			for range r.IntN(12) {
				rules.Crossings = append(rules.Crossings, scoring.Crossing{Rule: names[r.IntN(len(names))],
					Above: r.IntN(2) == 0, Threshold: r.IntN(101), Rearm: r.IntN(101)})
			}
		}
		rules.PulseRed, rules.SponsorLeft = r.IntN(4) != 0, r.IntN(4) != 0
		var states scoring.ArmStates
		if r.IntN(5) != 0 {
			// Mostly the states a previous evaluation left, so that many
			// evaluations change nothing.
			_, states = scoring.Evaluate(rules, 1, nil, scoring.AlertPoint{Known: true, Score: r.IntN(101)}, nil)
			for range r.IntN(3) {
				states[names[r.IntN(len(names))]] = scoring.ArmState{Seen: r.IntN(4) != 0, Armed: r.IntN(2) == 0, Arming: r.IntN(3), Mark: fmt.Sprint(r.IntN(3))}
			}
		}
		var prev *scoring.AlertPoint
		if r.IntN(4) != 0 {
			prev = &scoring.AlertPoint{Known: r.IntN(5) != 0, Score: r.IntN(101)}
		}
		cur := scoring.AlertPoint{Known: r.IntN(6) != 0, Score: r.IntN(101), SponsorDeparted: r.IntN(3) == 0,
			RedPulse: []string{"", "1", "2"}[r.IntN(3)], RedReason: "budget"}
		before := fmt.Sprint(states)

		fired, next := scoring.Evaluate(rules, 9, prev, cur, states)
		firedC, nextC := scoring.EvaluateChanges(rules, 9, prev, cur, states)
		if fmt.Sprint(states) != before {
			t.Fatalf("input states modified: %s -> %v", before, states)
		}
		if !reflect.DeepEqual(fired, firedC) {
			t.Fatalf("EvaluateChanges fired %+v, Evaluate %+v", firedC, fired)
		}
		same := len(next) == len(states)
		for k, v := range states {
			if w, ok := next[k]; !ok || w != v {
				same = false
			}
		}
		switch {
		case same && nextC != nil:
			t.Fatalf("states %v unchanged, EvaluateChanges returned %v", states, nextC)
		case !same && !reflect.DeepEqual(nextC, next):
			t.Fatalf("states %v -> %v, EvaluateChanges returned %v", states, next, nextC)
		}
		if same {
			unchanged++
		}
	}
	if unchanged < 1000 {
		t.Errorf("only %d evaluations changed nothing; the test needs more", unchanged)
	}
}
