package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// These tests drive real stored data through Service.Rescore and the
// one-account rescore of /pulse and /touch into the Alerter hook, and
// check the alerts stored and the outbox rows queued.
//
// Every account of the fixture starts from the same hand-computed base
// (default weights usage 30, adoption 25, support 20, engagement 15,
// payment 10, value features "reports" and "dashboards"):
//
//	usage 100 (2 users every day: DAU 2 / MAU 2 = 1.00)
//	adoption 40 (1 of 2 value features)
//	support 75 (no ticket in 90 days; an old ticket connects the source)
//	engagement 67 (one touch 26 days before day 0)
//	payment 100 (one invoice paid before its due date)
//	score = 30 + 10 + 15 + 10.05 + 10 = 75.05 → 75 (Stable)

// e2eStart is day 0 of the alert scenarios, a Monday.
var e2eStart = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

func e2eDay(k int) time.Time      { return e2eStart.AddDate(0, 0, k) }
func e2eDayStr(k int) string      { return e2eDay(k).Format(models.DayLayout) }
func e2eAt(k, hour int) time.Time { return e2eDay(k).Add(time.Duration(hour) * time.Hour) }

// alertWorld is a store with a Service whose OnRescore is a real Alerter.
type alertWorld struct {
	t     *testing.T
	s     *models.Store
	svc   *commands.Service
	clock *testClock
}

func e2eConfig() scoring.Config {
	cfg := scoring.Default()
	cfg.ValueFeatures = []string{"reports", "dashboards"}
	cfg.Channels.Default = map[string]string{"slack": "C-health", "discord": "D-health"}
	return cfg
}

func newAlertWorld(t *testing.T, s *models.Store) *alertWorld {
	t.Helper()
	svc, clock := newTestService(s)
	svc.Config = e2eConfig()
	al := &commands.Alerter{Config: svc.Config, Platforms: []string{"slack", "discord"}, Now: clock.Now, Log: svc.Log, Service: svc}
	svc.OnRescore, svc.PrefetchRescore, svc.PlanRescore = al.OnRescore, al.Prefetch, al.Plan
	insert(t, s, &models.CSM{Handle: "maria", Name: "Maria", SlackUserID: "U1", DiscordUserID: "991"})
	return &alertWorld{t: t, s: s, svc: svc, clock: clock}
}

// addAccount stores an account with the base data described above.
func (w *alertWorld) addAccount(id uint, slug, name, channel string) {
	w.t.Helper()
	addBase(w.t, w.s, models.Account{ID: id, Name: name, Slug: slug, Plan: "pro", MRRCents: 420000, Owner: "maria",
		SponsorName: "Ada", SponsorTitle: "CFO", SponsorStatus: "active", Channel: channel}, "reports")
}

// addBase stores acc (10 seats, external id "X-slug") with the base data:
// two users active every day from day −40 to day 20 on feature (none when
// feature is ""), an old closed ticket, a touch on day −26 and an invoice
// paid on time.
func addBase(t *testing.T, s *models.Store, acc models.Account, feature string) {
	t.Helper()
	slug := acc.Slug
	acc.ExternalID, acc.Seats = "X-"+slug, 10
	insert(t, s, &acc)
	if feature != "" {
		var acts []models.Activity
		for d := -40; d <= 20; d++ {
			for u := range 2 {
				acts = append(acts, models.Activity{AccountID: acc.ID, Day: e2eDayStr(d), UserID: fmt.Sprintf("%s-u%d", slug, u), Feature: feature})
			}
		}
		insert(t, s, &acts)
	}
	insert(t, s, &models.Ticket{ExternalID: slug + "-T0", AccountID: acc.ID, OpenedAt: e2eAt(-200, 9), OpenedDay: e2eDayStr(-200),
		ClosedAt: ptrTo(e2eAt(-199, 9)), Sentiment: "neutral"})
	insert(t, s, &models.Touch{AccountID: acc.ID, At: e2eAt(-26, 10), Day: e2eDayStr(-26), Kind: "call", By: "Maria"})
	insert(t, s, &models.Invoice{ExternalID: slug + "-I0", AccountID: acc.ID, AmountCents: acc.MRRCents, DueOn: e2eDayStr(-20),
		PaidOn: ptrTo(e2eDayStr(-21)), Status: "paid"})
}

