package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
)

// seed fixes the portfolio: the same seed and day give the same rows.
const seed = 20260301

// account is one generated account with its history, before ids exist.
type account struct {
	arch     string
	row      models.Account
	activity []models.Activity
	tickets  []models.Ticket
	touches  []models.Touch
	pulses   []models.Pulse
	surveys  []models.Survey
	invoices []models.Invoice
	mrr      []models.MRRChange
}

// portfolio is everything Load writes.
type portfolio struct{ accounts []*account }

// generate builds the portfolio with history up to today (midnight in the
// organisation's zone). Each account draws from its own random stream,
// numbered by its position; the history before the archetypes' six months
// comes from a second stream per account, so that adding it changed none
// of the rows, and none of the scores, the demo had before.
func generate(today time.Time) *portfolio {
	p := &portfolio{}
	i := 0
	first := today.AddDate(0, 0, -(HistoryDays - 1))
	for _, a := range archetypes {
		for k := 0; k < a.count; k++ {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			v := a.vary(rng, k)
			ac := genAccount(rng, v, i, today, today.AddDate(0, 0, -(recentDays-1)))
			ac.genEarly(rand.New(rand.NewPCG(seed, earlyStream+uint64(i))), v, i, today, first)
			if ac.row.ChurnedOn != nil {
				ac.mrr = append(ac.mrr, models.MRRChange{EffectiveOn: *ac.row.ChurnedOn, MRRCents: 0})
			}
			p.accounts = append(p.accounts, ac)
			i++
		}
	}
	for _, c := range churners {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		last := today.AddDate(0, 0, -c.ago-1)
		ac := genAccount(rng, c.archetype, i, last, first)
		ac.churn(last)
		p.accounts = append(p.accounts, ac)
		i++
	}
	return p
}

func day(t time.Time) string { return t.Format(models.DayLayout) }

func dayPtr(t time.Time) *string { s := day(t); return &s }

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

func slugify(name string) string {
	return strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

func between(rng *rand.Rand, r [2]int) int { return r[0] + rng.IntN(r[1]-r[0]+1) }

// closeOfDay is 18:00 on day: after any working-hours time at gives
// (09:00 to 17:00), so a ticket opened that day can close that day, and
// its CSAT answer an hour later is still the same day.
func closeOfDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 18, 0, 0, 0, day.Location())
}

// at is a working-hours time on the day daysAgo before today.
func at(rng *rand.Rand, today time.Time, daysAgo int) time.Time {
	return today.AddDate(0, 0, -daysAgo).Add(time.Duration(9*60+rng.IntN(8*60)) * time.Minute)
}

// vary is the archetype as its k-th account sees it: its tweak applied and
// the touch recency moved by up to two days either way, so no two accounts
// of a kind share every figure.
func (a archetype) vary(rng *rand.Rand, k int) archetype {
	if len(a.tweaks) > 0 {
		t := a.tweaks[k%len(a.tweaks)]
		if t.pNow > 0 {
			a.pNow = t.pNow
		}
		a.featNow = max(a.featNow+t.featDelta, 0)
		a.lastTouchAgo += t.touchDelta
		if t.payment != "" {
			a.payment = t.payment
		}
		if t.calm {
			a.escalatedOpen = false
		}
	}
	a.lastTouchAgo = max(a.lastTouchAgo+rng.IntN(5)-2, 1)
	return a
}

