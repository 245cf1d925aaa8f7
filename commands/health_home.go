package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
)

// What "your day" lists of each kind before "…and N more".
const (
	homeAccounts = 10
	homeLines    = 8
)

// home answers "/health home".
func (s *Service) home(ctx context.Context, caller Caller, _ Command) (Reply, error) {
	return s.Home(ctx, caller)
}

// Home is the caller's day: their open tasks with buttons, their
// accounts worst first with the week's trend, their renewals in the next
// 90 days and the pulses to refresh; MRR only for a caller whose role
// sees it. It answers /health home and is the Slack App Home tab; the
// scheduled "your day" message is the same view.
func (s *Service) Home(ctx context.Context, caller Caller) (Reply, error) {
	csm, err := s.Store.CSMByChatUser(ctx, caller.Platform, caller.UserID)
	if errors.Is(err, models.ErrNotFound) {
		return Reply{Ephemeral: true, Colour: "grey", Title: "Your day",
			Text: "I don't know which CSM you are here, so I cannot show your day. Say it with /health iam HANDLE (the name in your accounts' owner column); meanwhile /health lists every account and /health tasks all every open task."}, nil
	}
	if err != nil {
		return Reply{}, fmt.Errorf("home: %w", err)
	}
	day := s.today()
	// Only this CSM's accounts and those of their open tasks are read,
	// ranked by the database: the day costs the same whatever the
	// portfolio.
	owner := csm.Handle
	tasks, err := s.Store.OpenTasks(ctx, &owner)
	if err != nil {
		return Reply{}, fmt.Errorf("home: %w", err)
	}
	var also []uint
	for _, t := range tasks {
		also = append(also, t.AccountID)
	}
	pg, err := s.page(ctx, day, models.ScoreFilter{Owner: owner, Also: also}, 0, true)
	if err != nil {
		return Reply{}, fmt.Errorf("home: %w", err)
	}
	days, err := s.daysOf(ctx, day, []string{owner}, pg.rows, tasks)
	if err != nil {
		return Reply{}, fmt.Errorf("home: %w", err)
	}
	// Private unless asked for in public: the row shows MRR (Spec.MRR).
	return days[csm.Handle].reply(day, csm, s.Config.Windows.PulseDays, caller.Role.SeesMRR()), nil
}

// csmDay is what one CSM's day shows.
type csmDay struct {
	accounts []Scored // owned, worst first
	trend    map[uint]int
	tasks    taskView // open tasks owned, soonest due first
}

// days gathers the day of each CSM in handles with a constant number of
// queries: every account's score read once, every open task read once.
func (s *Service) days(ctx context.Context, day time.Time, handles []string) (map[string]*csmDay, error) {
	pf, err := s.portfolio(ctx, day)
	if err != nil {
		return nil, err
	}
	tasks, err := s.Store.OpenTasks(ctx, nil)
	if err != nil {
		return nil, err
	}
	return s.daysOf(ctx, day, handles, pf.scored, tasks)
}

// daysOf is days from the accounts scored (those the CSMs own and those
// of their tasks at least) and the open tasks.
func (s *Service) daysOf(ctx context.Context, day time.Time, handles []string, scored []Scored, tasks []models.Task) (map[string]*csmDay, error) {
	out := make(map[string]*csmDay, len(handles))
	for _, h := range handles {
		out[h] = &csmDay{tasks: taskView{accounts: map[uint]accountNow{}}}
	}
	var owned []Scored
	byID := make(map[uint]Scored, len(scored))
	for _, sc := range scored {
		byID[sc.Account.ID] = sc
		if d := out[sc.Account.Owner]; d != nil && sc.Account.Owner != "" {
			d.accounts = append(d.accounts, sc)
			owned = append(owned, sc)
		}
	}
	trend, err := s.trends(ctx, day, owned)
	if err != nil {
		return nil, err
	}
	pulses, err := s.lastPulses(ctx, day, owned)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		d := out[t.Owner]
		sc, ok := byID[t.AccountID]
		if d == nil || t.Owner == "" || !ok {
			continue
		}
		d.tasks.tasks = append(d.tasks.tasks, t)
		d.tasks.accounts[t.AccountID] = accountNowOf(sc)
	}
	for _, d := range out {
		for i := range d.accounts {
			d.accounts[i].Recency.LastPulse = pulses[d.accounts[i].Account.ID]
		}
		d.trend = trend
		sortWorstFirst(d.accounts, true)
		sortTasks(d.tasks.tasks)
	}
	return out, nil
}

// due reports whether the day has a task due today or overdue that is not
// snoozed past today: what makes the scheduled "your day" worth sending.
func (d *csmDay) due(day time.Time) bool {
	today := day.Format(models.DayLayout)
	for _, t := range d.tasks.tasks {
		if t.DueOn <= today && (t.SnoozedUntil == nil || *t.SnoozedUntil < today) {
			return true
		}
	}
	return false
}

