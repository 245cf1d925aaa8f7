package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// newPlaysWorld is an alert world whose Alerter runs the plays too,
// sending to Slack and Discord. Wired as the daily jobs wire it, the
// daily rescore plans them beside its COPY on PostgreSQL (Alerter.Plan)
// and in its transaction on SQLite.
func newPlaysWorld(t *testing.T, s *models.Store, cfg scoring.Config) *alertWorld {
	t.Helper()
	w := newAlertWorld(t, s)
	cfg.ValueFeatures, cfg.Channels = w.svc.Config.ValueFeatures, w.svc.Config.Channels
	w.svc.Config = cfg
	planner := &commands.Planner{Config: cfg, Platforms: []string{"slack", "discord"}, Now: w.clock.Now, Log: w.svc.Log}
	al := &commands.Alerter{Config: cfg, Platforms: []string{"slack", "discord"}, Now: w.clock.Now, Log: w.svc.Log, Service: w.svc, Planner: planner}
	w.svc.OnRescore, w.svc.Planner = al.OnRescore, planner
	w.svc.PrefetchRescore, w.svc.PlanRescore = al.Prefetch, al.Plan
	return w
}

// tasks lists an account's tasks as "play/open|done/triggers", oldest first.
func (w *alertWorld) tasks(id uint) []string {
	w.t.Helper()
	var ts []models.Task
	if err := w.s.DB().Where("account_id = ?", id).Order("id").Find(&ts).Error; err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, t := range ts {
		state := "open"
		if !t.Open() {
			state = "done"
		}
		out = append(out, fmt.Sprintf("%s/%s/%d", t.Play, state, t.Triggers))
	}
	return out
}

// messages lists the outbox rows of a kind as "platform:channel", oldest first.
func (w *alertWorld) messages(kind string) []string {
	w.t.Helper()
	msgs, err := w.s.OutboxMessages(context.Background(), kind)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Platform+":"+m.Channel)
	}
	return out
}

func (w *alertWorld) setRenewal(id uint, k int) {
	w.t.Helper()
	if err := w.s.DB().Model(&models.Account{}).Where("id = ?", id).Update("renewal_on", e2eDayStr(k)).Error; err != nil {
		w.t.Fatal(err)
	}
}

// A state trigger opens its play once per stretch of days it holds: a
// renewal task closed while the renewal is still at risk is not opened
// again; the renewal moving out of the 90 days and back opens a new one.
func TestRenewalPlayOpensOncePerStretch(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newPlaysWorld(t, s, scoring.Default())
		const acme = 1
		w.addAccount(acme, "acme", "Acme Corp", "")
		// An escalated ticket and a failed invoice: 75 − 15 − 10 = 50, At-risk.
		insert(t, s, &models.Ticket{ExternalID: "acme-T1", AccountID: acme, OpenedAt: e2eAt(-1, 9), OpenedDay: e2eDayStr(-1), Sentiment: "negative", Escalated: true})
		insert(t, s, &models.Invoice{ExternalID: "acme-I1", AccountID: acme, AmountCents: 1, DueOn: e2eDayStr(-2), Status: "failed"})
		w.setRenewal(acme, 60)
		w.rescore(0)
		w.rescore(0)
		if got, want := w.tasks(acme), []string{"renewal/open/1"}; !sameList(got, want) {
			t.Fatalf("day 0 tasks %q, want %q", got, want)
		}
		w.clock.t = e2eAt(1, 9)
		if r := runLine(t, w.svc, callerMaria, "/health tasks done 1"); !strings.HasPrefix(r.Text, "Closed task 1") {
			t.Fatalf("done: %q", r.Text)
		}
		if r := runLine(t, w.svc, callerMaria, "/health tasks done 1"); !strings.Contains(r.Text, "was closed by Maria") {
			t.Errorf("a second done: %q", r.Text)
		}
		w.rescore(1)
		w.rescore(2)
		if got, want := w.tasks(acme), []string{"renewal/done/1"}; !sameList(got, want) {
			t.Fatalf("still at risk, the closed task came back: %q", got)
		}
		w.setRenewal(acme, 200) // renewed further out: cleared, re-armed
		w.rescore(3)
		w.setRenewal(acme, 70)
		w.rescore(4)
		if got, want := w.tasks(acme), []string{"renewal/done/1", "renewal/open/1"}; !sameList(got, want) {
			t.Errorf("after the renewal came back into the window: %q, want %q", got, want)
		}
		// The trail has each change: opened by the plays, closed by maria, opened again.
		entries, _, err := s.AccountAudit(context.Background(), acme, 20)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range entries {
			if e.Action == models.AuditTask {
				trail = append(trail, e.Origin+" "+e.Subject)
			}
		}
		if want := []string{"scheduler #2 renewal", "slack #1 renewal", "scheduler #1 renewal"}; !sameList(trail, want) {
			t.Errorf("task entries in the audit trail %q, want %q (newest first)", trail, want)
		}
		// Each task told maria once on each platform she is known on.
		want := []string{"slack:user:U1", "discord:user:991", "slack:user:U1", "discord:user:991"}
		if got := w.messages(models.KindTask); !sameList(got, want) {
			t.Errorf("task messages %q, want %q", got, want)
		}
	})
}