// rescore runs the daily rescore of day k at 06:00.
func (w *alertWorld) rescore(k int) {
	w.t.Helper()
	w.clock.t = e2eAt(k, 6)
	if _, err := w.svc.Rescore(context.Background(), e2eDay(k)); err != nil {
		w.t.Fatalf("rescore day %d: %v", k, err)
	}
}

// score is the stored snapshot score of the account on day k.
func (w *alertWorld) score(id uint, k int) int {
	w.t.Helper()
	var sn models.Snapshot
	if err := w.s.DB().Where("account_id = ? AND day = ?", id, e2eDayStr(k)).Take(&sn).Error; err != nil {
		w.t.Fatalf("snapshot of %d on day %d: %v", id, k, err)
	}
	return sn.Score
}

// alerts lists the stored alerts as "rule/arming@day", muted ones marked, oldest first.
func (w *alertWorld) alerts(id uint) []string {
	w.t.Helper()
	var recs []models.AlertRecord
	if err := w.s.DB().Where("account_id = ?", id).Order("id").Find(&recs).Error; err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		day := int(mustDay(w.t, r.Day).Sub(e2eStart).Hours() / 24)
		s := fmt.Sprintf("%s/%d@%d", r.Rule, r.Arming, day)
		if r.Muted {
			s += " (muted)"
		}
		out = append(out, s)
	}
	return out
}

