package scoring

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A play turns an event on an account into a task owned by its CSM: an
// alert rule firing, or one of the state triggers below becoming true.
// The rules here are pure; the commands package stores the tasks, their
// history and their messages in the rescore's transaction.

// State triggers: conditions of an account, checked on every rescore,
// beside the alert rules a play may name in its `on` list.
const (
	// TriggerRenewalAtRisk holds while the account renews within
	// RenewalWindowDays and its status is At-risk or Critical.
	TriggerRenewalAtRisk = "renewal_at_risk"
	// TriggerNoTouch holds while the latest touch is
	// engagement.medium_max_days days old or older (or there was none),
	// the last day before engagement falls to "low"; it needs the touch
	// source connected (some touch stored for the organisation).
	TriggerNoTouch = "no_touch"
	// TriggerPulseStale holds while the account's latest pulse is
	// windows.pulse_days days old or older: it no longer counts, and the
	// CSM is asked to refresh it. An account never pulsed has nothing to
	// refresh and does not trigger it.
	TriggerPulseStale = "pulse_stale"
)

// StateTriggers lists the state triggers, in the order they are evaluated.
var StateTriggers = []string{TriggerRenewalAtRisk, TriggerNoTouch, TriggerPulseStale}

// RenewalWindowDays is how close a renewal must be for renewal_at_risk,
// and what /health renewals lists by default.
const RenewalWindowDays = 90

// Play is one `plays:` entry of the config: which triggers open a task,
// what the task says and when it is due.
type Play struct {
	Name  string   `yaml:"name"`  // one word: the task's kind, e.g. "save"
	On    []string `yaml:"on"`    // alert rules (AlertNames) and state triggers (StateTriggers)
	Title string   `yaml:"title"` // "{account}" is replaced with the account's name
	// DueDays is how many days after it opens the task is due (0: the
	// same day).
	DueDays int `yaml:"due_days"`
	// EscalateAfterDays is how many days overdue an open task is sent to
	// the owner's manager (or the account's channel when there is none);
	// 0 never escalates.
	EscalateAfterDays int      `yaml:"escalate_after_days"`
	Steps             []string `yaml:"steps"`
}

// DefaultPlays are the plays of a config that names none: `save` on
// below_40 and pulse_red (due in 3 days, escalated 2 days overdue),
// `check-in` on below_60 (due in 7, escalated 7 days overdue) and
// `renewal` on renewal_at_risk (due in 14, escalated 7 days overdue).
// A save is urgent, so its manager hears of it soonest; the others can
// wait a week past their date before anyone is told.
func DefaultPlays() []Play {
	return []Play{
		{Name: "save", On: []string{AlertBelow40, AlertPulseRed}, Title: "Save plan for {account}", DueDays: 3, EscalateAfterDays: 2,
			Steps: []string{"call the executive sponsor", "agree a recovery plan", "log a touch"}},
		{Name: "check-in", On: []string{AlertBelow60}, Title: "Check in with {account}", DueDays: 7, EscalateAfterDays: 7,
			Steps: []string{"find out what changed", "log a touch", "record a pulse"}},
		{Name: "renewal", On: []string{TriggerRenewalAtRisk}, Title: "Secure the renewal of {account}", DueDays: 14, EscalateAfterDays: 7,
			Steps: []string{"review usage and open issues with the sponsor", "agree the renewal plan", "log a touch"}},
	}
}

// PlaysOn lists the plays that trigger opens, in config order.
func (c Config) PlaysOn(trigger string) []Play {
	var out []Play
	for _, p := range c.Plays {
		if slices.Contains(p.On, trigger) {
			out = append(out, p)
		}
	}
	return out
}