// no_touch and pulse_stale hold from the day the touch or the pulse is
// as old as their windows; one play on both keeps one task, counting
// both. An account never pulsed has no pulse to refresh.
func TestNoTouchAndPulseStale(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		cfg := scoring.Default()
		cfg.Plays = []scoring.Play{{Name: "refresh", On: []string{scoring.TriggerNoTouch, scoring.TriggerPulseStale}, Title: "Catch up with {account}", DueDays: 2}}
		w := newPlaysWorld(t, s, cfg)
		const acme, globex = 1, 2
		w.addAccount(acme, "acme", "Acme Corp", "")
		w.addAccount(globex, "globex", "Globex", "")
		insert(t, s, &models.Touch{AccountID: globex, At: e2eAt(2, 10), Day: e2eDayStr(2), Kind: "call", By: "Maria"})
		insert(t, s, &models.Pulse{AccountID: acme, At: e2eAt(-25, 10), Day: e2eDayStr(-25), Colour: "yellow", By: "Maria"})
		for k := 0; k <= 5; k++ {
			w.rescore(k)
		}
		// The touch of day −26 is 30 days old on day 4; the pulse of −25 on day 5.
		if got, want := w.tasks(acme), []string{"refresh/open/2"}; !sameList(got, want) {
			t.Errorf("acme tasks %q, want %q", got, want)
		}
		if got := w.tasks(globex); len(got) != 0 {
			t.Errorf("globex, touched on day 2 and never pulsed: %q", got)
		}
		hist, err := s.TaskEvents(context.Background(), 1)
		if err != nil || len(hist) != 2 || hist[0].Day != e2eDayStr(4) || hist[1].Trigger != scoring.TriggerPulseStale || !strings.Contains(hist[1].Detail, "30 days old") {
			t.Errorf("history %+v %v", hist, err)
		}
	})
}

