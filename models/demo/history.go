package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/healthbot/healthbot/models"
)

// recentDays is the span the archetypes describe, from "then" to "now":
// the six months the demo had before it grew a longer history.
const recentDays = 182

// earlyStream sets the random streams of the archetype accounts' early
// history apart from their own streams (numbered 0, 1, 2, …).
const earlyStream = 1 << 32

// dip is a passing trouble in an archetype account's early history, a
// false alarm for a churn warning: usage falls to a quarter and recovers,
// a few negative tickets come, and maybe the CSM's pulse turns and an
// invoice is paid late.
type dip struct {
	ago, days int    // starts ago days before the early history's last day, lasts days
	pulse     string // the pulse recorded a third of the way in ("": none); a green one follows the recovery
	reason    string // the reason of a red pulse
	late      bool   // an invoice due in the dip is paid two to four weeks late
}

// dips are the archetype accounts, by position, whose early history dips.
var dips = map[int]dip{
	2:  {ago: 210, days: 40, pulse: "yellow", late: true},
	6:  {ago: 120, days: 35, pulse: "red", reason: "poor-support"},
	11: {ago: 250, days: 50, late: true},
	15: {ago: 95, days: 30, pulse: "yellow"},
	19: {ago: 170, days: 45, pulse: "red", reason: "budget", late: true},
	23: {ago: 60, days: 40},
}

// then is the archetype as its early history sees it: steady at its
// "then" figures, paying on time, touched at its usual pace, with account
// i's dip if it has one.
func (a archetype) then(rng *rand.Rand, i int) archetype {
	e := a
	e.pNow, e.featNow = a.pThen, a.featThen
	e.declineFrom, e.declineTo = 0, 0
	e.escalatedOpen = false
	e.payment, e.payDays = "current", 0
	e.touchThen = 0
	e.lastTouchAgo = 1 + rng.IntN(max(a.touchEvery, 1))
	e.pulses = nil
	e.dip, e.troubleTickets = [2]int{}, 0
	if d, ok := dips[i]; ok {
		e.dip = [2]int{d.ago, d.ago - d.days}
		e.troubleTickets = 2
	}
	return e
}

// genEarly adds the archetype account's history from first (or its start
// date) up to the day before its six recent months, drawn from its own
// stream: the rows of those six months, and so every score since, are
// those of the six-month demo.
func (ac *account) genEarly(rng *rand.Rand, a archetype, i int, today, first time.Time) {
	end := today.AddDate(0, 0, -recentDays)
	if started, err := models.ParseDay(*ac.row.StartedOn); err == nil && started.After(first) {
		first = started
	}
	if first.After(end) {
		return
	}
	e := a.then(rng, i)
	early := &account{row: ac.row}
	early.genHistory(rng, e, end, first, end) // no pulses: e has none
	early.genEarlyPulses(rng, a, i, end, first)
	if d, ok := dips[i]; ok && d.late {
		early.payLate(rng, end.AddDate(0, 0, -d.ago), end.AddDate(0, 0, -(d.ago-d.days)))
	}

	// Distinct external ids, every ticket closed (one left open would
	// still count today), no invoice for a month the recent history
	// already bills, and the invoices due after end (open as of end) paid
	// on their due day, as the account was then paying.
	for k := range early.tickets {
		t := &early.tickets[k]
		t.ExternalID = fmt.Sprintf("%s-H%03d", ac.row.ExternalID, k+1)
		if t.ClosedAt == nil {
			closed := closeOfDay(end).UTC()
			t.ClosedAt = &closed
		}
	}
	var invoices []models.Invoice
	for _, inv := range early.invoices {
		if len(ac.invoices) > 0 && inv.DueOn >= ac.invoices[0].DueOn {
			break
		}
		inv.ExternalID = fmt.Sprintf("%s-H%03d", ac.row.ExternalID, len(invoices)+1)
		if inv.Status == "open" {
			due := inv.DueOn
			inv.Status, inv.PaidOn = "paid", &due
		}
		invoices = append(invoices, inv)
	}
	// Touches and surveys may fall on the day after end: the recent
	// history's.
	recent := end.AddDate(0, 0, 1)
	early.touches = slices.DeleteFunc(early.touches, func(t models.Touch) bool { return !t.At.Before(recent) })
	early.surveys = slices.DeleteFunc(early.surveys, func(s models.Survey) bool { return !s.At.Before(recent) })
	ac.activity = append(early.activity, ac.activity...)
	ac.tickets = append(early.tickets, ac.tickets...)
	ac.touches = append(early.touches, ac.touches...)
	ac.pulses = append(ac.pulses, early.pulses...)
	ac.surveys = append(early.surveys, ac.surveys...)
	ac.invoices = append(invoices, ac.invoices...)
}