// queued lists the alert outbox rows of an account's alerts as
// "rule/arming platform:channel", oldest first, and their replies by row.
func (w *alertWorld) queued(id uint) ([]string, []commands.Reply) {
	w.t.Helper()
	var rows []struct {
		Rule     string
		Arming   int
		Platform string
		Channel  string
		Payload  string
	}
	err := w.s.DB().Raw(`SELECT a.rule, a.arming, o.platform, o.channel, o.payload FROM outbox o
		JOIN alerts a ON a.id = o.alert_id WHERE a.account_id = ? ORDER BY o.id`, id).Scan(&rows).Error
	if err != nil {
		w.t.Fatal(err)
	}
	var keys []string
	var replies []commands.Reply
	for _, r := range rows {
		keys = append(keys, fmt.Sprintf("%s/%d %s:%s", r.Rule, r.Arming, r.Platform, r.Channel))
		var rep commands.Reply
		if err := json.Unmarshal([]byte(r.Payload), &rep); err != nil {
			w.t.Fatalf("payload: %v", err)
		}
		replies = append(replies, rep)
	}
	return keys, replies
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(models.DayLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func sameList(got, want []string) bool { return strings.Join(got, "\n") == strings.Join(want, "\n") }

// checkMessage asserts an alert message's title and that its text holds every part.
func checkMessage(t *testing.T, rep commands.Reply, title string, parts ...string) {
	t.Helper()
	if rep.Title != title {
		t.Errorf("alert title = %q, want %q", rep.Title, title)
	}
	for _, p := range parts {
		if !strings.Contains(rep.Text, p) {
			t.Errorf("alert %q text lacks %q:\n%s", rep.Title, p, rep.Text)
		}
	}
}

// Data that degrades day after day, then recovers and falls again:
// below_60 once, below_40 once, no alert while the score hovers between
// 58 and 62, and below_60 again only after the score was back at 65.
func TestAlertsFromDegradingData(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newAlertWorld(t, s)
		const acme = 1
		w.addAccount(acme, "acme", "Acme Corp", "slack:C-acme")
		update := func(v any, where string, col string, val any) {
			t.Helper()
			if err := s.DB().Model(v).Where(where).Update(col, val).Error; err != nil {
				t.Fatal(err)
			}
		}

		// day → what changes before the daily rescore, and the score by hand.
		steps := []struct {
			score int
			do    func(k int)
		}{
			0: {75, nil},
			1: {75, nil},
			// 8 users try it once (DAU (14+8)/7 = 3.14 / MAU 10 = 0.31 → usage 67)
			// and a negative ticket: 20.1 + 10 + 5 + 10.05 + 10 = 55.15.
			2: {55, func(k int) {
				var acts []models.Activity
				for u := range 8 {
					acts = append(acts, models.Activity{AccountID: acme, Day: e2eDayStr(k), UserID: fmt.Sprintf("trial%d", u), Feature: "reports"})
				}
				insert(t, s, &acts)
				insert(t, s, &models.Ticket{ExternalID: "acme-T1", AccountID: acme, OpenedAt: e2eAt(k, 9), OpenedDay: e2eDayStr(k),
					ClosedAt: ptrTo(e2eAt(k, 12)), Sentiment: "negative"})
			}},
			// An escalated ticket stays open: support 0 → 50.15.
			3: {50, func(k int) {
				insert(t, s, &models.Ticket{ExternalID: "acme-T2", AccountID: acme, OpenedAt: e2eAt(k, 9), OpenedDay: e2eDayStr(k),
					Sentiment: "negative", Escalated: true, Severity: "high"})
			}},
			// A failed invoice: payment 0 → 40.15, not below 40.
			4: {40, func(k int) {
				insert(t, s, &models.Invoice{ExternalID: "acme-I1", AccountID: acme, AmountCents: 420000, DueOn: e2eDayStr(-1), Status: "failed"})
			}},
			// Nothing new, but the last touch is now 31 days old: engagement 33 → 35.05.
			5: {35, nil},
			// The invoice is paid, late: payment 70 → 42.05 (below 45: below_40 stays disarmed).
			6: {42, func(k int) {
				update(&models.Invoice{}, "external_id = 'acme-I1'", "status", "paid")
				update(&models.Invoice{}, "external_id = 'acme-I1'", "paid_on", e2eDayStr(k))
			}},
			// /touch (below, through Run): engagement 67 → 47.15, below_40 re-arms.
			7: {47, nil},
			// The escalation closes and two positive tickets arrive: mean 0, support 75 → 62.15.
			8: {62, func(k int) {
				update(&models.Ticket{}, "external_id = 'acme-T2'", "closed_at", e2eAt(k, 9))
				insert(t, s, &[]models.Ticket{
					{ExternalID: "acme-T3", AccountID: acme, OpenedAt: e2eAt(k, 9), OpenedDay: e2eDayStr(k), ClosedAt: ptrTo(e2eAt(k, 11)), Sentiment: "positive"},
					{ExternalID: "acme-T4", AccountID: acme, OpenedAt: e2eAt(k, 10), OpenedDay: e2eDayStr(k), ClosedAt: ptrTo(e2eAt(k, 11)), Sentiment: "positive"},
				})
			}},
			// An open invoice 3 days overdue: payment 30 → 58.15; below_60 is not re-armed (62 < 65).
			9: {58, func(k int) {
				insert(t, s, &models.Invoice{ExternalID: "acme-I2", AccountID: acme, AmountCents: 420000, DueOn: e2eDayStr(k - 3), Status: "open"})
			}},
			// Paid (late, 70) and a third touch in 90 days (/touch below): engagement 100 → 67.1, re-armed.
			10: {67, func(k int) {
				update(&models.Invoice{}, "external_id = 'acme-I2'", "status", "paid")
				update(&models.Invoice{}, "external_id = 'acme-I2'", "paid_on", e2eDayStr(k))
			}},
			// A new escalation: support 0 → 52.1, below_60 for the second time.
			11: {52, func(k int) {
				insert(t, s, &models.Ticket{ExternalID: "acme-T5", AccountID: acme, OpenedAt: e2eAt(k, 9), OpenedDay: e2eDayStr(k),
					Sentiment: "negative", Escalated: true})
			}},
		}
		touches := map[int]string{7: "/touch acme call", 10: "/touch acme qbr"}
		var scores []int
		for k, st := range steps {
			if st.do != nil {
				st.do(k)
			}
			if line, ok := touches[k]; ok {
				w.clock.t = e2eAt(k, 10)
				if r := runLine(t, w.svc, callerMaria, line); r.Ephemeral {
					t.Fatalf("day %d %q: %s", k, line, r.Text)
				}
			}
			w.rescore(k)
			before := len(w.alerts(acme))
			w.rescore(k) // re-running the same day adds nothing
			if n := len(w.alerts(acme)); n != before {
				t.Errorf("re-running day %d added %d alerts", k, n-before)
			}
			scores = append(scores, w.score(acme, k))
		}
		var want []int
		for _, st := range steps {
			want = append(want, st.score)
		}
		if fmt.Sprint(scores) != fmt.Sprint(want) {
			t.Fatalf("scores by day = %v, want %v", scores, want)
		}

		wantAlerts := []string{"below_60/1@2", "below_40/1@5", "below_60/2@11"}
		if got := w.alerts(acme); !sameList(got, wantAlerts) {
			t.Errorf("alerts = %q, want %q", got, wantAlerts)
		}
		keys, replies := w.queued(acme)
		wantKeys := []string{
			"below_60/1 slack:C-acme", "below_60/1 discord:D-health",
			"below_40/1 slack:C-acme", "below_40/1 discord:D-health",
			"below_60/2 slack:C-acme", "below_60/2 discord:D-health",
		}
		if !sameList(keys, wantKeys) {
			t.Fatalf("outbox = %q, want %q", keys, wantKeys)
		}
		checkMessage(t, replies[0], "Acme Corp 75 → 55 (Stable → At-risk)",
			"The score fell below 60",
			// Each move gives the raw figure of the previous snapshot and now.
			"support −10 (75 → 25: no tickets in 90 days → 1 ticket: 0 positive, 0 neutral, 1 negative (mean -1.00)), "+
				"usage −10 (100 → 67: DAU 2.0 / MAU 2 = 1.00 → DAU 3.1 / MAU 10 = 0.31)")
		checkMessage(t, replies[2], "Acme Corp 40 → 35 (At-risk → Critical)",
			"Urgent: the score fell below 40", "engagement −5 (67 → 33: last touch 30 days ago, 1 in 90 days → last touch 31 days ago")
		checkMessage(t, replies[4], "Acme Corp 67 → 52 (Stable → At-risk)",
			"support −15 (75 → 0: 4 tickets: 2 positive, 0 neutral, 2 negative (mean 0.00) → 1 ticket escalated and still open (of 5 tickets))")
		if got := replies[0].Context[0]; got != "Owner: <@U1>" {
			t.Errorf("slack owner line = %q", got)
		}
		if got := replies[1].Context[0]; got != "Owner: <@991>" {
			t.Errorf("discord owner line = %q", got)
		}
	})
}