// A fall through 60 and 40 at once opens the save task alone (the
// below_60 is told by the below_40); an overdue task whose owner has no
// manager goes to the account's channel, once.
func TestSaveTaskEscalatesToTheChannel(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newPlaysWorld(t, s, scoring.Default())
		const acme = 1
		w.addAccount(acme, "acme", "Acme Corp", "slack:C-acme")
		w.rescore(0)
		// 75 → 35: support 0, payment 0, usage 67 and no touch left, which
		// disconnects the touch source: 20.1 + 10 over the 85 weights left.
		insert(t, s, &models.Ticket{ExternalID: "acme-T1", AccountID: acme, OpenedAt: e2eAt(1, 9), OpenedDay: e2eDayStr(1), Sentiment: "negative", Escalated: true})
		insert(t, s, &models.Invoice{ExternalID: "acme-I1", AccountID: acme, AmountCents: 1, DueOn: e2eDayStr(0), Status: "failed"})
		var acts []models.Activity
		for u := range 8 {
			acts = append(acts, models.Activity{AccountID: acme, Day: e2eDayStr(1), UserID: fmt.Sprintf("trial%d", u), Feature: "reports"})
		}
		insert(t, s, &acts)
		if err := s.DB().Where("account_id = ?", acme).Delete(&models.Touch{}).Error; err != nil {
			t.Fatal(err)
		}
		for k := 1; k <= 6; k++ {
			w.rescore(k)
			w.rescore(k)
		}
		if got := w.score(acme, 1); got != 35 {
			t.Fatalf("score on day 1 = %d, want 35", got)
		}
		if got, want := w.tasks(acme), []string{"save/open/1"}; !sameList(got, want) {
			t.Errorf("tasks %q, want the save task alone", got)
		}
		// Due on day 4, two days overdue on day 6: the account's channel
		// on Slack, the default on Discord.
		if got, want := w.messages(models.KindEscalation), []string{"slack:C-acme", "discord:D-health"}; !sameList(got, want) {
			t.Errorf("escalations %q, want %q", got, want)
		}
		msgs, _ := s.OutboxMessages(context.Background(), models.KindEscalation)
		if len(msgs) > 0 && !strings.Contains(msgs[0].Payload, "Overdue: Save plan for Acme Corp") {
			t.Errorf("escalation %s", msgs[0].Payload)
		}
	})
}

