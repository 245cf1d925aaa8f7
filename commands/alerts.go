package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// Alerter evaluates the alert rules after every rescore and queues the
// messages in the outbox, inside the rescore's transaction: the alert,
// its rule state and its messages commit with the snapshots they were
// decided from, or not at all. Wire it as Service.OnRescore = alerter.OnRescore.
type Alerter struct {
	Config scoring.Config
	// Platforms are the configured chat platforms (of commands.Platforms);
	// each alert goes to its routed channel on every one.
	Platforms []string
	Now       func() time.Time
	Log       *slog.Logger

	// Service builds the weekly summary and the critical digest for
	// QueueWeeklySummary and QueueCriticalDigest.
	Service *Service
	// Chart renders the summary's 8-week status chart as PNG (bot/chart's
	// StatusPNG); nil sends the summary without it.
	Chart func(weeks []StatusWeek) ([]byte, error)

	// Planner, when set, runs the plays after the alerts, in the same
	// transaction and with the alerts that fired: tasks open and escalate
	// with the snapshots they were decided from.
	Planner *Planner
}

// OnRescore is the Service.OnRescore hook: it compares each account's new
// result with its previous snapshot and its rule states, stores fired
// alerts under their dedupe keys, and queues one message per platform for
// each alert stored by this call (an alert already stored by another
// replica or an earlier run is not queued again); then the Planner, if
// any, runs the plays.
func (a *Alerter) OnRescore(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) error {
	if len(scored) == 0 {
		return nil
	}
	p, ok := ctx.Value(rescorePlanKey{}).(*rescorePlan)
	if !ok || p.by != a || !p.day.Equal(day) || len(p.scored) != len(scored) || &p.scored[0] != &scored[0] {
		var err error
		if p, err = a.plan(ctx, tx, day, scored); err != nil {
			return err
		}
	}
	if err := a.saveAlerts(ctx, tx, day, p.alerts); err != nil {
		return err
	}
	if a.Planner == nil {
		return nil
	}
	return a.Planner.applyPlays(ctx, tx, day, scored, p.plays)
}

// rescorePlan is what OnRescore decides for one rescore before it writes:
// the alert rules' and the plays' states, evaluated (Alerter.plan).
type rescorePlan struct {
	by     *Alerter // whose rules and plays; another Alerter plans again
	day    time.Time
	scored []Scored // the rescore's own slice, each with its Previous set
	alerts alertPlan
	plays  playsPlan
}

type rescorePlanKey struct{}

// Plan is the Service.PlanRescore hook: it reads what the alert rules
// and the plays compare the scores with (arm states, snoozes, red pulses,
// trigger states) on store, the pool, and evaluates them, returning ctx
// carrying the result for OnRescore, which then only writes it. The daily
// rescore calls it beside its snapshots' COPY, once the previous heads
// are read: the evaluation, 0.26-0.44 s of Go at 100,000 accounts, then
// runs on the core the COPY's trigger leaves idle instead of after it.
// Those reads see what a read in the transaction would have, a moment
// earlier: the rescore writes none of those tables before OnRescore, and
// a pulse or snooze committed meanwhile is one OnRescore would have raced
// with all the same (see Prefetch).
func (a *Alerter) Plan(ctx context.Context, store *models.Store, day time.Time, scored []Scored) (context.Context, error) {
	if len(scored) == 0 {
		return ctx, nil
	}
	p, err := a.plan(ctx, store, day, scored)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, rescorePlanKey{}, p), nil
}

