package commands

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// Planner runs the plays of the config (scoring.Play): after every
// rescore, inside its transaction, the alerts that fired and the state
// triggers that became true open a task per (account, play) for the
// account's owner, or update the one already open, and an open task
// overdue by its play's escalate_after_days is sent to the owner's
// manager. Tasks, their history and their messages commit with the
// snapshots they were decided from, or not at all; every firing is
// recorded under its dedupe key, so replicas and re-runs that see it
// again change nothing. Wire it as Alerter.Planner: it needs the alerts
// the Alerter fired.
type Planner struct {
	Config scoring.Config
	// Platforms are where tasks are sent (of commands.Platforms): a
	// direct message to the owner on each platform where the owner's
	// chat user is known; the console, whose users are CSM handles,
	// shows them to the CSM between commands.
	Platforms []string
	Now       func() time.Time
	Log       *slog.Logger
}

// trigger is one firing that opens or updates the tasks of the plays on it.
type trigger struct {
	sc     Scored
	name   string // the alert rule or state trigger
	key    string // the firing's dedupe key, "7/below_40/1"
	detail string // what happened, for the task's history
}

// playsPlan is the plays' verdict on a rescore (Alerter.OnRescore plans
// them after the alert rules, with the alerts that fired): the triggers
// that fire and the trigger states that change.
type playsPlan struct {
	triggers []trigger
	changed  map[uint]map[string]scoring.TriggerState
}

// planPlays reads the trigger states on store and evaluates the alert
// and state triggers, without writing.
func (p *Planner) planPlays(ctx context.Context, store *models.Store, day time.Time, scored []Scored, fired []firedAlert) (playsPlan, error) {
	if len(scored) == 0 {
		return playsPlan{}, nil
	}
	triggers := p.alertTriggers(fired)
	states, changed, err := p.stateTriggers(ctx, store, day, scored)
	if err != nil {
		return playsPlan{}, err
	}
	return playsPlan{triggers: append(triggers, states...), changed: changed}, nil
}

// applyPlays writes a playsPlan in tx: the changed trigger states, the
// tasks the triggers open, the escalations due, and their messages.
func (p *Planner) applyPlays(ctx context.Context, tx *models.Store, day time.Time, scored []Scored, plan playsPlan) error {
	if len(scored) == 0 {
		return nil
	}
	if err := tx.SaveTriggerStates(ctx, plan.changed, p.now()); err != nil {
		return fmt.Errorf("plays: %w", err)
	}
	touched, err := p.openTasks(ctx, tx, day, plan.triggers)
	if err != nil {
		return err
	}
	escalated, err := p.escalate(ctx, tx, day, scored)
	if err != nil {
		return err
	}
	ids := append(touched, escalated...)
	if len(ids) == 0 {
		return nil
	}
	now := make(map[uint]accountNow, len(scored))
	for _, sc := range scored {
		now[sc.Account.ID] = accountNowOf(sc)
	}
	return p.syncMessages(ctx, tx, day, ids, now)
}

// alertTriggers are the fired alerts that open plays. An alert merged
// into another one's message (a below_60 told by the below_40 or the red
// pulse that caused it) opens nothing of its own when the alert it is
// merged into opens a play: one event, one task.
func (p *Planner) alertTriggers(fired []firedAlert) []trigger {
	var out []trigger
	for _, f := range fired {
		if f.mergedInto != "" && len(p.Config.PlaysOn(f.mergedInto)) > 0 {
			continue
		}
		if len(p.Config.PlaysOn(f.alert.Rule)) == 0 {
			continue
		}
		out = append(out, trigger{sc: f.scored, name: f.alert.Rule, key: f.alert.DedupeKey(), detail: alertDetail(f.alert)})
	}
	return out
}

