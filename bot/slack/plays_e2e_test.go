package slack_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/outbox"
	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// playsStart is day 0 of the plays scenario, a Monday.
var playsStart = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

func playsDay(k int) time.Time { return playsStart.AddDate(0, 0, k) }
func playsDayStr(k int) string { return playsDay(k).Format(models.DayLayout) }

// playsReplica is one healthbot process: its own store handle, service
// (with the real Alerter and Planner), Slack adapter and outbox worker,
// over the shared database and the one Slack stand-in.
type playsReplica struct {
	store  *models.Store
	svc    *commands.Service
	worker *outbox.Worker
}

// playsClock is the replicas' shared clock, set between steps.
type playsClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *playsClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *playsClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newPlaysReplica(t *testing.T, open func() *models.Store, api *fakeSlack, clock *playsClock) *playsReplica {
	t.Helper()
	s := open()
	log := slog.New(slog.DiscardHandler)
	cfg := scoring.Default()
	cfg.ValueFeatures = []string{"reports", "dashboards"}
	cfg.Channels.Default = map[string]string{"slack": "C-health"}
	svc := &commands.Service{Store: s, Config: cfg, Now: clock.Now, Log: log}
	planner := &commands.Planner{Config: cfg, Platforms: []string{commands.Slack}, Now: clock.Now, Log: log}
	al := &commands.Alerter{Config: cfg, Platforms: []string{commands.Slack}, Now: clock.Now, Log: log, Service: svc, Planner: planner}
	svc.OnRescore, svc.Planner = al.OnRescore, planner
	a, err := slackbot.New(slackbot.Config{BotToken: "xoxb-test", APIURL: api.APIURL(), TeamIDs: []string{team}}, svc, log)
	if err != nil {
		t.Fatal(err)
	}
	a.Now = clock.Now
	t.Cleanup(func() { _ = a.Close() })
	w := outbox.New(s, log, a)
	w.Now = clock.Now
	return &playsReplica{store: s, svc: svc, worker: w}
}

