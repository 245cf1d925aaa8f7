package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// ChartName is the file name of the summary chart attachment.
const ChartName = "health-8-weeks.png"

// QueueWeeklySummary builds the weekly summary as of day and queues it for
// the default channel of each platform, once per period: the outbox dedupe
// key "summary/PERIOD/PLATFORM/CHANNEL" makes a second run of the same
// period (another replica, a restart) queue nothing.
func (a *Alerter) QueueWeeklySummary(ctx context.Context, period string, day time.Time) error {
	sum, err := a.Service.WeeklySummary(ctx, day)
	if err != nil {
		return err
	}
	var png []byte
	if a.Chart != nil {
		if png, err = a.Chart(sum.Weeks); err != nil {
			a.logger().Warn("summary chart failed; sending the summary without it", "err", err)
			png = nil
		}
	}
	return a.broadcast(ctx, models.KindSummary, period, sum.Reply, png)
}

// QueueCriticalDigest queues the day's list of Critical accounts (seed 002
// "daily monitoring") to the default channel of each platform; with no
// Critical account it queues nothing.
func (a *Alerter) QueueCriticalDigest(ctx context.Context, period string, day time.Time) error {
	rep, ok, err := a.Service.CriticalDigest(ctx, day)
	if err != nil || !ok {
		return err
	}
	return a.broadcast(ctx, models.KindDigest, period, rep, nil)
}

func (a *Alerter) broadcast(ctx context.Context, kind, period string, rep Reply, png []byte) error {
	payload, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	for _, p := range a.Platforms {
		ch := a.Config.Channels.Default[p]
		if ch == "" {
			a.logger().Warn("no default channel for "+kind, "platform", p)
			continue
		}
		m := &models.OutboxMessage{
			Platform: p, Channel: ch, Kind: kind, Payload: string(payload),
			DedupeKey: kind + "/" + period + "/" + p + "/" + ch,
		}
		if png != nil {
			m.Attachment, m.AttachName = png, ChartName
		}
		if _, err := a.Service.Store.Enqueue(ctx, m, a.now()); err != nil {
			return fmt.Errorf("queue %s: %w", kind, err)
		}
	}
	return nil
}

// CriticalDigest lists the accounts Critical on day, worst first; ok is
// false when there is none.
func (s *Service) CriticalDigest(ctx context.Context, day time.Time) (Reply, bool, error) {
	heads, err := s.Store.LatestSnapshotHeads(ctx, day)
	if err != nil {
		return Reply{}, false, fmt.Errorf("critical digest: %w", err)
	}
	var crit []models.Snapshot
	for _, sn := range byAccountID(heads) {
		if sn.Status == string(scoring.Critical) {
			crit = append(crit, sn)
		}
	}
	if len(crit) == 0 {
		return Reply{}, false, nil
	}
	accounts, err := s.Store.ActiveAccounts(ctx, day)
	if err != nil {
		return Reply{}, false, fmt.Errorf("critical digest: %w", err)
	}
	byID := map[uint]models.Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	sort.SliceStable(crit, func(i, j int) bool { return crit[i].Score < crit[j].Score })
	rep := Reply{Colour: "red", Title: fmt.Sprintf("Critical accounts — %s", day.Format("Mon 2 Jan 2006")),
		Text: countNoun(len(crit), "account") + " need urgent outreach."}
	var f []Field
	for _, sn := range crit {
		a, ok := byID[sn.AccountID]
		if !ok {
			continue
		}
		owner := "no owner"
		if a.Owner != "" {
			owner = "@" + a.Owner
		}
		f = append(f, Field{Label: a.Name, Value: fmt.Sprintf("%d · MRR %s · %s · last scored %s", sn.Score, fmtMoney(a.MRRCents), owner, sn.Day)})
	}
	rep.Sections = []Section{{Fields: f}}
	rep.Buttons = []Button{{Label: "Critical list", Action: "/health list critical"}}
	return rep, true, nil
}