// alertDetail says what an alert saw: "the score fell below 40 (48 → 35)".
func alertDetail(al scoring.Alert) string {
	move := ""
	if al.From >= 0 && al.To >= 0 {
		move = fmt.Sprintf(" (%d → %d)", al.From, al.To)
	}
	switch al.Rule {
	case scoring.AlertBelow40:
		return "the score fell below 40" + move
	case scoring.AlertBelow60:
		return "the score fell below 60" + move
	case scoring.AlertAbove80:
		return "the score reached 80" + move
	case scoring.AlertPulseRed:
		if al.Reason != "" {
			return "a red pulse was recorded (" + al.Reason + ")"
		}
		return "a red pulse was recorded"
	case scoring.AlertSponsorLeft:
		return "the executive sponsor left"
	}
	return al.Rule
}

// stateTriggers steps the state triggers some play names for every
// scored account, reading their states on store, and returns those that
// fired and the states that changed (saved by applyPlays): one query
// whatever the number of accounts.
func (p *Planner) stateTriggers(ctx context.Context, store *models.Store, day time.Time, scored []Scored) ([]trigger, map[uint]map[string]scoring.TriggerState, error) {
	used := p.Config.UsedStateTriggers()
	if len(used) == 0 {
		return nil, nil, nil
	}
	ids := make([]uint, len(scored))
	for i, sc := range scored {
		ids[i] = sc.Account.ID
	}
	states, err := store.TriggerStates(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("plays: %w", err)
	}
	changed := map[uint]map[string]scoring.TriggerState{}
	var out []trigger
	for _, sc := range scored {
		pt := triggerPoint(day, sc)
		cfg := sc.configOr(&p.Config) // the account's profile's windows and engagement bands
		for _, name := range used {
			holds := cfg.Holds(name, pt)
			st := states[sc.Account.ID][name]
			next, fired := st.Step(holds)
			if next != st {
				if changed[sc.Account.ID] == nil {
					changed[sc.Account.ID] = map[string]scoring.TriggerState{}
				}
				changed[sc.Account.ID][name] = next
			}
			if fired {
				out = append(out, trigger{sc: sc, name: name, key: scoring.TriggerKey(sc.Account.ID, name, next.Arming), detail: stateDetail(name, pt, *cfg)})
			}
		}
	}
	return out, changed, nil
}

// triggerPoint is what the state triggers know of a scored account on day.
func triggerPoint(day time.Time, sc Scored) scoring.TriggerPoint {
	pt := scoring.TriggerPoint{
		Day: day, Known: sc.Result.Known, Status: sc.Result.Status,
		LastTouch: sc.Recency.LastTouch, TouchesConnected: sc.Recency.TouchesConnected, LastPulse: sc.Recency.LastPulse,
	}
	if sc.Account.RenewalOn != nil {
		if d, ok := storedDay(*sc.Account.RenewalOn); ok {
			pt.RenewalOn = &d
		}
	}
	return pt
}

// stateDetail says why a state trigger holds: "renews on 2025-05-30 (in
// 88 days) while At-risk".
func stateDetail(name string, pt scoring.TriggerPoint, cfg scoring.Config) string {
	switch name {
	case scoring.TriggerRenewalAtRisk:
		return fmt.Sprintf("renews on %s (in %s) while %s", pt.RenewalOn.Format(models.DayLayout), countNoun(dayDiff(pt.Day, *pt.RenewalOn), "day"), pt.Status)
	case scoring.TriggerNoTouch:
		if pt.LastTouch == nil {
			return "never touched"
		}
		return fmt.Sprintf("no touch for %s (engagement falls to low after %d)", countNoun(dayDiff(*pt.LastTouch, pt.Day), "day"), cfg.Engagement.MediumMaxDays)
	case scoring.TriggerPulseStale:
		return fmt.Sprintf("the latest pulse is %s old: please refresh it", countNoun(dayDiff(*pt.LastPulse, pt.Day), "day"))
	}
	return name
}

// taskGroup is the triggers of one rescore on one (account, play).
type taskGroup struct {
	pair  models.TaskPair
	play  scoring.Play
	sc    Scored
	trigs []trigger
	task  models.Task // the open task, once known
	fresh bool        // this call opened it
}