// genAccount generates account i of archetype a with history from first
// (or its start date) up to today, the account's last day.
func genAccount(rng *rand.Rand, a archetype, i int, today, first time.Time) *account {
	name := names[i%len(names)]
	started := today.AddDate(0, 0, -between(rng, a.startedAgo))
	mrrNow := int64(between(rng, a.mrr)) * 100
	segment, plan := segmentOf(mrrNow)
	ac := &account{arch: a.name}
	ac.row = models.Account{
		ExternalID:    fmt.Sprintf("demo-%03d", i+1),
		Name:          name,
		Slug:          slugify(name),
		Plan:          plan,
		Segment:       segment,
		MRRCents:      mrrNow,
		Seats:         between(rng, a.users) + 5 + rng.IntN(10),
		Owner:         CSMs[i%len(CSMs)].Handle,
		StartedOn:     dayPtr(started),
		SponsorName:   sponsorNames[rng.IntN(len(sponsorNames))],
		SponsorTitle:  sponsorTitles[rng.IntN(len(sponsorTitles))],
		SponsorStatus: "active",
	}
	renewal := started
	for !renewal.After(today) {
		renewal = renewal.AddDate(1, 0, 0)
	}
	ac.row.RenewalOn = dayPtr(renewal)
	if a.firstValueDays > 0 && !started.AddDate(0, 0, a.firstValueDays).After(today) {
		ac.row.FirstValueOn = dayPtr(started.AddDate(0, 0, a.firstValueDays))
	}
	if a.sponsorLeft {
		ac.row.SponsorStatus = "departed"
	}
	last := today // the last day with history
	if a.churnedAgo > 0 {
		last = today.AddDate(0, 0, -a.churnedAgo)
		ac.row.ChurnedOn = dayPtr(last)
	}
	// History starts on first, or on the start date when it is later.
	if started.After(first) {
		first = started
	}
	ac.genHistory(rng, a, today, first, last)
	ac.genMRR(a, today, started, mrrNow)
	return ac
}

// genHistory generates the account's rows of every kind but MRR from
// first to last, as archetype a describes them seen from today.
func (ac *account) genHistory(rng *rand.Rand, a archetype, today, first, last time.Time) {
	ac.genActivity(rng, a, today, first, last)
	ac.genTickets(rng, a, today, first, last)
	ac.genTouches(rng, a, today, first, last)
	ac.genPulses(rng, a, today, first, last)
	ac.genSurveys(rng, a, today, first, last)
	ac.genInvoices(rng, a, today, first, last)
}

// level interpolates a then/now figure for the day ago days before the
// account's last day.
func level(a archetype, then, now float64, ago int) float64 {
	span := float64(recentDays)
	from := float64(recentDays)
	if a.declineFrom > 0 {
		to := a.declineTo
		if to == 0 {
			to = 30
		}
		span, from = float64(a.declineFrom-to), float64(a.declineFrom)
	}
	// progress is 0 before the change starts and 1 once it is complete
	// (by default over the last 30 days).
	progress := (from - float64(ago)) / span
	progress = min(max(progress, 0), 1)
	return then + (now-then)*progress
}

// dipFactor scales the chance of activity ago days before the last day:
// 1 outside the archetype's dip, down to 0.25 in its middle.
func (a archetype) dipFactor(ago int) float64 {
	from, to := a.dip[0], a.dip[1]
	if from <= to || ago > from || ago < to {
		return 1
	}
	x := float64(from-ago) / float64(from-to)
	return 1 - 0.75*math.Sin(math.Pi*x)
}

func (ac *account) genActivity(rng *rand.Rand, a archetype, today, first, last time.Time) {
	users := between(rng, a.users)
	order := rng.Perm(len(Features))
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		ago := int(today.Sub(d).Hours()/24 + 0.5)
		p := level(a, a.pThen, a.pNow, ago) * a.dipFactor(ago)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			p *= 0.25
		}
		nfeat := int(level(a, float64(a.featThen), float64(a.featNow), ago) + 0.5)
		for u := 0; u < users; u++ {
			if rng.Float64() >= p {
				continue
			}
			user := fmt.Sprintf("%s-user%02d", ac.row.Slug, u+1)
			if nfeat == 0 {
				ac.activity = append(ac.activity, models.Activity{Day: day(d), UserID: user})
				continue
			}
			// Each active user-day records one feature in use; over a
			// month every feature in use is seen. In a decline, the users
			// still coming are the keen ones: featPerDay features each
			// (neighbours in the account's order).
			f, n := rng.IntN(nfeat), 1
			if ago < a.declineFrom {
				n = max(min(a.featPerDay, nfeat), 1)
			}
			for k := range n {
				ac.activity = append(ac.activity, models.Activity{Day: day(d), UserID: user, Feature: Features[order[(f+k)%nfeat]]})
			}
		}
	}
}