// A red pulse recorded with /pulse fires pulse_red once, routed to the
// account's channel (else the default); a double click within 60 seconds
// and the next days' rescores add nothing.
func TestAlertsFromRedPulse(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newAlertWorld(t, s)
		const acme, globex = 1, 2
		w.addAccount(acme, "acme", "Acme Corp", "slack:C-acme")
		w.addAccount(globex, "globex", "Globex", "")
		const initech = 3
		w.addAccount(initech, "initech", "Initech", "")
		// An escalated ticket and a failed invoice: 75.05 − 15 − 10 → 50, below the cap.
		insert(t, s, &models.Ticket{ExternalID: "initech-T1", AccountID: initech, OpenedAt: e2eAt(-3, 9), OpenedDay: e2eDayStr(-3),
			Sentiment: "negative", Escalated: true})
		insert(t, s, &models.Invoice{ExternalID: "initech-I1", AccountID: initech, AmountCents: 100, DueOn: e2eDayStr(-3), Status: "failed"})
		w.rescore(0)

		w.clock.t = e2eAt(1, 15)
		if r := runLine(t, w.svc, callerMaria, "/pulse acme red budget"); r.Ephemeral {
			t.Fatalf("pulse: %s", r.Text)
		}
		if got := w.score(acme, 1); got != 59 {
			t.Fatalf("acme after a red pulse = %d, want 59 (capped)", got)
		}
		w.clock.t = w.clock.t.Add(30 * time.Second)
		if r := runLine(t, w.svc, callerMaria, "/pulse acme red budget"); !strings.HasPrefix(r.Text, "Already recorded") {
			t.Fatalf("second click: %q", r.Text)
		}
		w.clock.t = e2eAt(1, 16)
		runLine(t, w.svc, callerMaria, "/pulse globex red competitor lost the champion")
		runLine(t, w.svc, callerMaria, "/pulse initech red poor-support")
		for k := 1; k <= 3; k++ {
			w.rescore(k)
		}

		if got, want := w.alerts(acme), []string{"below_60/1@1 (muted)", "pulse_red/1@1"}; !sameList(got, want) {
			t.Errorf("acme alerts = %q, want %q", got, want)
		}
		keys, replies := w.queued(acme)
		if want := []string{"pulse_red/1 slack:C-acme", "pulse_red/1 discord:D-health"}; !sameList(keys, want) {
			t.Fatalf("acme outbox = %q, want %q", keys, want)
		}
		checkMessage(t, replies[0], "Acme Corp 75 → 59 (Stable → At-risk)",
			"A red pulse was recorded (budget).",
			"The score fell below 60",
			"Capped at 59: CSM pulse red: budget (computed 75).")
		if n := countRows(t, s, &models.Pulse{}, "account_id = ?", acme); n != 1 {
			t.Errorf("%d acme pulses, want 1", n)
		}
		gkeys, greplies := w.queued(globex)
		if want := []string{"pulse_red/1 slack:C-health", "pulse_red/1 discord:D-health"}; !sameList(gkeys, want) {
			t.Fatalf("globex outbox = %q, want %q", gkeys, want)
		}
		checkMessage(t, greplies[1], "Globex 75 → 59 (Stable → At-risk)", "A red pulse was recorded (competitor).")

		// Already below the cap: pulse_red alone, and no "Capped" claim.
		if got, want := w.alerts(initech), []string{"pulse_red/1@1"}; !sameList(got, want) {
			t.Errorf("initech alerts = %q, want %q", got, want)
		}
		if _, ireplies := w.queued(initech); len(ireplies) != 2 {
			t.Errorf("initech: %d messages queued, want 2", len(ireplies))
		} else {
			checkMessage(t, ireplies[0], "Initech 50 → 50 (At-risk → At-risk)", "A red pulse was recorded (poor-support).")
			if strings.Contains(ireplies[0].Text, "Capped") || strings.Contains(ireplies[0].Text, "Also") {
				t.Errorf("initech message claims a cap: %q", ireplies[0].Text)
			}
		}
	})
}