// eventKey is the dedupe key of a trigger's line in a play's task history.
func eventKey(t trigger, play string) string { return t.key + "/" + play }

// openTasks opens a task for each (account, play) that a trigger fired on
// and that has none open, and records every new firing in its task's
// history (a second trigger updates the open task: it is counted, and its
// due day never moves later). Firings already recorded (another replica,
// an earlier run of the day) are skipped. It returns the tasks it opened
// or updated; a constant number of statements whatever the triggers.
func (p *Planner) openTasks(ctx context.Context, tx *models.Store, day time.Time, triggers []trigger) ([]uint, error) {
	if len(triggers) == 0 {
		return nil, nil
	}
	var groups []*taskGroup
	byPair := map[models.TaskPair]*taskGroup{}
	var keys []string
	for _, t := range triggers {
		for _, play := range p.Config.PlaysOn(t.name) {
			pair := models.TaskPair{AccountID: t.sc.Account.ID, Play: play.Name}
			g := byPair[pair]
			if g == nil {
				g = &taskGroup{pair: pair, play: play, sc: t.sc}
				byPair[pair] = g
				groups = append(groups, g)
			}
			g.trigs = append(g.trigs, t)
			keys = append(keys, eventKey(t, play.Name))
		}
	}
	known, err := tx.TaskEventKeys(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	var live []*taskGroup
	var accounts []uint
	for _, g := range groups {
		g.trigs = slices.DeleteFunc(g.trigs, func(t trigger) bool { return known[eventKey(t, g.play.Name)] })
		if len(g.trigs) > 0 {
			live = append(live, g)
			accounts = append(accounts, g.pair.AccountID)
		}
	}
	if len(live) == 0 {
		return nil, nil
	}
	if err := p.findOpen(ctx, tx, live, accounts); err != nil {
		return nil, err
	}
	if err := p.insertTasks(ctx, tx, day, live); err != nil {
		return nil, err
	}
	return p.recordTriggers(ctx, tx, day, live)
}

// findOpen fills in the open task of each group that has one.
func (p *Planner) findOpen(ctx context.Context, tx *models.Store, groups []*taskGroup, accounts []uint) error {
	open, err := tx.OpenTasksOf(ctx, accounts)
	if err != nil {
		return fmt.Errorf("plays: %w", err)
	}
	byPair := map[models.TaskPair]models.Task{}
	for _, t := range open {
		byPair[models.TaskPair{AccountID: t.AccountID, Play: t.Play}] = t
	}
	for _, g := range groups {
		if t, ok := byPair[g.pair]; ok {
			g.task = t
		}
	}
	return nil
}

// insertTasks opens the tasks of the groups that have none. A group whose
// task another transaction opened meanwhile is given that task instead.
func (p *Planner) insertTasks(ctx context.Context, tx *models.Store, day time.Time, groups []*taskGroup) error {
	var rows []models.Task
	var raced []uint
	for _, g := range groups {
		if g.task.ID != 0 {
			continue
		}
		rows = append(rows, models.Task{
			AccountID: g.pair.AccountID, Play: g.play.Name, Title: g.play.TaskTitle(g.sc.Account.Name),
			Steps: joinLines(g.play.Steps), Owner: g.sc.Account.Owner, OpenedOn: day.Format(models.DayLayout),
			DueOn: g.play.DueOn(day).Format(models.DayLayout), EscalateAfter: g.play.EscalateAfterDays,
			Triggers: len(g.trigs), LastTrigger: g.trigs[len(g.trigs)-1].name,
		})
	}
	if len(rows) == 0 {
		return nil
	}
	ids, err := tx.InsertTasks(ctx, rows, p.now())
	if err != nil {
		return fmt.Errorf("plays: %w", err)
	}
	for i := range rows {
		rows[i].ID = ids[models.TaskPair{AccountID: rows[i].AccountID, Play: rows[i].Play}]
	}
	byPair := map[models.TaskPair]models.Task{}
	for _, r := range rows {
		byPair[models.TaskPair{AccountID: r.AccountID, Play: r.Play}] = r
	}
	var late []*taskGroup
	for _, g := range groups {
		if g.task.ID != 0 {
			continue
		}
		if t := byPair[g.pair]; t.ID != 0 {
			g.task, g.fresh = t, true
			continue
		}
		late = append(late, g)
		raced = append(raced, g.pair.AccountID)
	}
	if len(late) == 0 {
		return nil
	}
	return p.findOpen(ctx, tx, late, raced)
}

// recordTriggers writes each group's firings into its task's history and
// counts them on tasks that were already open.
func (p *Planner) recordTriggers(ctx context.Context, tx *models.Store, day time.Time, groups []*taskGroup) ([]uint, error) {
	var events []models.TaskEvent
	at := p.now()
	for _, g := range groups {
		if g.task.ID == 0 {
			// Opened and closed by others between our reads: the next
			// firing will open a new one.
			continue
		}
		for i, t := range g.trigs {
			kind := models.EventTriggered
			if g.fresh && i == 0 {
				kind = models.EventOpened
			}
			key := eventKey(t, g.play.Name)
			events = append(events, models.TaskEvent{TaskID: g.task.ID, Kind: kind, Trigger: t.name, Key: &key,
				Day: day.Format(models.DayLayout), Detail: t.detail, At: at})
		}
	}
	stored, err := tx.InsertTaskEvents(ctx, events)
	if err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	byTask := make(map[uint]*taskGroup, len(groups))
	for _, g := range groups {
		byTask[g.task.ID] = g
	}
	var audits []models.AuditRecord
	for _, e := range events {
		if g := byTask[e.TaskID]; stored[*e.Key] {
			audits = append(audits, models.TaskAudit(at, playsActor, e.TaskID, g.play.Name, g.pair.AccountID, triggerChanges(e)...))
		}
	}
	if err := tx.AuditAll(ctx, audits); err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	var ids []uint
	var again []models.TaskRetrigger
	for _, g := range groups {
		if g.task.ID == 0 {
			continue
		}
		if g.fresh {
			ids = append(ids, g.task.ID)
			continue
		}
		r := models.TaskRetrigger{TaskID: g.task.ID, DueOn: g.play.DueOn(day).Format(models.DayLayout)}
		for _, t := range g.trigs {
			if stored[eventKey(t, g.play.Name)] {
				r.Count++
				r.Trigger = t.name
			}
		}
		if r.Count > 0 {
			again = append(again, r)
			ids = append(ids, g.task.ID)
		}
	}
	if err := tx.RetriggerTasks(ctx, again, at); err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	return ids, nil
}

// escalate sends each open task of the scored accounts that is overdue by
// its play's escalate_after_days to the owner's manager, or to the
// account's channel when the owner has none: once, since the task is
// marked escalated in the same statement that decides it.
func (p *Planner) escalate(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) ([]uint, error) {
	ids := make([]uint, len(scored))
	for i := range scored {
		ids[i] = scored[i].Account.ID
	}
	due, err := tx.TasksToEscalate(ctx, day, ids)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	// The results of the accounts with a task due only, by pointer: a map
	// of every account's 528-byte result was 80 MB a day at 100,000.
	byID := make(map[uint]*Scored, len(due))
	for _, t := range due {
		byID[t.AccountID] = nil
	}
	for i := range scored {
		if _, ok := byID[scored[i].Account.ID]; ok {
			byID[scored[i].Account.ID] = &scored[i]
		}
	}
	taskIDs := make([]uint, len(due))
	var owners []string
	for i, t := range due {
		taskIDs[i] = t.ID
		if t.Owner != "" {
			owners = append(owners, t.Owner)
		}
	}
	marked, err := tx.MarkEscalated(ctx, taskIDs, day)
	if err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	managers, err := managersOf(ctx, tx, owners)
	if err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	var msgs []models.OutboxMessage
	var events []models.TaskEvent
	var audits []models.AuditRecord
	var out []uint
	for _, t := range due {
		if !marked[t.ID] {
			continue
		}
		sc := byID[t.AccountID]
		mgr, hasMgr := managers[t.Owner]
		targets := directTargets(p.Platforms, mgr)
		to := "the manager " + handleLabel(mgr.Handle)
		if !hasMgr || len(targets) == 0 {
			targets = Targets(p.Config.Channels, p.Platforms, sc.Account)
			to = "the account's channel"
			if hasMgr {
				to += " (the manager " + handleLabel(mgr.Handle) + " has no chat user here)"
			}
		}
		if len(targets) == 0 && len(p.Platforms) > 0 {
			p.logger().Warn("overdue task has nowhere to go: set the owner's manager or channels.default", "task", t.ID, "account", sc.Account.Slug)
		}
		id := t.ID
		for _, tg := range targets {
			msg := EscalationMessage(t, sc.Account, accountNowOf(*sc), tg.Platform, day)
			payload, err := encodeReply(msg)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, models.OutboxMessage{Platform: tg.Platform, Channel: tg.Channel, Kind: models.KindEscalation,
				Payload: payload, DedupeKey: fmt.Sprintf("escalation/%d/%s/%s", t.ID, tg.Platform, tg.Channel), TaskID: &id})
		}
		detail := fmt.Sprintf("%s overdue: sent to %s", countNoun(overdueDays(t, day), "day"), to)
		events = append(events, models.TaskEvent{TaskID: t.ID, Kind: models.EventEscalated, Day: day.Format(models.DayLayout),
			Detail: detail, At: p.now()})
		audits = append(audits, models.TaskAudit(p.now(), playsActor, t.ID, t.Play, t.AccountID,
			models.Change{Field: "escalated", New: detail}))
		out = append(out, t.ID)
	}
	if _, err := tx.InsertTaskEvents(ctx, events); err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	if err := tx.AuditAll(ctx, audits); err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	if err := tx.EnqueueAll(ctx, msgs, p.now()); err != nil {
		return nil, fmt.Errorf("plays: %w", err)
	}
	return out, nil
}