// genEarlyPulses records the archetype's first colour every four to six
// weeks back from end, and around account i's dip the dip's pulse and a
// green one once it is over.
func (ac *account) genEarlyPulses(rng *rand.Rand, a archetype, i int, end, first time.Time) {
	if len(a.pulses) == 0 {
		return
	}
	add := func(ago int, colour, reason string) {
		if ago < 0 {
			return
		}
		t := at(rng, end, ago)
		if t.Before(first) {
			return
		}
		p := models.Pulse{At: t.UTC(), Colour: colour, Reason: reason, By: ac.row.Owner}
		if reason != "" {
			p.Note = "flagged in the account review"
		}
		ac.pulses = append(ac.pulses, p)
	}
	span := int(end.Sub(first).Hours() / 24)
	for ago := 10 + rng.IntN(20); ago <= span; ago += 28 + rng.IntN(14) {
		add(ago, a.pulses[0], "")
	}
	if d, ok := dips[i]; ok && d.pulse != "" {
		add(d.ago-d.days/3, d.pulse, d.reason)
		add(d.ago-d.days-5, "green", "")
	}
}

// payLate has the first invoice due in [from, to] paid two to four weeks
// after its due day.
func (ac *account) payLate(rng *rand.Rand, from, to time.Time) {
	for k := range ac.invoices {
		inv := &ac.invoices[k]
		if inv.DueOn < day(from) || inv.DueOn > day(to) {
			continue
		}
		due, err := models.ParseDay(inv.DueOn)
		if err != nil {
			return
		}
		inv.PaidOn = dayPtr(due.AddDate(0, 0, 14+rng.IntN(15)))
		return
	}
}

// genTroubleTickets adds the archetype's trouble tickets, spread over its
// decline or its dip: mostly negative, the first of three or more
// escalated; each closed within days, by the account's last day at the
// latest.
func (ac *account) genTroubleTickets(rng *rand.Rand, a archetype, today, first, last time.Time) {
	from, to := a.dip[0], a.dip[1]
	if a.declineFrom > 0 {
		from, to = a.declineFrom, a.declineTo
	}
	for k := 0; k < a.troubleTickets && from > to; k++ {
		ago := to + rng.IntN(from-to)
		opened := at(rng, today, ago)
		if opened.Before(first) || opened.After(closeOfDay(last)) {
			continue
		}
		t := models.Ticket{
			ExternalID: fmt.Sprintf("%s-T%03d", ac.row.ExternalID, len(ac.tickets)+1),
			OpenedAt:   opened.UTC(),
			Sentiment:  []string{"negative", "negative", "negative", "neutral"}[rng.IntN(4)],
			Escalated:  k == 0 && a.troubleTickets >= 3,
			Severity:   severities[2+rng.IntN(3)],
		}
		closed := opened.Add(time.Duration(24+rng.IntN(20*24)) * time.Hour)
		if end := closeOfDay(last); closed.After(end) {
			closed = end
		}
		closed = closed.UTC()
		t.ClosedAt = &closed
		ac.tickets = append(ac.tickets, t)
	}
}

// touchGap is the days between touches around ago days before the last day.
func (a archetype) touchGap(ago int) int {
	if a.touchThen > 0 && ago > a.declineFrom {
		return a.touchThen
	}
	return a.touchEvery
}

// churn marks the account as churned the day after last, its last day:
// whatever was still open is closed that day, no invoice falls due after
// it and its MRR ends.
func (ac *account) churn(last time.Time) {
	churned := last.AddDate(0, 0, 1)
	ac.row.ChurnedOn = dayPtr(churned)
	for k, inv := range ac.invoices {
		if inv.DueOn >= day(churned) {
			ac.invoices = ac.invoices[:k]
			break
		}
	}
	for k := range ac.tickets {
		if ac.tickets[k].ClosedAt == nil {
			closed := closeOfDay(last).UTC()
			ac.tickets[k].ClosedAt = &closed
		}
	}
	ac.mrr = append(ac.mrr, models.MRRChange{EffectiveOn: day(churned), MRRCents: 0})
}

// segmentOf places an account by its MRR (in cents), with the plan such an
// account buys.
func segmentOf(mrrCents int64) (segment, plan string) {
	switch {
	case mrrCents >= 5000_00:
		return "enterprise", "enterprise"
	case mrrCents >= 1500_00:
		return "mid-market", "growth"
	}
	return "smb", "starter"
}
