package scoring

import "strconv"

// Alert rule names, as used in the config file, dedupe keys and messages.
const (
	AlertBelow60     = "below_60"
	AlertBelow40     = "below_40"
	AlertAbove80     = "above_80"
	AlertPulseRed    = "pulse_red"
	AlertSponsorLeft = "sponsor_left"
)

// AlertNames lists every alert rule, in the order alerts are reported.
var AlertNames = []string{AlertBelow40, AlertBelow60, AlertAbove80, AlertSponsorLeft, AlertPulseRed}

// Crossing is a threshold rule with hysteresis. A falling rule (Above
// false) fires when the score moves from >= Threshold to < Threshold and
// re-arms once the score is back at Rearm or more; a rising rule fires when
// the score moves from < Threshold to >= Threshold and re-arms once the
// score is below Rearm. The gap between Threshold and Rearm is what stops
// a score oscillating around the line from alerting every day.
type Crossing struct {
	Rule      string
	Above     bool
	Threshold int
	Rearm     int
}

// AlertRules is the set of enabled alert rules.
type AlertRules struct {
	Crossings   []Crossing
	PulseRed    bool
	SponsorLeft bool
}

// DefaultAlertRules are the rules of scoring.md: below_60 (re-arm at 65),
// below_40 (re-arm at 45), above_80 (re-arm below 75), pulse_red, sponsor_left.
func DefaultAlertRules() AlertRules {
	return AlertRules{
		Crossings: []Crossing{
			{Rule: AlertBelow40, Threshold: 40, Rearm: 45},
			{Rule: AlertBelow60, Threshold: 60, Rearm: 65},
			{Rule: AlertAbove80, Above: true, Threshold: 80, Rearm: 75},
		},
		PulseRed:    true,
		SponsorLeft: true,
	}
}

// AlertRules returns the enabled alert rules of the config.
func (c Config) AlertRules() AlertRules {
	var r AlertRules
	add := func(name string, above bool, ar AlertRule) {
		if ar.Enabled {
			r.Crossings = append(r.Crossings, Crossing{Rule: name, Above: above, Threshold: ar.Threshold, Rearm: ar.Rearm})
		}
	}
	add(AlertBelow40, false, c.Alerts.Below40)
	add(AlertBelow60, false, c.Alerts.Below60)
	add(AlertAbove80, true, c.Alerts.Above80)
	r.PulseRed = c.Alerts.PulseRed
	r.SponsorLeft = c.Alerts.SponsorLeft
	return r
}

// AlertPoint is what alert evaluation needs to know about an account at
// one moment.
type AlertPoint struct {
	Known           bool // false: no data, nothing crosses
	Score           int
	SponsorDeparted bool
	// RedPulse identifies the latest red pulse still in force (e.g. its
	// id), "" when there is none; a new value is a newly recorded red pulse.
	RedPulse  string
	RedReason string
}

// ArmState is the memory of one (account, rule): whether the rule can
// fire, and how many times it has fired. The zero value means "never
// evaluated".
type ArmState struct {
	Seen   bool   // evaluated at least once
	Armed  bool   // the next crossing fires
	Arming int    // number of times the rule has fired; the last alert's arming
	Mark   string // pulse_red: the red pulse already alerted on
}

// ArmStates holds an account's ArmState per rule name.
type ArmStates map[string]ArmState

// Alert is one fired rule.
type Alert struct {
	AccountID uint
	Rule      string
	Arming    int
	From, To  int    // scores before and after (threshold rules)
	Reason    string // pulse_red: the reason code
}

// DedupeKey is "account/rule/arming": the same crossing seen by two replicas
// or after a restart has the same key, so it is stored and delivered once.
func (a Alert) DedupeKey() string { return AlertKey(a.AccountID, a.Rule, a.Arming) }

// AlertKey builds the dedupe key of an alert.
func AlertKey(accountID uint, rule string, arming int) string {
	return strconv.FormatUint(uint64(accountID), 10) + "/" + rule + "/" + strconv.Itoa(arming)
}

// Evaluate applies the rules to an account's move from prev (its previous
// snapshot, nil when it has none) to cur, given the rules' states. It
// returns the alerts that fire and the next states; the input map is not
// modified.
//
// A rule seen for the first time only takes its state from the data (from
// prev when known, else from cur) and fires only if prev → cur crosses, so
// turning alerts on for an old portfolio does not flood the channel. A red
// pulse is an event, not a level: a red pulse not alerted on before fires
// even on first sight.
func Evaluate(rules AlertRules, accountID uint, prev *AlertPoint, cur AlertPoint, states ArmStates) ([]Alert, ArmStates) {
	var ev evaluation
	ev.run(rules, accountID, prev, cur, states)
	return ev.fired, ev.next(states)
}