// UsedStateTriggers lists the state triggers some play names, in
// StateTriggers order: only those are evaluated.
func (c Config) UsedStateTriggers() []string {
	var out []string
	for _, t := range StateTriggers {
		if len(c.PlaysOn(t)) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// placeholder matches a {word} in a title.
var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// TaskTitle is the play's title for an account.
func (p Play) TaskTitle(account string) string {
	return strings.ReplaceAll(p.Title, "{account}", account)
}

// DueOn is the day a task opened on day is due.
func (p Play) DueOn(day time.Time) time.Time { return day.AddDate(0, 0, p.DueDays) }

// EscalateOn is the day an open task due on due is escalated, and false
// when the play never escalates.
func (p Play) EscalateOn(due time.Time) (time.Time, bool) {
	if p.EscalateAfterDays <= 0 {
		return time.Time{}, false
	}
	return due.AddDate(0, 0, p.EscalateAfterDays), true
}

// TriggerPoint is what the state triggers know of an account on a day.
// Days are midnight UTC of the organisation's date, as everywhere in
// scoring.
type TriggerPoint struct {
	Day       time.Time
	Known     bool   // the score is known (not "no data")
	Status    Status // of the score
	RenewalOn *time.Time
	// LastTouch is the day of the latest touch, nil when never touched;
	// TouchesConnected says some touch is stored for the organisation
	// (otherwise "never touched" means "not recorded here").
	LastTouch        *time.Time
	TouchesConnected bool
	LastPulse        *time.Time // day of the latest pulse, nil when never pulsed
}

// Holds reports whether the state trigger holds at p.
func (c Config) Holds(trigger string, p TriggerPoint) bool {
	switch trigger {
	case TriggerRenewalAtRisk:
		if !p.Known || (p.Status != AtRisk && p.Status != Critical) || p.RenewalOn == nil {
			return false
		}
		d := days(p.Day, *p.RenewalOn)
		return d >= 0 && d <= RenewalWindowDays
	case TriggerNoTouch:
		if !p.TouchesConnected {
			return false
		}
		return p.LastTouch == nil || days(*p.LastTouch, p.Day) >= c.Engagement.MediumMaxDays
	case TriggerPulseStale:
		return p.LastPulse != nil && days(*p.LastPulse, p.Day) >= c.Windows.PulseDays
	}
	return false
}

// days is the number of calendar days from a to b.
func days(a, b time.Time) int {
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}

// TriggerState is the memory of one (account, state trigger). The zero
// value, never fired, is armed.
type TriggerState struct {
	Fired  bool // fired and not yet re-armed: the condition has not cleared since
	Arming int  // how many times it has fired
}

// Step advances a state trigger by one evaluation. A state trigger is a
// level, not an edge, but opens a task once per stretch of days it holds:
// it fires when it holds and is armed, then stays quiet until an
// evaluation finds it no longer holding, which re-arms it. So a task
// closed while the renewal is still at risk is not opened again the next
// day, and opens again only after the account recovered and fell back.
// An account that already holds the first time it is evaluated fires: a
// play switched on should open the work that is already due.
func (st TriggerState) Step(holds bool) (next TriggerState, fired bool) {
	switch {
	case holds && !st.Fired:
		return TriggerState{Fired: true, Arming: st.Arming + 1}, true
	case !holds && st.Fired:
		return TriggerState{Arming: st.Arming}, false
	}
	return st, false
}

// TriggerKey is the dedupe key of a state trigger's firing:
// "account/trigger/arming", shaped as an alert's key, so replicas and
// re-runs that see the same firing record it once.
func TriggerKey(accountID uint, trigger string, arming int) string {
	return AlertKey(accountID, trigger, arming)
}

// validatePlays checks the plays: one-word unique names, known triggers,
// a title with only the {account} placeholder, days that make sense.
func (c Config) validatePlays(v *validator) {
	seen := map[string]bool{}
	for i, p := range c.Plays {
		k := "plays[" + strconv.Itoa(i) + "]"
		v.check(p.Name != "" && !strings.ContainsAny(p.Name, " \t\n/"), k+".name", "must be one word (use - between words)")
		v.check(!seen[strings.ToLower(p.Name)], k+".name", "duplicate play "+strconv.Quote(p.Name))
		seen[strings.ToLower(p.Name)] = true
		v.check(len(p.On) > 0, k+".on", "must name at least one trigger: "+strings.Join(PlayTriggers(), ", "))
		for j, t := range p.On {
			v.check(slices.Contains(PlayTriggers(), t), k+".on["+strconv.Itoa(j)+"]",
				"unknown trigger "+strconv.Quote(t)+" (want one of "+strings.Join(PlayTriggers(), ", ")+")")
			v.check(!slices.Contains(p.On[:j], t), k+".on["+strconv.Itoa(j)+"]", "duplicate "+strconv.Quote(t))
		}
		v.check(strings.TrimSpace(p.Title) != "", k+".title", "must not be empty (e.g. \"Save plan for {account}\")")
		for _, ph := range placeholder.FindAllString(p.Title, -1) {
			v.check(ph == "{account}", k+".title", "unknown placeholder "+ph+" (only {account} is replaced)")
		}
		v.check(len([]rune(p.Title)) <= 200, k+".title", "must be at most 200 characters")
		v.check(p.DueDays >= 0 && p.DueDays <= 365, k+".due_days", "must be between 0 and 365")
		v.check(p.EscalateAfterDays >= 0 && p.EscalateAfterDays <= 365, k+".escalate_after_days", "must be between 0 (never) and 365")
		v.list(k+".steps", p.Steps, false)
	}
}

// PlayTriggers lists every trigger a play may name: the alert rules, then
// the state triggers.
func PlayTriggers() []string { return slices.Concat(AlertNames, StateTriggers) }
