package scheduler_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/bot/outbox"
	"github.com/healthbot/healthbot/bot/scheduler"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// The simulation starts on Monday 6 January 2025 at 10:00 UTC and ends
// before Monday 3 March 09:00: eight weekly summaries (W02..W09).
var (
	simStart = time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	simEnd   = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
)

// scripted is each account's score on simulation day d (days since 6 Jan).
var scripted = map[string]func(d int) int{
	"acme": func(d int) int {
		switch {
		case d < 10:
			return 72
		case d < 21:
			return 58 // below_60 #1 on day 10
		case d < 31:
			return 59 + 2*(d%2) // 59/61 oscillation: nothing
		case d < 36:
			return 66 // re-arms below_60
		case d < 46:
			return 55 // below_60 #2 on day 36
		}
		return 35 // below_40 #1 on day 46
	},
	"beta": func(d int) int {
		switch {
		case d < 20:
			return 78
		case d < 30:
			return 82 // above_80 #1 on day 20
		case d < 36:
			return 76 // not below 75: stays disarmed
		}
		return 81
	},
	"gamma": func(d int) int { return 90 }, // sponsor leaves on day 40
}

var wantAlerts = []string{"acme/below_40/1", "acme/below_60/1", "acme/below_60/2", "beta/above_80/1", "gamma/sponsor_left/1"}

// recordingPlatform is a fake chat platform shared by every worker: it
// counts what became visible, by outbox dedupe key.
type recordingPlatform struct {
	mu    sync.Mutex
	name  string
	byKey map[string]int
	files int
}

func (p *recordingPlatform) Platform() string { return p.name }
func (p *recordingPlatform) Post(ctx context.Context, channel string, r commands.Reply) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := outbox.KeyFrom(ctx)
	p.byKey[k]++
	return fmt.Sprintf("%s-%d", k, p.byKey[k]), nil
}
func (p *recordingPlatform) PostFile(ctx context.Context, channel string, r commands.Reply, name string, data []byte) (string, error) {
	p.mu.Lock()
	p.files++
	p.mu.Unlock()
	return p.Post(ctx, channel, r)
}
func (p *recordingPlatform) Update(context.Context, string, string, commands.Reply) error { return nil }

// replica is one healthbot process: its own store handle, scheduler and
// outbox worker, over the shared database.
type replica struct {
	store  *models.Store
	sched  *scheduler.Scheduler
	worker *outbox.Worker
	tickFn func(ctx context.Context, at time.Time)
}

func simConfig() scoring.Config {
	cfg := scoring.Default()
	cfg.Channels.Default = map[string]string{"slack": "C-health", "discord": "D-health"}
	return cfg
}