// managersOf is who hears of a CSM's overdue tasks, by CSM handle.
func managersOf(ctx context.Context, tx *models.Store, handles []string) (map[string]models.CSM, error) {
	return tx.ManagersOf(ctx, handles)
}

// playsActor is who the audit trail names for what the plays do on
// their own: healthbot's scheduled work.
var playsActor = models.Actor{Origin: models.OriginScheduler, Name: "healthbot plays"}

// triggerChanges is what a trigger did to its task, for the audit trail:
// opened it (status, trigger) or fired again on it (trigger).
func triggerChanges(e models.TaskEvent) []models.Change {
	c := []models.Change{{Field: "trigger", New: e.Trigger + ": " + e.Detail}}
	if e.Kind == models.EventOpened {
		c = append([]models.Change{{Field: "status", New: "open"}}, c...)
	}
	return c
}

// overdueDays is how many days past its due day a task is on day.
func overdueDays(t models.Task, day time.Time) int {
	due, ok := storedDay(t.DueOn)
	if !ok {
		return 0
	}
	return max(dayDiff(due, day), 0)
}

// directTargets are the direct messages to a person on each platform
// where their chat user is known: on the console, where users are CSM
// handles, the handle.
func directTargets(platforms []string, who models.CSM) []Target {
	var out []Target
	for _, p := range platforms {
		if id := who.ChatID(p); id != "" {
			out = append(out, Target{Platform: p, Channel: models.UserChannel(id)})
		}
	}
	return out
}

func handleLabel(h string) string {
	if h == "" {
		return "(none)"
	}
	return "@" + h
}

func (p *Planner) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Planner) logger() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}