// deliver runs the worker until the queue is empty.
func (r *playsReplica) deliver(t *testing.T) {
	t.Helper()
	for {
		n, err := r.worker.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// both runs fn on every replica at once, as replicas with synchronised
// clocks would, and waits for them all.
func both(t *testing.T, rs []*playsReplica, fn func(r *playsReplica) error) {
	t.Helper()
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() {
			if err := fn(r); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// seedPlays stores maria (Slack U1) and her manager ana (U9), and Acme
// Corp at 55: usage 100 (two users a day), adoption 0 (no value feature
// used), support 75 (an old ticket connects the source), engagement 0
// (last touch 200 days ago), payment 100 → 30 + 0 + 15 + 0 + 10 = 55.
func seedPlays(t *testing.T, s *models.Store) uint {
	t.Helper()
	ctx := context.Background()
	create := func(v any) {
		t.Helper()
		if err := s.DB().Create(v).Error; err != nil {
			t.Fatal(err)
		}
	}
	create(&[]models.CSM{{Handle: "maria", Name: "Maria", SlackUserID: "U1"}, {Handle: "ana", Name: "Ana", SlackUserID: "U9"}})
	if _, err := s.SetManager(ctx, "maria", "ana"); err != nil {
		t.Fatal(err)
	}
	acc := models.Account{ExternalID: "X-acme", Name: "Acme Corp", Slug: "acme", MRRCents: 420000, Seats: 10, Owner: "maria", SponsorStatus: "active"}
	create(&acc)
	var acts []models.Activity
	for d := -40; d <= 20; d++ {
		for u := range 2 {
			acts = append(acts, models.Activity{AccountID: acc.ID, Day: playsDayStr(d), UserID: fmt.Sprintf("u%d", u)})
		}
	}
	create(&acts)
	closed := playsDay(-199)
	create(&models.Ticket{ExternalID: "T0", AccountID: acc.ID, OpenedAt: playsDay(-200), OpenedDay: playsDayStr(-200), ClosedAt: &closed, Sentiment: "neutral"})
	create(&models.Touch{AccountID: acc.ID, At: playsDay(-200), Day: playsDayStr(-200), Kind: "call", By: "Maria"})
	paid := playsDayStr(-21)
	create(&models.Invoice{ExternalID: "I0", AccountID: acc.ID, AmountCents: 420000, DueOn: playsDayStr(-20), PaidOn: &paid, Status: "paid"})
	return acc.ID
}

// TestPlaysEndToEnd is issue 16's scenario on SQLite and PostgreSQL, with
// two replicas running every rescore at once and a restart halfway: an
// account falls below 40 → one save task, one direct message to its
// owner; a red pulse the next day updates the same task (its message is
// edited, not posted again); nobody acts for the escalation period → one
// message to the owner's manager. Re-running days changes none of it.
func TestPlaysEndToEnd(t *testing.T) {
	run := func(t *testing.T, open func() *models.Store) {
		api := newFakeSlack(t)
		clock := &playsClock{}
		replicas := func() []*playsReplica {
			return []*playsReplica{newPlaysReplica(t, open, api, clock), newPlaysReplica(t, open, api, clock)}
		}
		rs := replicas()
		acme := seedPlays(t, rs[0].store)
		ctx := context.Background()
		day := func(k int) {
			t.Helper()
			clock.set(playsDay(k).Add(6 * time.Hour))
			both(t, rs, func(r *playsReplica) error { _, err := r.svc.Rescore(ctx, playsDay(k)); return err })
			both(t, rs, func(r *playsReplica) error { r.deliver(t); return nil })
		}
		posts := func(channel string) int {
			n := 0
			for _, m := range api.posted() {
				if m.Channel == channel {
					n++
				}
			}
			return n
		}
		updates := func(channel string) int {
			n := 0
			for _, c := range api.calledWith("chat.update") {
				if c.Form.Get("channel") == channel {
					n++
				}
			}
			return n
		}
		tasks := func() []models.Task {
			var out []models.Task
			if err := rs[0].store.DB().Order("id").Find(&out).Error; err != nil {
				t.Fatal(err)
			}
			return out
		}

		day(0) // 55: nothing fires
		if n := len(tasks()); n != 0 {
			t.Fatalf("%d tasks on day 0", n)
		}

		// Day 1: an escalated ticket and a failed invoice: 55 − 15 − 10 = 30.
		create := func(v any) {
			if err := rs[0].store.DB().Create(v).Error; err != nil {
				t.Fatal(err)
			}
		}
		create(&models.Ticket{ExternalID: "T1", AccountID: acme, OpenedAt: playsDay(1), OpenedDay: playsDayStr(1), Sentiment: "negative", Escalated: true})
		create(&models.Invoice{ExternalID: "I1", AccountID: acme, AmountCents: 420000, DueOn: playsDayStr(0), Status: "failed"})
		day(1)
		ts := tasks()
		if len(ts) != 1 || ts[0].Play != "save" || ts[0].Owner != "maria" || ts[0].DueOn != playsDayStr(4) || ts[0].Title != "Save plan for Acme Corp" {
			t.Fatalf("after the fall below 40: tasks %+v, want one save task due on day 4", ts)
		}
		if n := posts("DU1"); n != 1 {
			t.Fatalf("%d direct messages to maria, want 1", n)
		}
		if got := api.posted(); !strings.Contains(fmt.Sprint(got), "Save plan for Acme Corp") {
			t.Errorf("the direct message is not the task: %+v", got)
		}
		opens := api.calledWith("conversations.open")
		if len(opens) == 0 || opens[0].Form.Get("users") != "U1" {
			t.Errorf("conversations.open calls %+v, want one for U1", opens)
		}

		// Day 2: maria records a red pulse from Slack: the same task is updated.
		clock.set(playsDay(2).Add(10 * time.Hour))
		r, err := rs[0].svc.Run(ctx, commands.Caller{Platform: commands.Slack, TeamID: team, UserID: "U1", UserName: "maria", ChannelID: "C-acme"}, "/pulse acme red budget")
		if err != nil || !strings.HasPrefix(r.Text, "Recorded a red pulse") {
			t.Fatalf("pulse: %q %v", r.Text, err)
		}
		both(t, rs, func(r *playsReplica) error { r.deliver(t); return nil })
		ts = tasks()
		if len(ts) != 1 || ts[0].Triggers != 2 || ts[0].LastTrigger != scoring.AlertPulseRed || ts[0].DueOn != playsDayStr(4) {
			t.Fatalf("after the red pulse: %+v, want the same task, twice triggered, still due on day 4", ts)
		}
		if n := posts("DU1"); n != 1 {
			t.Errorf("%d direct messages to maria after the red pulse, want still 1", n)
		}
		if n := updates("DU1"); n != 1 {
			t.Errorf("%d edits of maria's message after the red pulse, want 1", n)
		}

		// A restart: new processes, nothing in memory; they run day 2 again.
		rs = replicas()
		day(2)
		// No click: due on day 4, two days overdue on day 6.
		for k := 3; k <= 5; k++ {
			day(k)
		}
		if n := posts("DU9"); n != 0 {
			t.Fatalf("the manager heard of the task on day 5, %d messages", n)
		}
		day(6)
		day(6)
		day(7)
		if n := posts("DU9"); n != 1 {
			t.Errorf("%d messages to the manager, want 1", n)
		}
		ts = tasks()
		if len(ts) != 1 || ts[0].EscalatedOn == nil || *ts[0].EscalatedOn != playsDayStr(6) {
			t.Errorf("tasks after the escalation: %+v", ts)
		}
		hist, err := rs[0].store.TaskEvents(ctx, ts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range hist {
			kinds = append(kinds, e.Kind+"/"+e.Trigger)
		}
		if got := strings.Join(kinds, " "); got != "opened/below_40 triggered/pulse_red escalated/" {
			t.Errorf("history %q", got)
		}
		if n := posts("DU1"); n != 1 {
			t.Errorf("%d direct messages to maria in the end, want 1", n)
		}
		// Each alert reached the channel once too.
		if n := posts("C-health"); n != 2 {
			t.Errorf("%d alerts in the channel, want 2 (below_40, pulse_red)", n)
		}
		counts, _ := rs[0].store.OutboxCounts(ctx)
		if counts[models.OutboxPending]+counts[models.OutboxSending]+counts[models.OutboxFailed] != 0 {
			t.Errorf("outbox not drained: %v", counts)
		}

		// Done from Slack closes it and edits maria's message in place.
		clock.set(playsDay(7).Add(11 * time.Hour))
		r, err = rs[1].svc.Run(ctx, commands.Caller{Platform: commands.Slack, TeamID: team, UserID: "U1", UserName: "maria"}, fmt.Sprintf("/health tasks done %d", ts[0].ID))
		if err != nil || !strings.HasPrefix(r.Text, "Closed task") {
			t.Fatalf("done: %q %v", r.Text, err)
		}
		both(t, rs, func(r *playsReplica) error { r.deliver(t); return nil })
		last := api.calledWith("chat.update")
		if len(last) == 0 || !strings.Contains(last[len(last)-1].Form.Get("blocks"), "Done by maria") || posts("DU1") != 1 {
			t.Errorf("closing did not edit the message in place")
		}
	}
	modelstest.ForEachShared(t, run)
}