func (ac *account) genTickets(rng *rand.Rand, a archetype, today, first, last time.Time) {
	if a.ticketsPer90 == 0 {
		return
	}
	days := int(last.Sub(first).Hours()/24) + 1
	n := a.ticketsPer90 * days / 90
	total := a.sentiment[0] + a.sentiment[1] + a.sentiment[2]
	for k := 0; k < n; k++ {
		ago := int(today.Sub(last).Hours()/24) + rng.IntN(days)
		opened := at(rng, today, ago)
		t := models.Ticket{
			ExternalID: fmt.Sprintf("%s-T%03d", ac.row.ExternalID, k+1),
			OpenedAt:   opened.UTC(),
			Severity:   severities[rng.IntN(len(severities))],
		}
		switch w := rng.IntN(total); {
		case w < a.sentiment[0]:
			t.Sentiment = "positive"
		case w < a.sentiment[0]+a.sentiment[1]:
			t.Sentiment = "neutral"
		default:
			t.Sentiment = "negative"
		}
		// Recent tickets may still be open; older ones closed within days,
		// but never after today: a recent one closes today at the latest.
		if ago > 6 || rng.IntN(3) > 0 {
			closed := opened.Add(time.Duration(2+rng.IntN(200)) * time.Hour)
			if end := closeOfDay(today); closed.After(end) {
				closed = end
			}
			closed = closed.UTC()
			t.ClosedAt = &closed
		}
		ac.tickets = append(ac.tickets, t)
	}
	ac.genTroubleTickets(rng, a, today, first, last)
	if a.escalatedOpen {
		opened := at(rng, today, 9)
		ac.tickets = append(ac.tickets, models.Ticket{
			ExternalID: ac.row.ExternalID + "-T999", OpenedAt: opened.UTC(),
			Sentiment: "negative", Escalated: true, Severity: "urgent",
		})
	}
}

func (ac *account) genTouches(rng *rand.Rand, a archetype, today, first, last time.Time) {
	if a.touchEvery == 0 {
		return
	}
	by := ac.row.Owner
	k := 0
	for ago := a.lastTouchAgo; ; ago += a.touchGap(ago) - 2 + rng.IntN(5) {
		t := at(rng, today, ago)
		if t.Before(first) {
			return
		}
		if t.After(last.AddDate(0, 0, 1)) {
			continue
		}
		k++
		ac.touches = append(ac.touches, models.Touch{
			At: t.UTC(), Kind: touchKinds[rng.IntN(len(touchKinds))],
			Exec: a.execEvery > 0 && k%a.execEvery == 1,
			Note: touchNotes[rng.IntN(len(touchNotes))], By: by,
		})
	}
}

func (ac *account) genPulses(rng *rand.Rand, a archetype, today, first, last time.Time) {
	// The archetype's colours end with the latest one, a pulse every three
	// weeks or so before it.
	for k := len(a.pulses) - 1; k >= 0; k-- {
		ago := a.pulseAgo + (len(a.pulses)-1-k)*(18+rng.IntN(7))
		t := at(rng, today, ago)
		if t.Before(first) {
			break
		}
		p := models.Pulse{At: t.UTC(), Colour: a.pulses[k], By: ac.row.Owner}
		if p.Colour == "red" {
			p.Reason = a.redReason
			p.Note = "flagged in the account review"
		}
		ac.pulses = append(ac.pulses, p)
	}
}