// Reassigning sends the task to its new owner and updates the old
// owner's copies; snoozing puts it off a week; lists and "your day"
// follow; the day's message goes once per CSM and day.
func TestReassignSnoozeAndLists(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newPlaysWorld(t, s, scoring.Default())
		insert(t, s, &models.CSM{Handle: "lee", Name: "Lee", SlackUserID: "U2"})
		const acme = 1
		w.addAccount(acme, "acme", "Acme Corp", "")
		w.rescore(0)
		w.clock.t = e2eAt(1, 15)
		runLine(t, w.svc, callerMaria, "/pulse acme red budget")
		if got, want := w.tasks(acme), []string{"save/open/1"}; !sameList(got, want) {
			t.Fatalf("tasks %q", got)
		}

		form := runLine(t, w.svc, callerMaria, "/health tasks reassign 1")
		if form.Form == nil || form.Form.ID != commands.FormReassign || form.Form.Hidden["task"] != "1" || len(form.Form.Fields[0].Options) != 1 {
			t.Fatalf("reassign without a name: %+v", form)
		}
		cmd, err := commands.FormCommand(*form.Form, map[string]string{"handle": "lee"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := w.svc.Execute(context.Background(), callerMaria, cmd)
		if err != nil || !strings.Contains(r.Text, "is now @lee's") {
			t.Fatalf("reassign: %q %v", r.Text, err)
		}
		if r := runLine(t, w.svc, callerMaria, "/health tasks reassign 1 nobody"); !strings.Contains(r.Text, `There is no CSM "nobody"`) {
			t.Errorf("unknown CSM: %q", r.Text)
		}
		if r := runLine(t, w.svc, callerMaria, "/health tasks reassign 1 <@U2>"); !strings.Contains(r.Text, "is @lee's already") {
			t.Errorf("reassigned to its owner: %q", r.Text)
		}
		want := []string{"slack:user:U1", "discord:user:991", "slack:user:U2"}
		if got := w.messages(models.KindTask); !sameList(got, want) {
			t.Errorf("task messages %q, want %q", got, want)
		}
		msgs, _ := s.OutboxMessages(context.Background(), models.KindTask)
		if !strings.Contains(msgs[0].Payload, `Owner: \u003c@U2\u003e`) || !strings.Contains(msgs[0].Payload, "reassigned — @maria → @lee (Maria)") {
			t.Errorf("maria's copy after the reassignment: %s", msgs[0].Payload)
		}

		// Maria has no task any more: she sees everyone's.
		list := runLine(t, w.svc, callerMaria, "/health tasks")
		if !strings.Contains(list.Text, "You (maria) have no open task") || list.Title != "Open tasks: 1" || list.Sections[0].Buttons[0].Action != "/health tasks done 1" {
			t.Errorf("maria's tasks: %+v", list)
		}
		lee := commands.Caller{Platform: "slack", UserID: "U2", UserName: "Lee"}
		if r := runLine(t, w.svc, lee, "/health tasks overdue"); r.Title != "Overdue tasks: 0" {
			t.Errorf("overdue on day 1: %q", r.Title)
		}

		// Day 5: overdue by a day (due day 4). Lee's day goes once.
		w.clock.t = e2eAt(5, 8)
		if r := runLine(t, w.svc, lee, "/health tasks overdue"); r.Title != "Overdue tasks: 1" {
			t.Errorf("overdue on day 5: %q", r.Title)
		}
		for range 2 {
			if err := w.svc.QueueYourDay(context.Background(), e2eDay(5)); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := w.messages(models.KindYourDay), []string{"slack:user:U2"}; !sameList(got, want) {
			t.Errorf("your day messages %q, want %q", got, want)
		}
		home := runLine(t, w.svc, lee, "/health home")
		if !strings.Contains(home.Text, "1 open task (1 overdue)") || !strings.HasPrefix(home.Title, "Your day — Sat 8 Mar 2025 (Lee)") {
			t.Errorf("lee's day: %q / %q", home.Title, home.Text)
		}

		// Snoozed: due a week from today, and nothing is due for the day's message.
		if r := runLine(t, w.svc, lee, "/health tasks snooze 1"); !strings.Contains(r.Text, "until Sat 15 Mar 2025") {
			t.Errorf("snooze: %q", r.Text)
		}
		if err := w.svc.QueueYourDay(context.Background(), e2eDay(6)); err != nil {
			t.Fatal(err)
		}
		if got := w.messages(models.KindYourDay); len(got) != 1 {
			t.Errorf("a snoozed task made a day's message: %q", got)
		}
		if r := runLine(t, w.svc, lee, "/health tasks done 99"); r.Text != "There is no task 99. /health tasks lists the open ones." {
			t.Errorf("unknown task: %q", r.Text)
		}
	})
}

// /health renewals lists the accounts renewing in the window, worst first.
func TestRenewals(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newPlaysWorld(t, s, scoring.Default())
		w.addAccount(1, "acme", "Acme Corp", "")
		w.addAccount(2, "globex", "Globex", "")
		w.addAccount(3, "initech", "Initech", "")
		insert(t, s, &models.Ticket{ExternalID: "g-T1", AccountID: 2, OpenedAt: e2eAt(-1, 9), OpenedDay: e2eDayStr(-1), Sentiment: "negative", Escalated: true})
		w.setRenewal(1, 30)
		w.setRenewal(2, 80)
		w.setRenewal(3, 120)
		w.rescore(0)
		w.clock.t = e2eAt(0, 10)
		r := runLine(t, w.svc, callerMaria, "/health renewals")
		text := r.Sections[0].Text
		if r.Title != "Renewals in the next 90 days: 2" || !strings.HasPrefix(text, "Globex — renews Thu 22 May 2025 (in 80 days) · 60 Stable") ||
			!strings.Contains(text, "\nAcme Corp — renews Wed 2 Apr 2025 (in 30 days) · 75 Stable") || strings.Contains(text, "Initech") {
			t.Errorf("renewals: %q\n%s", r.Title, text)
		}
		if r := runLine(t, w.svc, callerMaria, "/health renewals 40"); r.Title != "Renewals in the next 40 days: 1" || !r.Ephemeral {
			t.Errorf("40 days: %q, ephemeral %v", r.Title, r.Ephemeral)
		}
		// A viewer sees the renewals without MRR.
		commandstest.RolesInUse(t, s)
		r = runLine(t, w.svc, commandstest.Viewer, "/health renewals")
		if strings.Contains(r.Text+r.Sections[0].Text, "MRR") || !strings.Contains(r.Sections[0].Text, "Globex — renews") {
			t.Errorf("a viewer's renewals: %q\n%s", r.Text, r.Sections[0].Text)
		}
	})
}
