package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// How accounts live and churn. Each account draws a hidden fate from its
// own profile stream; the fate shapes the rows every table pass writes, but
// is never stored: a backtest sees only what a real store holds (activity,
// tickets, touches, pulses, surveys, invoices, MRR, churned_on,
// sponsor_status), so whatever it finds, it found in the data.
//
//   - Churn: an annual hazard by segment (smb 18%, mid-market 11%,
//     enterprise 6%; the segment follows the seats), so about 7% of the
//     accounts churn within 180 days of history and 16% within 455. A
//     churned account keeps its history up to churned_on and has nothing on
//     or after it (its open tickets close that day); its MRR history ends
//     with a change to 0 on that day.
//   - Churn with warning (three churners in four): over the 30 to 120 days
//     before its churn date the account fades, fast at first. Fewer of its
//     users come back and those who do come on far fewer days (the chance
//     of a visit falls with the square of the account's health); tickets
//     come more often, three times as often negative, four times as often
//     escalated; CSM touches thin out; NPS answers turn to detractors. And
//     some of: invoices due in its last 75 days that fail (50%), stay open
//     past due (20%) or are paid late (10%); an executive sponsor who
//     leaves (30%: sponsor_status departed, which the store keeps without a
//     date); a red or yellow pulse in the second half of the fade (55%).
//   - Churn without warning (one churner in four): healthy until the day it
//     leaves (an acquisition, a budget line cut elsewhere).
//   - False alarms: 12% of the accounts that stay have one dip of 25 to 65
//     days (usage down by half or more, tickets turning negative, sometimes
//     a yellow or red pulse and a green one after, or a late invoice) and
//     recover. Others are quiet without leaving: dormant accounts (7%)
//     barely use the product, drifting ones (4%) slowly use it less, and
//     many use only a few features or see their CSM every few months.
//   - Everyone is noisy in the ordinary ways: a card that fails and is paid
//     late on the retry, a negative ticket, a random yellow or red pulse, a
//     sponsor who left long ago (4%), and a rare invoice written off as
//     failed.
//
// The signals therefore differ in strength, on purpose, so that the
// default weights (usage 30, adoption 25, support 20, engagement 15,
// payment 10) are not the best ones and a weight search has something to
// find. Usage (the fade) and payment (failed and unpaid invoices are rare
// outside churners) predict churn strongly; support and engagement weakly;
// adoption adds nothing once usage is known: an account's feature count is
// its own habit (the keen users who stay through a fade keep using as many
// features), and what it predicts on its own comes from small accounts,
// which use fewer features and churn more.

// annualChurn is each segment's yearly churn hazard (segments order).
var annualChurn = [3]float64{0.18, 0.11, 0.06}

// Payment fates of a churner with warning.
const (
	payOnTime = iota
	payFailed
	payOverdue
	payLate
)

// profile is an account's fixed shape: every table's pass derives it again
// from the account's own stream, so passes agree without sharing state.
type profile struct {
	index      int // 0-based
	id         int64
	seats      int
	segment    int     // index into segments
	users      int     // distinct users who ever act
	activeP    float64 // mean probability that a user acts on a weekday
	breadth    int     // how many features (the first ones) the account uses
	drift      float64 // per-day fall of usage for drifting accounts (0: none)
	startDay   int     // day offset (from the first generated day) the account started; may be negative
	churnDay   int     // day offset the account churned, or -1
	owner      string
	mrrCents   int64
	departed   bool
	ticketMul  float64
	touchEvery float64 // the CSM's cadence: a multiple of the usual gap between touches

	// The fade before a churn with warning: from warnDay (possibly before
	// the first generated day) the account's health falls to floor on
	// churnDay, fast at first.
	warned  bool
	warnDay int
	floor   float64
	payFate int
	pulse   string // colour of the pulse recorded during the fade ("": none)

	// A dip that recovers: health falls by up to dipDepth over
	// [dipStart, dipEnd) and comes back (dipEnd <= dipStart: none).
	dipStart, dipEnd int
	dipDepth         float64
	dipLate          bool   // an invoice due in the dip is paid late
	dipPulse         string // colour of a pulse recorded in the dip ("": none)
}

// segmentOf places an account by its seats.
func segmentOf(seats int) int {
	switch {
	case seats >= 40:
		return 2
	case seats >= 12:
		return 1
	}
	return 0
}