// rescoreIngested rescores the accounts an ingested batch changed, in its
// own transaction, as the ingestion API's commit hook does.
func (w *alertWorld) rescoreIngested(k int, ids []uint) {
	w.t.Helper()
	w.clock.t = e2eAt(k, 11)
	err := w.s.WithTx(context.Background(), func(tx *models.Store) error {
		_, err := w.svc.RescoreAccounts(context.Background(), tx, e2eDay(k), ids)
		return err
	})
	if err != nil {
		w.t.Fatalf("rescore ingested accounts on day %d: %v", k, err)
	}
}

// An imported account record that marks the executive sponsor departed
// fires sponsor_left once: from the rescore of the ingested batch, not
// again from the daily rescores, nor when the record is sent again.
func TestAlertsFromSponsorLeaving(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newAlertWorld(t, s)
		const globex = 2
		w.addAccount(globex, "globex", "Globex", "discord:D-globex")
		w.rescore(0)
		w.rescore(1)
		for range 2 { // the same batch sent twice
			res, err := ingestion.ImportCSV(context.Background(), s, ingestion.KindAccounts,
				strings.NewReader("external_id,name,sponsor_status\nX-globex,Globex,departed\n"))
			if err != nil {
				t.Fatal(err)
			}
			w.rescoreIngested(2, res.Accounts)
		}
		for k := 2; k <= 4; k++ {
			w.rescore(k)
		}
		if got := w.score(globex, 4); got != 59 {
			t.Errorf("globex with its sponsor gone = %d, want 59 (capped)", got)
		}
		if got, want := w.alerts(globex), []string{"below_60/1@2 (muted)", "sponsor_left/1@2"}; !sameList(got, want) {
			t.Errorf("alerts = %q, want %q", got, want)
		}
		keys, replies := w.queued(globex)
		if want := []string{"sponsor_left/1 slack:C-health", "sponsor_left/1 discord:D-globex"}; !sameList(keys, want) {
			t.Fatalf("outbox = %q, want %q", keys, want)
		}
		checkMessage(t, replies[0], "Globex 75 → 59 (Stable → At-risk)",
			"The executive sponsor, Ada (CFO), has left.",
			"The score fell below 60",
			"Capped at 59: executive sponsor left (computed 75).")
	})
}