// EvaluateChanges is Evaluate for a caller that stores only the states
// that change: next is nil when the next states equal states (same rules,
// same values), else the map Evaluate returns. Most accounts keep their
// states from one day to the next, and copying each one's map only to
// compare it cost a 10,000-account rescore an allocation per account.
func EvaluateChanges(rules AlertRules, accountID uint, prev *AlertPoint, cur AlertPoint, states ArmStates) (fired []Alert, next ArmStates) {
	var ev evaluation
	ev.run(rules, accountID, prev, cur, states)
	for i := range ev.n {
		u := ev.written(i)
		if old, ok := states[u.rule]; !ok || old != u.st {
			return ev.fired, ev.next(states)
		}
	}
	return ev.fired, nil
}

// evaluation is one Evaluate: the alerts fired and the states written, in
// the order first written, over the input states (which it never modifies).
// The written states sit in an array, not a slice, so that an evaluation
// stays on the caller's stack; rules beyond its size go to more.
type evaluation struct {
	states ArmStates
	fired  []Alert
	n      int
	first  [8]ruleState
	more   []ruleState
}

type ruleState struct {
	rule string
	st   ArmState
}

// written returns the i-th written state.
func (ev *evaluation) written(i int) *ruleState {
	if i < len(ev.first) {
		return &ev.first[i]
	}
	return &ev.more[i-len(ev.first)]
}

// get is a rule's state as written so far.
func (ev *evaluation) get(rule string) ArmState {
	for i := range ev.n {
		if w := ev.written(i); w.rule == rule {
			return w.st
		}
	}
	return ev.states[rule]
}

func (ev *evaluation) set(rule string, st ArmState) {
	for i := range ev.n {
		if w := ev.written(i); w.rule == rule {
			w.st = st
			return
		}
	}
	if ev.n < len(ev.first) {
		ev.first[ev.n] = ruleState{rule, st}
	} else {
		ev.more = append(ev.more, ruleState{rule, st})
	}
	ev.n++
}

// fire records al as fired from the rule's state st and returns the state
// after it: disarmed, one more arming.
func (ev *evaluation) fire(al Alert, st ArmState) ArmState {
	st.Arming++
	st.Armed = false
	al.Arming = st.Arming
	ev.fired = append(ev.fired, al)
	return st
}

// next is states with the updates applied, in a new map.
func (ev *evaluation) next(states ArmStates) ArmStates {
	// Sized exactly: an account has five states, and a hint above eight
	// makes the runtime allocate a full table instead of one group.
	size := len(states)
	for i := range ev.n {
		if _, ok := states[ev.written(i).rule]; !ok {
			size++
		}
	}
	next := make(ArmStates, size)
	for k, v := range states {
		next[k] = v
	}
	for i := range ev.n {
		u := ev.written(i)
		next[u.rule] = u.st
	}
	return next
}

func (ev *evaluation) run(rules AlertRules, accountID uint, prev *AlertPoint, cur AlertPoint, states ArmStates) {
	ev.states = states
	fire := func(rule string, st ArmState, from, to int, reason string) ArmState {
		return ev.fire(Alert{AccountID: accountID, Rule: rule, From: from, To: to, Reason: reason}, st)
	}
	prevScore := -1
	if prev != nil && prev.Known {
		prevScore = prev.Score
	}

	for _, c := range rules.Crossings {
		if !cur.Known {
			continue
		}
		st := ev.get(c.Rule)
		if !st.Seen {
			st.Seen = true
			base := cur.Score
			if prevScore >= 0 {
				base = prevScore
			}
			st.Armed = !c.beyond(base)
		}
		switch {
		case st.Armed && c.beyond(cur.Score):
			st = fire(c.Rule, st, prevScore, cur.Score, "")
		case !st.Armed && c.rearmed(cur.Score):
			st.Armed = true
		}
		ev.set(c.Rule, st)
	}

	if rules.SponsorLeft {
		st := ev.get(AlertSponsorLeft)
		if !st.Seen {
			st.Seen = true
			st.Armed = !cur.SponsorDeparted
		}
		switch {
		case st.Armed && cur.SponsorDeparted:
			st = fire(AlertSponsorLeft, st, prevScore, scoreOf(cur), "")
		case !cur.SponsorDeparted:
			st.Armed = true
		}
		ev.set(AlertSponsorLeft, st)
	}

	if rules.PulseRed {
		st := ev.get(AlertPulseRed)
		st.Seen = true
		if cur.RedPulse != "" && cur.RedPulse != st.Mark {
			st = fire(AlertPulseRed, st, prevScore, scoreOf(cur), cur.RedReason)
			st.Mark = cur.RedPulse
		}
		// A red pulse is an event: the rule is always ready for the next one.
		st.Armed = true
		ev.set(AlertPulseRed, st)
	}
}

func scoreOf(p AlertPoint) int {
	if !p.Known {
		return -1
	}
	return p.Score
}

// beyond reports whether score is on the alerting side of the threshold.
func (c Crossing) beyond(score int) bool {
	if c.Above {
		return score >= c.Threshold
	}
	return score < c.Threshold
}

// rearmed reports whether score is far enough back to alert again.
func (c Crossing) rearmed(score int) bool {
	if c.Above {
		return score < c.Rearm
	}
	return score >= c.Rearm
}