func (ac *account) genSurveys(rng *rand.Rand, a archetype, today, first, last time.Time) {
	if a.nps == [2]int{} {
		return
	}
	// NPS every two months from a few respondents; CSAT after some closed tickets.
	for ago := 20 + rng.IntN(20); ; ago += 60 {
		t := at(rng, today, ago)
		if t.Before(first) {
			break
		}
		if t.After(last.AddDate(0, 0, 1)) {
			continue
		}
		for r := range 1 + rng.IntN(3) {
			ac.surveys = append(ac.surveys, models.Survey{
				Kind: "nps", Score: between(rng, a.nps), At: t.Add(time.Duration(r) * time.Hour).UTC(),
				Respondent: fmt.Sprintf("contact%d@%s.example", r+1, ac.row.Slug),
			})
		}
	}
	for _, t := range ac.tickets {
		if t.ClosedAt == nil || rng.IntN(2) == 0 {
			continue
		}
		score := 1 + (a.nps[0]+rng.IntN(a.nps[1]-a.nps[0]+1))*4/10
		ac.surveys = append(ac.surveys, models.Survey{
			Kind: "csat", Score: min(score, 5), At: t.ClosedAt.Add(time.Hour),
			Respondent: "requester@" + ac.row.Slug + ".example",
		})
	}
}

func (ac *account) genInvoices(rng *rand.Rand, a archetype, today, first, last time.Time) {
	// Monthly invoices issued on the 1st, due on the 15th.
	y, m, _ := first.Date()
	k := 0
	for due := time.Date(y, m, 15, 0, 0, 0, 0, today.Location()); !due.After(last.AddDate(0, 0, 20)); due = due.AddDate(0, 1, 0) {
		if due.AddDate(0, 0, -14).Before(first) {
			continue
		}
		k++
		inv := models.Invoice{
			ExternalID:  fmt.Sprintf("%s-INV%03d", ac.row.ExternalID, k),
			AmountCents: ac.row.MRRCents,
			DueOn:       day(due),
			Status:      "paid",
		}
		paid := due.AddDate(0, 0, -rng.IntN(6))
		daysPastDue := int(today.Sub(due).Hours() / 24)
		switch {
		case due.After(today):
			inv.Status, paid = "open", time.Time{}
		case a.payment == "late" && daysPastDue > 30 && daysPastDue < 150 && k%2 == 0:
			paid = due.AddDate(0, 0, 4+rng.IntN(15))
		}
		inv.PaidOn = nil
		if !paid.IsZero() && !paid.After(today) {
			inv.PaidOn = dayPtr(paid)
		} else if inv.Status == "paid" {
			inv.Status = "open"
		}
		ac.invoices = append(ac.invoices, inv)
	}
	// The most recent invoice already due decides the overdue and failed
	// bands; with payDays, every invoice due in those last days does.
	since := day(today.AddDate(0, 0, -a.payDays))
	for j := len(ac.invoices) - 1; j >= 0; j-- {
		inv := &ac.invoices[j]
		if inv.DueOn >= day(today) {
			continue
		}
		if a.payDays > 0 && inv.DueOn < since {
			break
		}
		switch a.payment {
		case "overdue":
			inv.Status, inv.PaidOn = "open", nil
		case "failed":
			inv.Status, inv.PaidOn = "failed", nil
		}
		if a.payDays == 0 {
			break
		}
	}
}

func (ac *account) genMRR(a archetype, today, started time.Time, mrrNow int64) {
	if a.mrrChange == 0 {
		ac.mrr = append(ac.mrr, models.MRRChange{EffectiveOn: day(started), MRRCents: mrrNow})
		return
	}
	before := int64(float64(mrrNow) / (1 + a.mrrChange))
	ac.mrr = append(ac.mrr,
		models.MRRChange{EffectiveOn: day(started), MRRCents: before},
		models.MRRChange{EffectiveOn: day(today.AddDate(0, 0, -a.mrrChangeAgo)), MRRCents: mrrNow})
}

func (p *portfolio) stats() Stats {
	s := Stats{CSMs: len(CSMs), ByArchetype: map[string]int{}}
	for _, a := range p.accounts {
		s.Accounts++
		if a.row.ChurnedOn != nil {
			s.Churned++
		}
		s.ByArchetype[a.arch]++
		s.Activity += len(a.activity)
		s.Tickets += len(a.tickets)
		s.Touches += len(a.touches)
		s.Pulses += len(a.pulses)
		s.Surveys += len(a.surveys)
		s.Invoices += len(a.invoices)
		s.MRRChanges += len(a.mrr)
	}
	return s
}