func (g *generator) profile(i int) profile {
	r := g.rng(i, streamProfile)
	// Seats are log-normal: most accounts are small, a few are large.
	seats := int(math.Round(math.Exp(2.3 + 0.8*r.NormFloat64())))
	seats = min(max(seats, 2), 400)
	pr := profile{
		index: i, id: int64(i + 1), seats: seats, segment: segmentOf(seats),
		users:      max(1, int(float64(seats)*(0.3+0.5*r.Float64()))),
		activeP:    0.10 + 0.297*r.Float64(),
		breadth:    1 + r.IntN(nFeatures),
		startDay:   -r.IntN(900),
		churnDay:   -1,
		owner:      fmt.Sprintf("csm-%03d", r.IntN(g.csms)+1),
		mrrCents:   int64(seats) * int64(2000+r.IntN(8000)),
		ticketMul:  0.5 + r.Float64(),
		touchEvery: 0.5 + 3*r.Float64()*r.Float64(),
	}
	switch x := r.Float64(); {
	case x < 0.07: // dormant: barely used
		pr.activeP *= 0.15
	case x < 0.15: // new: started inside the period
		pr.startDay = r.IntN(max(1, g.p.Days-14))
	case x < 0.19: // drifting: slowly used less, without leaving
		pr.drift = 0.0005 + 0.001*r.Float64()
	}
	pr.fate(r, g.p.Days)
	return pr
}

// fate draws whether and how the account churns, or whether it dips and
// recovers, and its sponsor's fate.
func (pr *profile) fate(r *rand.Rand, days int) {
	// Time to churn is exponential from the start (memoryless), or from
	// 30 days after it for an account that starts inside the period.
	from := 0
	if pr.startDay >= 0 {
		from = pr.startDay + 30
	}
	t := -math.Log(1-r.Float64()) * 365 / annualChurn[pr.segment]
	if d := from + int(t); d < days {
		pr.churnDay = d
	}
	departedP := 0.04
	if pr.churnDay >= 0 && r.Float64() < 0.75 {
		pr.warned = true
		pr.warnDay = max(pr.churnDay-30-r.IntN(91), pr.startDay)
		pr.floor = 0.03 + 0.22*r.Float64()
		switch x := r.Float64(); {
		case x < 0.50:
			pr.payFate = payFailed
		case x < 0.70:
			pr.payFate = payOverdue
		case x < 0.80:
			pr.payFate = payLate
		}
		if r.Float64() < 0.55 {
			pr.pulse = pick(r, "red", "red", "red", "yellow", "yellow")
		}
		departedP = 0.30
	}
	if pr.churnDay < 0 && r.Float64() < 0.12 {
		pr.dipStart = r.IntN(days)
		pr.dipEnd = pr.dipStart + 25 + r.IntN(41)
		pr.dipDepth = 0.5 + 0.3*r.Float64()
		pr.dipLate = r.Float64() < 0.3
		if r.Float64() < 0.4 {
			pr.dipPulse = pick(r, "yellow", "yellow", "red")
		}
	}
	pr.departed = r.Float64() < departedP
}

func pick(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }

// live reports whether the account exists and has not churned on day d.
func (pr profile) live(d int) bool { return d >= pr.startDay && (pr.churnDay < 0 || d < pr.churnDay) }

// fading reports whether day d is in the fade before a churn.
func (pr profile) fading(d int) bool { return pr.warned && d >= pr.warnDay }

// dipping reports whether day d is in a dip.
func (pr profile) dipping(d int) bool { return d >= pr.dipStart && d < pr.dipEnd }

// health is the account's engagement on day d relative to its normal,
// 0 < health <= 1: 1 when nothing is wrong, falling through a fade or a
// dip. Usage, tickets and touches follow it.
func (pr profile) health(d int) float64 {
	h := 1.0
	if pr.fading(d) && pr.churnDay > pr.warnDay {
		x := float64(d-pr.warnDay) / float64(pr.churnDay-pr.warnDay)
		h = 1 - (1-pr.floor)*math.Sqrt(x)
	}
	if pr.dipping(d) {
		x := float64(d-pr.dipStart) / float64(pr.dipEnd-pr.dipStart)
		h *= 1 - pr.dipDepth*math.Sin(math.Pi*x)
	}
	if pr.drift > 0 {
		h *= max(0.3, 1-pr.drift*float64(d))
	}
	return h
}

// troubled reports whether day d is in a fade or a dip: tickets then turn
// negative and a pulse may say so.
func (pr profile) troubled(d int) bool { return pr.fading(d) || pr.dipping(d) }