// An account that improves crosses 80 once (above_80), does not fire
// again while it hovers at 76..80, and fires again only after falling
// below 75 and coming back.
func TestAlertsFromImprovingAccount(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newAlertWorld(t, s)
		const beta = 3
		w.addAccount(beta, "beta", "Beta Ltd", "")
		touch := func(k int, kind string) {
			insert(t, s, &models.Touch{AccountID: beta, At: e2eAt(k, 10), Day: e2eDayStr(k), Kind: kind, By: "Maria"})
		}
		ticket := func(k int, id, sentiment string) {
			insert(t, s, &models.Ticket{ExternalID: id, AccountID: beta, OpenedAt: e2eAt(k, 9), OpenedDay: e2eDayStr(k),
				ClosedAt: ptrTo(e2eAt(k, 10)), Sentiment: sentiment})
		}
		steps := []struct {
			score int
			do    func(k int)
		}{
			0: {75, nil},
			// Two touches: 3 in 90 days, the last today: engagement 100 → 30 + 10 + 15 + 15 + 10 = 80.
			1: {80, func(k int) { touch(k, "call"); touch(k, "email") }},
			// A negative ticket: support 25 → 70, below 75: above_80 re-arms.
			2: {70, func(k int) { ticket(k, "beta-T1", "negative") }},
			// Two positive tickets: mean 0.33, neutral 75 → 80, fires again.
			3: {80, func(k int) { ticket(k, "beta-T2", "positive"); ticket(k, "beta-T3", "positive") }},
			// A third positive one: mean 0.5, positive 100 → 85; nothing.
			4: {85, func(k int) { ticket(k, "beta-T4", "positive") }},
		}
		var scores, want []int
		for k, st := range steps {
			if st.do != nil {
				st.do(k)
			}
			w.rescore(k)
			w.rescore(k)
			scores = append(scores, w.score(beta, k))
			want = append(want, st.score)
		}
		if fmt.Sprint(scores) != fmt.Sprint(want) {
			t.Fatalf("scores by day = %v, want %v", scores, want)
		}
		if got, want := w.alerts(beta), []string{"above_80/1@1", "above_80/2@3"}; !sameList(got, want) {
			t.Errorf("alerts = %q, want %q", got, want)
		}
		keys, replies := w.queued(beta)
		want2 := []string{"above_80/1 slack:C-health", "above_80/1 discord:D-health", "above_80/2 slack:C-health", "above_80/2 discord:D-health"}
		if !sameList(keys, want2) {
			t.Fatalf("outbox = %q, want %q", keys, want2)
		}
		checkMessage(t, replies[0], "Beta Ltd 75 → 80 (Stable → Healthy)",
			"Expansion opportunity: the score reached 80.", "engagement +5 (67 → 100: last touch 26 days ago, 1 in 90 days → last touch today, 3 in 90 days)")
		checkMessage(t, replies[2], "Beta Ltd 70 → 80 (Stable → Healthy)", "support +10 (25 → 75: 1 ticket: 0 positive, 0 neutral, 1 negative (mean -1.00) → 3 tickets: 2 positive, 0 neutral, 1 negative (mean 0.33))")
		if replies[0].Colour != "green" || replies[0].Buttons[2].Action != "/pulse beta green" {
			t.Errorf("above_80 colour %q, buttons %+v", replies[0].Colour, replies[0].Buttons)
		}
	})
}

