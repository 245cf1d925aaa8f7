package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
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
	// Platforms are the configured chat platforms ("slack", "discord",
	// "console"); each alert goes to its routed channel on every one.
	Platforms []string
	Now       func() time.Time
	Log       *slog.Logger

	// Service builds the weekly summary and the critical digest for
	// QueueWeeklySummary and QueueCriticalDigest.
	Service *Service
	// Chart renders the summary's 8-week status chart as PNG (bot/chart's
	// StatusPNG); nil sends the summary without it.
	Chart func(weeks []StatusWeek) ([]byte, error)
}

// OnRescore is the Service.OnRescore hook: it compares each account's new
// result with its previous snapshot and its rule states, stores fired
// alerts under their dedupe keys, and queues one message per platform for
// each alert stored by this call (an alert already stored by another
// replica or an earlier run is not queued again).
func (a *Alerter) OnRescore(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) error {
	if len(scored) == 0 {
		return nil
	}
	rules := a.Config.AlertRules()
	ids := make([]uint, len(scored))
	var owners []string
	for i, sc := range scored {
		ids[i] = sc.Account.ID
		if sc.Account.Owner != "" {
			owners = append(owners, sc.Account.Owner)
		}
	}
	states, err := tx.AlertStates(ctx, ids)
	if err != nil {
		return err
	}
	snoozed, err := tx.SnoozedAccounts(ctx, day)
	if err != nil {
		return err
	}
	changed := map[uint]scoring.ArmStates{}
	var fired []firedAlert
	for _, sc := range scored {
		cur, err := a.point(ctx, tx, sc)
		if err != nil {
			return err
		}
		var prev *scoring.AlertPoint
		if sc.Previous != nil {
			prev = &scoring.AlertPoint{Known: sc.Previous.Known, Score: sc.Previous.Score}
		}
		alerts, next := scoring.Evaluate(rules, sc.Account.ID, prev, cur, states[sc.Account.ID])
		if !sameStates(states[sc.Account.ID], next) {
			changed[sc.Account.ID] = next
		}
		for _, al := range alerts {
			fired = append(fired, firedAlert{alert: al, scored: sc, mergedInto: mergedInto(al, alerts), tells: toldBy(al, alerts)})
		}
	}
	if err := tx.SaveAlertStates(ctx, changed); err != nil {
		return err
	}
	if len(fired) == 0 {
		return nil
	}
	csms, err := tx.CSMsByHandle(ctx, owners)
	if err != nil {
		return err
	}
	for _, f := range fired {
		if err := a.record(ctx, tx, day, f, snoozed[f.scored.Account.ID], csms[f.scored.Account.Owner]); err != nil {
			return err
		}
	}
	return nil
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

// point is what the rules need to know of a scored account now. The red
// pulse is looked up only when the result carries the pulse cap, i.e. a
// red pulse is in force.
func (a *Alerter) point(ctx context.Context, tx *models.Store, sc Scored) (scoring.AlertPoint, error) {
	p := scoring.AlertPoint{
		Known:           sc.Result.Known,
		Score:           sc.Result.Score,
		SponsorDeparted: sc.Account.SponsorStatus == "departed",
	}
	for _, o := range sc.Result.Overrides {
		if o.Rule != scoring.RulePulseRed {
			continue
		}
		pl, err := tx.LatestPulse(ctx, sc.Account.ID)
		if err != nil {
			return p, fmt.Errorf("alerts: latest pulse of %s: %w", sc.Account.Slug, err)
		}
		if pl.Colour == scoring.Red {
			p.RedPulse = strconv.FormatUint(uint64(pl.ID), 10)
			p.RedReason = pl.Reason
		}
	}
	return p, nil
}

// record stores one fired alert and, unless it was stored before, muted
// by a snooze, or merged into a more urgent one, queues its messages.
func (a *Alerter) record(ctx context.Context, tx *models.Store, day time.Time, f firedAlert, snoozed bool, owner models.CSM) error {
	al, acc := f.alert, f.scored.Account
	rec := models.AlertRecord{
		DedupeKey: al.DedupeKey(), AccountID: acc.ID, Rule: al.Rule, Arming: al.Arming,
		Day: day.Format(models.DayLayout), FromScore: al.From, ToScore: al.To, Reason: al.Reason,
		Muted: snoozed || f.mergedInto != "", CreatedAt: a.now().UTC(),
	}
	created, err := tx.InsertAlert(ctx, &rec)
	if err != nil {
		return err
	}
	if !created || rec.Muted {
		return nil
	}
	for _, t := range Targets(a.Config.Channels, a.Platforms, acc) {
		msg := AlertMessage(AlertInput{
			Alert: rec, Account: acc, Result: f.scored.Result, Previous: f.scored.Previous,
			Owner: owner, Platform: t.Platform, Config: a.Config, Tells: f.tells,
		})
		payload, err := json.Marshal(msg)
		if err != nil {
			return fmt.Errorf("alerts: encode message: %w", err)
		}
		id := rec.ID
		_, err = tx.Enqueue(ctx, &models.OutboxMessage{
			Platform: t.Platform, Channel: t.Channel, Kind: models.KindAlert, Payload: string(payload),
			DedupeKey: "alert/" + rec.DedupeKey + "/" + t.Platform + "/" + t.Channel, AlertID: &id,
		}, a.now())
		if err != nil {
			return err
		}
	}
	if len(a.Platforms) > 0 && len(Targets(a.Config.Channels, a.Platforms, acc)) == 0 {
		a.logger().Warn("alert has no channel: set channels.default in the config", "key", rec.DedupeKey, "account", acc.Slug)
	}
	return nil
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

// accountChannel is the account's own channel on platform, "" when none.
func accountChannel(channel, platform string) string {
	for _, part := range strings.Split(channel, ",") {
		part = strings.TrimSpace(part)
		if p, c, ok := strings.Cut(part, ":"); ok && isPlatform(p) {
			if p == platform {
				return c
			}
			continue
		}
		if part != "" {
			return part
		}
	}
	return ""
}

func isPlatform(p string) bool { return p == "slack" || p == "discord" || p == "console" }

func sameStates(a, b scoring.ArmStates) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
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