// reply lays out a CSM's day, with MRR when money.
func (d *csmDay) reply(day time.Time, csm models.CSM, pulseDays int, money bool) Reply {
	name := csm.Name
	if name == "" {
		name = csm.Handle
	}
	r := Reply{Colour: "grey", Title: fmt.Sprintf("Your day — %s (%s)", day.Format("Mon 2 Jan 2006"), name)}
	renewing := renewingWithin(d.accounts, day, 90)
	stale := stalePulses(d.accounts, day, pulseDays)
	late := len(overdue(d.tasks.tasks, day))
	r.Text = fmt.Sprintf("%s · %s (%d overdue) · %s in 90 days · %s to refresh",
		countNoun(len(d.accounts), "account"), countNoun(len(d.tasks.tasks), "open task"), late,
		countNoun(len(renewing), "renewal"), countNoun(len(stale), "pulse"))
	if late > 0 {
		r.Colour = "orange"
	}
	if len(d.tasks.tasks) == 0 {
		r.Sections = append(r.Sections, Section{Title: "Open tasks", Text: "None: nothing the plays opened is waiting for you."})
	} else {
		r.Sections = append(r.Sections, d.tasks.sections(day, false)...)
	}
	if len(d.accounts) > 0 {
		var lines []string
		for i, sc := range d.accounts {
			if i == homeAccounts {
				lines = append(lines, fmt.Sprintf("…and %d more: /health lists them all", len(d.accounts)-homeAccounts))
				break
			}
			l := sc.Account.Name + " — " + scoreWithTrend(sc.Result, d.trend)
			if money {
				l += " · MRR " + fmtMoney(sc.Account.MRRCents)
			}
			lines = append(lines, l)
		}
		r.Sections = append(r.Sections, Section{Title: "Your accounts, worst first", Text: strings.Join(lines, "\n")})
	}
	if len(renewing) > 0 {
		sortWorstFirst(renewing, money)
		r.Sections = append(r.Sections, Section{Title: "Renewals in the next 90 days", Text: renewalLines(renewing, len(renewing), d.trend, day, homeLines, false, money)})
	}
	if len(stale) > 0 {
		r.Sections = append(r.Sections, Section{Title: "Pulses to refresh", Text: stale.lines(day, homeLines)})
	}
	return r
}

// stale is the accounts whose pulse no longer counts, with its day (nil:
// never pulsed).
type stale []Scored

// stalePulses keeps the accounts without a pulse in the last pulseDays
// days, the longest without first.
func stalePulses(accounts []Scored, day time.Time, pulseDays int) stale {
	var out stale
	for _, sc := range accounts {
		n := pulseDays
		if sc.Config != nil && sc.Config.Windows.PulseDays > 0 {
			n = sc.Config.Windows.PulseDays // the account's profile's
		}
		if p := sc.Recency.LastPulse; p == nil || dayDiff(*p, day) >= n {
			out = append(out, sc)
		}
	}
	// Never pulsed first, then the oldest pulse first.
	sort.SliceStable(out, func(i, j int) bool { return older(out[i], out[j]) })
	return out
}

func older(a, b Scored) bool {
	pa, pb := a.Recency.LastPulse, b.Recency.LastPulse
	switch {
	case pa == nil || pb == nil:
		return pa == nil && pb != nil
	}
	return pa.Before(*pb)
}

func (st stale) lines(day time.Time, limit int) string {
	var lines []string
	for i, sc := range st {
		if i == limit {
			lines = append(lines, fmt.Sprintf("…and %d more", len(st)-limit))
			break
		}
		when := "no pulse yet"
		if p := sc.Recency.LastPulse; p != nil {
			when = "last pulse " + countNoun(dayDiff(*p, day), "day") + " ago"
		}
		lines = append(lines, fmt.Sprintf("%s — %s: /pulse %s red|yellow|green", sc.Account.Name, when, sc.Account.Slug))
	}
	return strings.Join(lines, "\n")
}

// QueueYourDay sends each CSM with a task due today or overdue their day
// as a direct message, on every platform of the Planner where their chat
// user is known: once per CSM and day, whatever the replicas and
// restarts, since each message's dedupe key is "your_day/DAY/HANDLE/…".
// A CSM with nothing due is left in peace.
func (s *Service) QueueYourDay(ctx context.Context, day time.Time) error {
	if s.Planner == nil || len(s.Planner.Platforms) == 0 {
		return nil
	}
	tasks, err := s.Store.OpenTasks(ctx, nil)
	if err != nil {
		return fmt.Errorf("your day: %w", err)
	}
	var handles []string
	seen := map[string]bool{}
	for _, t := range tasks {
		if t.Owner != "" && !seen[t.Owner] {
			seen[t.Owner] = true
			handles = append(handles, t.Owner)
		}
	}
	if len(handles) == 0 {
		return nil
	}
	days, err := s.days(ctx, day, handles)
	if err != nil {
		return fmt.Errorf("your day: %w", err)
	}
	csms, err := s.Store.CSMsByHandle(ctx, handles)
	if err != nil {
		return fmt.Errorf("your day: %w", err)
	}
	var msgs []models.OutboxMessage
	for _, h := range handles {
		d := days[h]
		if !d.due(day) {
			continue
		}
		csm := csms[h]
		if csm.Handle == "" {
			csm.Handle = h
		}
		// Sent to a CSM about their own accounts: with MRR.
		payload, err := encodeReply(d.reply(day, csm, s.Config.Windows.PulseDays, true))
		if err != nil {
			return err
		}
		for _, tg := range directTargets(s.Planner.Platforms, csm) {
			msgs = append(msgs, models.OutboxMessage{Platform: tg.Platform, Channel: tg.Channel, Kind: models.KindYourDay, Payload: payload,
				DedupeKey: fmt.Sprintf("your_day/%s/%s/%s/%s", day.Format(models.DayLayout), h, tg.Platform, tg.Channel)})
		}
	}
	if err := s.Store.EnqueueAll(ctx, msgs, s.now()); err != nil {
		return fmt.Errorf("your day: %w", err)
	}
	return nil
}