// Acknowledging from Slack records who did it, updates the Discord copy
// with Discord's own mention, and a snooze mutes the account's next alert:
// stored, never queued.
func TestAlertAcknowledgeAndSnooze(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newAlertWorld(t, s)
		const beta = 3
		w.addAccount(beta, "beta", "Beta Ltd", "")
		w.rescore(0)
		insert(t, s, &[]models.Touch{
			{AccountID: beta, At: e2eAt(1, 10), Day: e2eDayStr(1), Kind: "call", By: "Maria"},
			{AccountID: beta, At: e2eAt(1, 11), Day: e2eDayStr(1), Kind: "email", By: "Maria"},
		})
		w.rescore(1) // 80: above_80/1
		var rec models.AlertRecord
		if err := s.DB().Where("account_id = ?", beta).Take(&rec).Error; err != nil {
			t.Fatal(err)
		}

		w.clock.t = e2eAt(1, 14)
		ack := runLine(t, w.svc, callerMaria, fmt.Sprintf("/alert ack %d", rec.ID))
		if !ack.Replace || !strings.Contains(strings.Join(ack.Context, "\n"), "Acknowledged by Maria on 2025-03-04") ||
			ack.Context[0] != "Owner: <@U1>" {
			t.Errorf("ack reply: replace=%v context=%q", ack.Replace, ack.Context)
		}
		keys, replies := w.queued(beta)
		if want := []string{"above_80/1 slack:C-health", "above_80/1 discord:D-health"}; !sameList(keys, want) {
			t.Fatalf("outbox = %q, want %q", keys, want)
		}
		if got := strings.Join(replies[1].Context, "\n"); !strings.Contains(got, "Acknowledged by Maria") || replies[1].Context[0] != "Owner: <@991>" {
			t.Errorf("discord copy after the ack: %q", replies[1].Context)
		}
		if got := strings.Join(replies[0].Context, "\n"); strings.Contains(got, "Acknowledged") {
			t.Errorf("slack copy re-queued although Slack updates it in place: %q", replies[0].Context)
		}

		snooze := runLine(t, w.svc, callerMaria, fmt.Sprintf("/alert snooze %d", rec.ID))
		if got := strings.Join(snooze.Context, "\n"); !strings.Contains(got, "Snoozed until 2025-03-11 by Maria") {
			t.Errorf("snooze reply context = %q", snooze.Context)
		}
		insert(t, s, &models.Ticket{ExternalID: "beta-T1", AccountID: beta, OpenedAt: e2eAt(2, 9), OpenedDay: e2eDayStr(2),
			ClosedAt: ptrTo(e2eAt(2, 10)), Sentiment: "negative"})
		w.rescore(2) // 70: re-armed
		insert(t, s, &[]models.Ticket{
			{ExternalID: "beta-T2", AccountID: beta, OpenedAt: e2eAt(3, 9), OpenedDay: e2eDayStr(3), ClosedAt: ptrTo(e2eAt(3, 10)), Sentiment: "positive"},
			{ExternalID: "beta-T3", AccountID: beta, OpenedAt: e2eAt(3, 9), OpenedDay: e2eDayStr(3), ClosedAt: ptrTo(e2eAt(3, 11)), Sentiment: "positive"},
		})
		w.rescore(3) // 80 again, while snoozed
		if got, want := w.alerts(beta), []string{"above_80/1@1", "above_80/2@3 (muted)"}; !sameList(got, want) {
			t.Errorf("alerts = %q, want %q", got, want)
		}
		if keys, _ := w.queued(beta); len(keys) != 2 {
			t.Errorf("outbox after a muted alert = %q, want the 2 rows of the first", keys)
		}
	})
}