// plan reads on store and evaluates the alert rules, then the plays.
func (a *Alerter) plan(ctx context.Context, store *models.Store, day time.Time, scored []Scored) (*rescorePlan, error) {
	alerts, err := a.planAlerts(ctx, store, day, scored)
	if err != nil {
		return nil, err
	}
	p := &rescorePlan{by: a, day: day, scored: scored, alerts: alerts}
	if a.Planner != nil {
		if p.plays, err = a.Planner.planPlays(ctx, store, day, scored, alerts.fired); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// alertPlan is the alert rules' verdict on a rescore: the arm states that
// change, the alerts that fire, and what their messages need to know.
type alertPlan struct {
	changed map[uint]scoring.ArmStates
	fired   []firedAlert
	snoozed map[uint]bool
	owners  []string // the accounts' owners, each once
}

// planAlerts reads on store what the rules compare with, and evaluates
// them for every scored account.
func (a *Alerter) planAlerts(ctx context.Context, store *models.Store, day time.Time, scored []Scored) (alertPlan, error) {
	rules := a.Config.AlertRules()
	ids := make([]uint, len(scored))
	var owners []string
	seenOwner := map[string]bool{}
	for i, sc := range scored {
		ids[i] = sc.Account.ID
		if o := sc.Account.Owner; o != "" && !seenOwner[o] {
			seenOwner[o] = true
			owners = append(owners, o)
		}
	}
	states, err := armStates(ctx, store, ids)
	if err != nil {
		return alertPlan{}, err
	}
	snoozed, err := store.SnoozedAccounts(ctx, day)
	if err != nil {
		return alertPlan{}, err
	}
	reds, err := a.redPulses(ctx, store, day, scored)
	if err != nil {
		return alertPlan{}, err
	}
	changed := map[uint]scoring.ArmStates{}
	var fired []firedAlert
	for _, sc := range scored {
		cur := point(sc, reds)
		var prev *scoring.AlertPoint
		if sc.Previous != nil {
			prev = &scoring.AlertPoint{Known: sc.Previous.Known, Score: sc.Previous.Score}
		}
		alerts, next := scoring.EvaluateChanges(rules, sc.Account.ID, prev, cur, states[sc.Account.ID])
		if next != nil {
			changed[sc.Account.ID] = next
		}
		for _, al := range alerts {
			fired = append(fired, firedAlert{alert: al, scored: sc, mergedInto: mergedInto(al, alerts), tells: toldBy(al, alerts)})
		}
	}
	return alertPlan{changed: changed, fired: fired, snoozed: snoozed, owners: owners}, nil
}

// saveAlerts writes an alertPlan in tx: the changed states, and the fired
// alerts (not stored yet by another replica or an earlier run) with their
// messages.
func (a *Alerter) saveAlerts(ctx context.Context, tx *models.Store, day time.Time, p alertPlan) error {
	if err := tx.SaveAlertStates(ctx, p.changed); err != nil {
		return err
	}
	if len(p.fired) == 0 {
		return nil
	}
	csms, err := tx.CSMsByHandle(ctx, p.owners)
	if err != nil {
		return err
	}
	return a.record(ctx, tx, day, p.fired, p.snoozed, csms)
}

// Prefetch starts reading every account's arm states on store (the
// pool, not a transaction) and returns ctx carrying them for Plan (or
// OnRescore), which then waits for them instead of reading them after the
// day's snapshots are written. It is Service.PrefetchRescore: the daily rescore
// calls it before its write transaction, so the read (466,500 rows at
// 100,000 accounts, 0.4-0.7 s) runs beside the snapshots' COPY, whose
// trigger keeps one core busy and leaves the other idle. The states are
// then read, as the rescore's signals were, before its own writes rather
// than after its COPY; a write rescoring an account
// meanwhile (a pulse) may have changed that account's states, as it may
// its signals, and the daily rescore's states for it are written over
// them just as they would have been had it read them later.
func (a *Alerter) Prefetch(ctx context.Context, store *models.Store) context.Context {
	p := &prefetchedStates{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.states, p.err = store.AllAlertStates(ctx)
	}()
	return context.WithValue(ctx, prefetchedStatesKey{}, p)
}

type prefetchedStatesKey struct{}

// prefetchedStates is the read Prefetch started; done is closed when
// states or err is set.
type prefetchedStates struct {
	done   chan struct{}
	states map[uint]scoring.ArmStates
	err    error
}

// armStates is the arm states of the accounts ids: the ones Prefetch read
// when ctx carries them, else read in tx.
func armStates(ctx context.Context, tx *models.Store, ids []uint) (map[uint]scoring.ArmStates, error) {
	p, ok := ctx.Value(prefetchedStatesKey{}).(*prefetchedStates)
	if !ok {
		return tx.AlertStates(ctx, ids)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("load alert states: %w", ctx.Err())
	}
	return p.states, p.err
}

type firedAlert struct {
	alert  scoring.Alert
	scored Scored
	// mergedInto is the rule of the alert fired with this one whose
	// message tells it too: this one is stored, not posted apart.
	mergedInto string
	// tells lists the rules merged into this alert's message.
	tells []string
}

// mergedInto is the rule whose message also tells al, "" when al is posted
// on its own. Only below_60 merges: one fall through both lines is one
// message (below_40), and a below_60 caused by the cap of a red pulse or a
// departed sponsor fired in the same rescore is told by that alert, so one
// click on "red" does not post two messages to the channel.
func mergedInto(al scoring.Alert, all []scoring.Alert) string {
	if al.Rule != scoring.AlertBelow60 {
		return ""
	}
	for _, rule := range []string{scoring.AlertBelow40, scoring.AlertSponsorLeft, scoring.AlertPulseRed} {
		for _, o := range all {
			if o.Rule == rule {
				return rule
			}
		}
	}
	return ""
}

// toldBy lists the rules of all that are merged into al's message.
func toldBy(al scoring.Alert, all []scoring.Alert) []string {
	var out []string
	for _, o := range all {
		if mergedInto(o, all) == al.Rule {
			out = append(out, o.Rule)
		}
	}
	return out
}

// redPulses loads the latest pulse of every account in the pulse window,
// in one query, when some result carries the pulse cap (a red pulse is in
// force); nil otherwise. The rules need the pulse's id and reason, which
// the result does not carry.
func (a *Alerter) redPulses(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) (map[uint]models.Pulse, error) {
	// The window is the longest of the accounts' profiles': a profile may
	// restate pulse_days, and the latest pulse in it is each one's latest.
	window, capped := pulseDays(a.Config), false
	for _, sc := range scored {
		for _, o := range sc.Result.Overrides {
			if o.Rule == scoring.RulePulseRed {
				capped = true
				window = max(window, pulseDays(*sc.configOr(&a.Config)))
			}
		}
	}
	if capped {
		reds, err := tx.LatestPulseBy(ctx, day.AddDate(0, 0, -(window-1)), day)
		if err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		return reds, nil
	}
	return nil, nil
}

// point is what the rules need to know of a scored account now; reds are
// the latest pulses by account (redPulses).
func point(sc Scored, reds map[uint]models.Pulse) scoring.AlertPoint {
	p := scoring.AlertPoint{
		Known:           sc.Result.Known,
		Score:           sc.Result.Score,
		SponsorDeparted: sc.Account.SponsorStatus == "departed",
	}
	for _, o := range sc.Result.Overrides {
		if o.Rule != scoring.RulePulseRed {
			continue
		}
		if pl, ok := reds[sc.Account.ID]; ok && pl.Colour == scoring.Red {
			p.RedPulse = strconv.FormatUint(uint64(pl.ID), 10)
			p.RedReason = pl.Reason
		}
	}
	return p
}

// record stores the fired alerts and queues the messages of those this
// call stored (not stored before by another replica or an earlier run),
// unless muted by a snooze or merged into a more urgent one: one statement
// for the alerts and one for their messages, however many fired.
func (a *Alerter) record(ctx context.Context, tx *models.Store, day time.Time, fired []firedAlert, snoozed map[uint]bool, csms map[string]models.CSM) error {
	recs := make([]models.AlertRecord, len(fired))
	for i, f := range fired {
		al, acc := f.alert, f.scored.Account
		recs[i] = models.AlertRecord{
			DedupeKey: al.DedupeKey(), AccountID: acc.ID, Rule: al.Rule, Arming: al.Arming,
			Day: day.Format(models.DayLayout), FromScore: al.From, ToScore: al.To, Reason: al.Reason,
			Muted: snoozed[acc.ID] || f.mergedInto != "", CreatedAt: a.now().UTC(),
		}
	}
	created, err := tx.InsertAlerts(ctx, recs)
	if err != nil {
		return err
	}
	previous, err := a.fullPrevious(ctx, tx, day, fired, recs, created)
	if err != nil {
		return err
	}
	var msgs []models.OutboxMessage
	for i, f := range fired {
		rec, acc := recs[i], f.scored.Account
		id, ok := created[rec.DedupeKey]
		if !ok || rec.Muted {
			continue
		}
		rec.ID = id
		// The same snapshot the rules compared with, not a newer one
		// another transaction committed in between.
		if p, ok := previous[acc.ID]; ok && f.scored.Previous != nil && p.ID == f.scored.Previous.ID {
			f.scored.Previous = &p
		}
		targets := Targets(a.Config.Channels, a.Platforms, acc)
		if len(a.Platforms) > 0 && len(targets) == 0 {
			a.logger().Warn("alert has no channel: set channels.default in the config", "key", rec.DedupeKey, "account", acc.Slug)
		}
		for _, t := range targets {
			msg := AlertMessage(AlertInput{
				Alert: rec, Account: acc, Result: f.scored.Result, Previous: f.scored.Previous,
				Owner: csms[acc.Owner], Platform: t.Platform, Config: a.Config, Tells: f.tells,
			})
			payload, err := json.Marshal(msg)
			if err != nil {
				return fmt.Errorf("alerts: encode message: %w", err)
			}
			msgs = append(msgs, models.OutboxMessage{
				Platform: t.Platform, Channel: t.Channel, Kind: models.KindAlert, Payload: string(payload),
				DedupeKey: "alert/" + rec.DedupeKey + "/" + t.Platform + "/" + t.Channel, AlertID: &id,
			})
		}
	}
	return tx.EnqueueAll(ctx, msgs, a.now())
}

// fullPrevious loads, in one statement, the full previous snapshots of the
// accounts whose alerts will be posted and whose Scored.Previous is only a
// head (a full Rescore reads heads): the message says which components
// moved, from the previous Subscores and Details. Nil when none is needed.
func (a *Alerter) fullPrevious(ctx context.Context, tx *models.Store, day time.Time, fired []firedAlert, recs []models.AlertRecord, created map[string]uint) (map[uint]models.Snapshot, error) {
	var ids []uint
	seen := map[uint]bool{}
	for i, f := range fired {
		p := f.scored.Previous
		if _, ok := created[recs[i].DedupeKey]; !ok || recs[i].Muted || p == nil || p.Subscores != "" || p.Details != "" || seen[p.AccountID] {
			continue
		}
		seen[p.AccountID] = true
		ids = append(ids, p.AccountID)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	prev, err := tx.PreviousSnapshots(ctx, day, ids)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return prev, nil
}

// Target is one place a message goes.
type Target struct {
	Platform string
	Channel  string
}

// Targets routes a message about acc: on each platform, the account's own
// channel, else its segment's, else the platform default; platforms with
// none of these get nothing. Account.Channel is either a bare channel (used
// on every platform) or "platform:channel" (used on that platform only,
// e.g. "slack:C0123" or "discord:1234567890").
func Targets(ch scoring.ChannelsConfig, platforms []string, acc models.Account) []Target {
	var out []Target
	for _, p := range platforms {
		if c := ch.For(p, acc.Segment, accountChannel(acc.Channel, p)); c != "" {
			out = append(out, Target{Platform: p, Channel: c})
		}
	}
	return out
}

func (a *Alerter) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Alerter) logger() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}