func newReplica(t *testing.T, s *models.Store, owner string, platforms ...*recordingPlatform) *replica {
	t.Helper()
	cfg := simConfig()
	var clock time.Time
	now := func() time.Time { return clock }
	svc := &commands.Service{Store: s, Config: cfg, Now: now, Log: quiet()}
	al := &commands.Alerter{Config: cfg, Platforms: []string{"slack", "discord"}, Now: now, Log: quiet(), Service: svc, Chart: chart.StatusPNG}
	svc.OnRescore = al.OnRescore
	tasks, err := scheduler.StandardTasks(cfg.Schedule, time.UTC, scheduler.Jobs{
		Rescore:        func(ctx context.Context, day time.Time) error { return scriptedRescore(ctx, s, al, day) },
		WeeklySummary:  al.QueueWeeklySummary,
		CriticalDigest: al.QueueCriticalDigest,
	})
	if err != nil {
		t.Fatal(err)
	}
	sc := newSched(s, owner, tasks...)
	sc.Now = now
	w := outbox.New(s, quiet())
	for _, p := range platforms {
		w.Posters[p.name] = p
	}
	w.Now = now
	r := &replica{store: s, sched: sc, worker: w}
	// The replica's clock is set by tick.
	r.sched.Now = func() time.Time { return clock }
	r.tickFn = func(ctx context.Context, at time.Time) {
		clock = at
		r.sched.Tick(ctx, at)
		for {
			n, err := r.worker.RunOnce(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if n == 0 {
				return
			}
		}
	}
	return r
}

// scriptedRescore stands in for Service.Rescore: it writes the day's
// scripted snapshots and runs the real alert hook in the same transaction.
func scriptedRescore(ctx context.Context, s *models.Store, al *commands.Alerter, day time.Time) error {
	d := int(day.Sub(time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	return s.WithTx(ctx, func(tx *models.Store) error {
		if d >= 40 {
			if err := tx.DB().Model(&models.Account{}).Where("slug = ?", "gamma").Update("sponsor_status", "departed").Error; err != nil {
				return err
			}
		}
		accounts, err := tx.ActiveAccounts(ctx, day)
		if err != nil {
			return err
		}
		prev, err := tx.LatestSnapshots(ctx, day.AddDate(0, 0, -1))
		if err != nil {
			return err
		}
		prevBy := map[uint]models.Snapshot{}
		for _, p := range prev {
			prevBy[p.AccountID] = p
		}
		var scored []commands.Scored
		var snaps []models.Snapshot
		for _, a := range accounts {
			n := scripted[a.Slug](d)
			st := scoring.StatusOf(n)
			r := scoring.Result{AccountID: a.ID, AsOf: day, Known: true, Score: n, Computed: n, Status: st}
			sc := commands.Scored{Account: a, Result: r}
			if p, ok := prevBy[a.ID]; ok {
				sc.Previous = &p
			}
			scored = append(scored, sc)
			snaps = append(snaps, models.Snapshot{AccountID: a.ID, Day: day.Format(models.DayLayout), Known: true, Score: n, Computed: n, Status: string(st), Subscores: "{}"})
		}
		if err := tx.SaveSnapshots(ctx, snaps); err != nil {
			return err
		}
		return al.OnRescore(ctx, tx, day, scored)
	})
}

func seedAccounts(t *testing.T, s *models.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.MigrateAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	var rows []models.Account
	for _, slug := range []string{"acme", "beta", "gamma"} {
		rows = append(rows, models.Account{ExternalID: slug, Name: strings.ToUpper(slug[:1]) + slug[1:], Slug: slug, Owner: "maria", MRRCents: 100000, SponsorStatus: "active", Plan: "pro"})
	}
	if _, err := s.UpsertAccounts(ctx, rows); err != nil {
		t.Fatal(err)
	}
}

// checkSim checks what the platforms show and what the database holds after
// a full simulation.
func checkSim(t *testing.T, s *models.Store, platforms ...*recordingPlatform) {
	t.Helper()
	ctx := context.Background()
	alerts, err := s.Alerts(ctx, simStart.AddDate(0, 0, -1), simEnd)
	if err != nil {
		t.Fatal(err)
	}
	slugs := map[uint]string{}
	accs, _ := s.ActiveAccounts(ctx, simEnd)
	for _, a := range accs {
		slugs[a.ID] = a.Slug
	}
	var got []string
	for _, a := range alerts {
		got = append(got, fmt.Sprintf("%s/%s/%d", slugs[a.AccountID], a.Rule, a.Arming))
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(wantAlerts, " ") {
		t.Errorf("alerts %v, want %v", got, wantAlerts)
	}
	for _, p := range platforms {
		kinds := map[string]int{}
		for k, n := range p.byKey {
			if n != 1 {
				t.Errorf("%s: %s shown %d times", p.name, k, n)
			}
			kinds[strings.SplitN(k, "/", 2)[0]]++
		}
		if kinds["summary"] != 8 || kinds["alert"] != len(wantAlerts) {
			t.Errorf("%s: %d summaries and %d alerts shown, want 8 and %d", p.name, kinds["summary"], kinds["alert"], len(wantAlerts))
		}
		// Acme is Critical from day 46 (35 < 40). The digest runs daily at
		// 09:00: days 46 to 50, then the outage (day 50 10:00 to day 53
		// 10:00) misses days 51 to 53 and only day 53 runs, at start-up,
		// then days 54 and 55; day 56 (3 March) 09:00 is the end: 8.
		if kinds["digest"] != 8 {
			t.Errorf("%s: %d critical digests, want 8 (days 46–50, 53–55)", p.name, kinds["digest"])
		}
		t.Logf("%s: %d summaries (%d with the chart), %d alerts, %d digests", p.name, kinds["summary"], p.files, kinds["alert"], kinds["digest"])
	}
	counts, _ := s.OutboxCounts(ctx)
	if counts[models.OutboxPending]+counts[models.OutboxSending]+counts[models.OutboxFailed] != 0 {
		t.Errorf("outbox not drained: %v", counts)
	}
}

// simTimes is every hour of the simulation, except a three-day outage
// (days 50–52, 10:00 to 10:00) after which only the latest missed periods run.
func simTimes() []time.Time {
	var out []time.Time
	downFrom, downTo := simStart.AddDate(0, 0, 50), simStart.AddDate(0, 0, 53)
	for at := simStart; at.Before(simEnd); at = at.Add(time.Hour) {
		if !at.Before(downFrom) && at.Before(downTo) {
			continue
		}
		out = append(out, at)
	}
	return out
}

func TestEightSimulatedWeeks(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seedAccounts(t, s)
		slack := &recordingPlatform{name: "slack", byKey: map[string]int{}}
		discord := &recordingPlatform{name: "discord", byKey: map[string]int{}}
		r := newReplica(t, s, "first", slack, discord)
		ctx := context.Background()
		times := simTimes()
		for i, at := range times {
			if i == len(times)/2 {
				// A restart: a new process with no memory of what ran.
				r = newReplica(t, s, "restarted", slack, discord)
			}
			r.tickFn(ctx, at)
		}
		checkSim(t, s, slack, discord)
		runs, _ := s.TaskRuns(ctx, scheduler.TaskWeeklySummary)
		if len(runs) != 8 {
			t.Errorf("%d weekly summary runs, want 8", len(runs))
		}
		// The outage (day 50 10:00 to day 53 10:00) skipped the rescores of days 51
		// and 52; day 53's ran once at start-up.
		rescores, _ := s.TaskRuns(ctx, scheduler.TaskRescore)
		for _, run := range rescores {
			if run.Period == "2025-02-26" || run.Period == "2025-02-27" {
				t.Errorf("missed period %s was replayed", run.Period)
			}
		}
		if n := len(rescores); n != 55 {
			t.Errorf("%d rescore runs, want 55 (56 days less 2 missed)", n)
		}

		// Acknowledging an alert from Slack records it, replaces the Slack
		// message and re-queues the Discord copy for an in-place update.
		alerts, _ := s.Alerts(ctx, simStart, simEnd)
		svc := &commands.Service{Store: s, Config: simConfig(), Now: func() time.Time { return simEnd }, Log: quiet()}
		rep, err := svc.HandleAlertAction(ctx, commands.Caller{Platform: "slack", UserName: "maria"}, fmt.Sprintf("/alert ack %d", alerts[0].ID))
		if err != nil || !rep.Replace || !strings.Contains(strings.Join(rep.Context, "\n"), "Acknowledged by maria") {
			t.Fatalf("ack reply %+v, %v", rep, err)
		}
		msgs, _ := s.AlertMessages(ctx, alerts[0].ID)
		for _, m := range msgs {
			if want := map[string]string{"slack": models.OutboxSent, "discord": models.OutboxPending}[m.Platform]; m.Status != want || m.Ref == "" {
				t.Errorf("%s copy after ack: status %s ref %q, want %s with its ref", m.Platform, m.Status, m.Ref, want)
			}
		}
		if rec, _ := s.Alert(ctx, alerts[0].ID); rec.AckedBy != "maria" {
			t.Errorf("acked by %q", rec.AckedBy)
		}
	})
}

func TestTwoReplicasDeliverOnce(t *testing.T) {
	run := func(t *testing.T, open func() *models.Store) {
		a, b := open(), open()
		seedAccounts(t, a)
		if err := b.MigrateAlerts(context.Background()); err != nil {
			t.Fatal(err)
		}
		slack := &recordingPlatform{name: "slack", byKey: map[string]int{}}
		discord := &recordingPlatform{name: "discord", byKey: map[string]int{}}
		ra := newReplica(t, a, "replica-a", slack, discord)
		rb := newReplica(t, b, "replica-b", slack, discord)
		// Both replicas tick at every simulated hour at the same time, as
		// two processes with synchronised clocks would; each hour waits for
		// both, so their fake clocks never drift hours apart (a lease is
		// two minutes).
		for _, at := range simTimes() {
			var wg sync.WaitGroup
			for _, r := range []*replica{ra, rb} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.tickFn(context.Background(), at)
				}()
			}
			wg.Wait()
		}
		checkSim(t, a, slack, discord)
	}
	modelstest.ForEachShared(t, run)
}
