package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

func TestRescore(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		var h hookLog
		svc.OnRescore = h.hook
		ctx := context.Background()
		today := s.DayAt(fixedNow)

		stats, err := svc.Rescore(ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Accounts != 3 || stats.Known != 3 || stats.ByStatus[scoring.Healthy] != 1 ||
			stats.ByStatus[scoring.AtRisk] != 1 || stats.ByStatus[scoring.Critical] != 1 || !stats.Day.Equal(today) {
			t.Errorf("stats = %+v", stats)
		}
		if n := countRows(t, s, &models.Snapshot{}, "day = ?", fixtureDay(0)); n != 3 {
			t.Errorf("%d snapshots for the day, want 3 (one per active account)", n)
		}
		if n := countRows(t, s, &models.Snapshot{}, "account_id = ?", churnedID); n != 0 {
			t.Errorf("churned account got %d snapshots", n)
		}
		if h.calls != 1 || len(h.scored) != 3 {
			t.Fatalf("OnRescore: %d calls, %d scored; want 1 call with 3", h.calls, len(h.scored))
		}
		prev := map[uint]string{}
		for _, sc := range h.scored {
			if sc.Previous != nil {
				prev[sc.Account.ID] = fmt.Sprintf("%s %d", sc.Previous.Day, sc.Previous.Score)
			}
		}
		want := map[uint]string{acmeID: fixtureDay(7) + " 93", globexID: fixtureDay(3) + " 59"}
		if fmt.Sprint(prev) != fmt.Sprint(want) {
			t.Errorf("previous snapshots = %v, want %v", prev, want)
		}
		snap := todaySnapshot(t, s, globexID)
		if snap.Score != 59 || snap.Computed != 65 || snap.Status != "At-risk" ||
			snap.Subscores != `{"adoption":40,"engagement":67,"payment":100,"support":75,"usage":67}` {
			t.Errorf("Globex snapshot = %+v", snap)
		}
		var det models.SnapshotDetails
		if err := json.Unmarshal([]byte(snap.Details), &det); err != nil || len(det.Raw) != 5 || det.Raw[scoring.Usage] == "" ||
			len(det.Overrides) != 1 || det.Overrides[0] != "executive sponsor left" {
			t.Errorf("Globex snapshot details = %s (%v); want the 5 raw figures and the sponsor override", snap.Details, err)
		}

		// Re-running the day replaces its rows with the new scores.
		insert(t, s, &models.Invoice{ExternalID: "I-9", AccountID: acmeID, AmountCents: 100, DueOn: fixtureDay(5), Status: "failed"})
		if _, err := svc.Rescore(ctx, today); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, &models.Snapshot{}, "day = ?", fixtureDay(0)); n != 3 {
			t.Errorf("%d snapshots after re-running the day, want 3", n)
		}
		if snap := todaySnapshot(t, s, acmeID); snap.Score != 85 {
			t.Errorf("Acme after a failed invoice = %+v, want 85", snap)
		}

		// A past day is scored as of that day and leaves today alone.
		if _, err := svc.Rescore(ctx, today.AddDate(0, 0, -1)); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, &models.Snapshot{}, "day = ?", fixtureDay(1)); n != 3 {
			t.Errorf("%d snapshots for yesterday, want 3", n)
		}
	})
}

// The number of statements of a rescore does not grow with accounts.
func TestRescoreConstantQueries(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		ctx := context.Background()
		today := s.DayAt(fixedNow)
		rescore := func(ctx context.Context) error { _, err := svc.Rescore(ctx, today); return err }
		small, err := models.CountQueries(ctx, rescore)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			insert(t, s, &models.Account{ID: uint(100 + i), ExternalID: fmt.Sprintf("X-%d", i), Name: fmt.Sprintf("Extra %02d", i), Slug: fmt.Sprintf("extra-%d", i)})
			insert(t, s, &models.Activity{AccountID: uint(100 + i), Day: fixtureDay(1), UserID: "u"})
		}
		big, err := models.CountQueries(ctx, rescore)
		if err != nil {
			t.Fatal(err)
		}
		if small != big {
			t.Errorf("rescore of 3 accounts: %d queries, of 23: %d; want the same", small, big)
		}
		t.Logf("rescore: %d queries", big)
	})
}

// threeComponents is the default model with three custom components over
// three metrics, of which one has no row (no data: weight shared out).
const threeComponents = `
weights: {seat_use: 10, trainings: 5, logins: 5}
components:
  seat_use:  {metric: seats_active, aggregate: latest, days: 30, per: seats, bands: [{min: 0.8, label: full, score: 100}, {min: 0, label: low, score: 20}]}
  trainings: {metric: trainings, aggregate: sum, days: 90, bands: [{min: 3, label: trained, score: 100}, {min: 0, label: untrained, score: 0}]}
  logins:    {metric: logins, aggregate: mean, days: 7, bands: [{min: 5, label: daily, score: 100}, {min: 0, label: rare, score: 30}]}
`

// Three custom components cost a rescore one statement, whatever the
// number of accounts and components: their figures for every account come
// from one UNION ALL, and whether each metric has any row is asked within
// the statement that asks it of the built-in sources. Pinned: a rescore
// with them runs exactly one statement more than without.
func TestRescoreCustomComponentsCostOneStatement(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		ctx := context.Background()
		today := s.DayAt(fixedNow)
		for id, v := range map[uint]float64{acmeID: 9, globexID: 4} {
			insert(t, s, &models.Metric{AccountID: id, Name: "seats_active", Day: fixtureDay(2), Value: v})
			insert(t, s, &models.Metric{AccountID: id, Name: "trainings", Day: fixtureDay(40), Value: 2})
		}
		// The fixture's activity folded first (PostgreSQL), so that every
		// count below starts from the same empty queue.
		if _, err := s.FoldActivityRollups(ctx, 0); err != nil {
			t.Fatal(err)
		}
		plain, _ := newTestService(s)
		custom, _ := newTestService(s)
		model, err := scoring.ParseModel([]byte(threeComponents))
		if err != nil {
			t.Fatal(err)
		}
		custom.Model, custom.Config = &model, model.Default.Config
		count := func(svc *commands.Service) int {
			t.Helper()
			n, err := models.CountQueries(ctx, func(ctx context.Context) error { _, err := svc.Rescore(ctx, today); return err })
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		base, with := count(plain), count(custom)
		for i := 0; i < 20; i++ {
			insert(t, s, &models.Account{ID: uint(100 + i), ExternalID: fmt.Sprintf("X-%d", i), Name: fmt.Sprintf("Extra %02d", i), Slug: fmt.Sprintf("extra-%d", i), Seats: 5})
			insert(t, s, &models.Metric{AccountID: uint(100 + i), Name: "seats_active", Day: fixtureDay(1), Value: 5})
		}
		if with != base+1 || count(custom) != with {
			t.Errorf("rescore: %d statements with three custom components (%d with 20 accounts more), %d without; want exactly one more, and no more with more accounts",
				with, count(custom), base)
		}
		t.Logf("rescore: %d statements, %d with three custom components", base, with)
		sn := todaySnapshot(t, s, acmeID)
		if r, err := sn.Result(); err != nil || !strings.Contains(sn.Subscores, `"seat_use":100`) || !strings.Contains(sn.Subscores, `"trainings":0`) || strings.Contains(sn.Subscores, "logins") {
			t.Errorf("Acme's snapshot: %s (%v, %v); want seat_use and trainings scored, logins without data", sn.Subscores, r.NoData, err)
		}
	})
}

// Rescoring rolls back as a whole when the OnRescore hook fails.
func TestRescoreHookFailureRollsBack(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		svc.OnRescore = func(context.Context, *models.Store, time.Time, []commands.Scored) error { return fmt.Errorf("boom") }
		if _, err := svc.Rescore(context.Background(), s.DayAt(fixedNow)); err == nil {
			t.Fatal("Rescore succeeded with a failing hook")
		}
		if n := countRows(t, s, &models.Snapshot{}, "day = ?", fixtureDay(0)); n != 0 {
			t.Errorf("%d snapshots kept after a failed rescore", n)
		}
	})
}

func TestRescoreAccounts(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		var h hookLog
		svc.OnRescore = h.hook
		ctx := context.Background()
		var got []commands.Scored
		err := s.WithTx(ctx, func(tx *models.Store) error {
			var err error
			got, err = svc.RescoreAccounts(ctx, tx, s.DayAt(fixedNow), []uint{initechID, churnedID, 999})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Account.ID != initechID || got[0].Result.Score != 3 || got[0].Previous != nil {
			t.Fatalf("RescoreAccounts = %+v", got)
		}
		if n := countRows(t, s, &models.Snapshot{}, "day = ?", fixtureDay(0)); n != 1 {
			t.Errorf("%d snapshots today, want 1 (Initech only)", n)
		}
		if h.calls != 1 || len(h.scored) != 1 {
			t.Errorf("OnRescore: %d calls with %d accounts, want 1 with 1", h.calls, len(h.scored))
		}
	})
}

// With the real Alerter wired as cmd/healthbot wires it, a full rescore in
// which alerts fire (red pulses, departed sponsors, falls below 60) still
// issues the same number of statements for 3 accounts as for 23.
func TestRescoreConstantQueriesWithAlerts(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, clock := newTestService(s)
		svc.Config.Channels.Default = map[string]string{"slack": "C-health", "discord": "D-health"}
		al := &commands.Alerter{Config: svc.Config, Platforms: []string{"slack", "discord"}, Now: clock.Now,
			Log: svc.Log, Service: svc}
		svc.OnRescore = al.OnRescore
		ctx := context.Background()
		today := s.DayAt(fixedNow)
		// Acme gets a red pulse: pulse_red fires and its cap takes it below 60.
		insert(t, s, &models.Pulse{AccountID: acmeID, At: fixtureAt(1), Day: fixtureDay(1), Colour: "red", Reason: "budget", By: "maria"})
		rescore := func(ctx context.Context) error { _, err := svc.Rescore(ctx, today); return err }

		small, err := models.CountQueries(ctx, rescore)
		if err != nil {
			t.Fatal(err)
		}
		smallAlerts := countRows(t, s, &models.AlertRecord{}, "1 = 1")
		smallMsgs := countRows(t, s, &models.OutboxMessage{}, "1 = 1")
		if smallAlerts == 0 || smallMsgs == 0 {
			t.Fatalf("3 accounts: %d alerts, %d messages; the test needs some to fire", smallAlerts, smallMsgs)
		}

		// Start over with 20 more accounts, every one firing: each was
		// Healthy yesterday; even ones have a red pulse, every third a
		// departed sponsor (alerted when it leaves, so it left since).
		for _, table := range []string{"alert_states", "alerts", "outbox"} {
			if err := s.DB().Exec("DELETE FROM " + table).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DB().Where("day = ?", fixtureDay(0)).Delete(&models.Snapshot{}).Error; err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			id := uint(100 + i)
			sponsor := "active"
			if i%3 == 0 {
				sponsor = "departed"
			}
			owner := []string{"maria", "bob", ""}[i%3]
			insert(t, s, &models.Account{ID: id, ExternalID: fmt.Sprintf("X-%d", i), Name: fmt.Sprintf("Extra %02d", i),
				Slug: fmt.Sprintf("extra-%d", i), Owner: owner, SponsorStatus: sponsor})
			insert(t, s, &models.Activity{AccountID: id, Day: fixtureDay(1), UserID: "u"})
			insert(t, s, &models.Snapshot{AccountID: id, Day: fixtureDay(1), Known: true, Score: 90, Computed: 90, Status: "Healthy", Subscores: "{}"})
			if i%2 == 0 {
				insert(t, s, &models.Pulse{AccountID: id, At: fixtureAt(2), Day: fixtureDay(2), Colour: "red", Reason: "competitor", By: owner})
			}
		}
		big, err := models.CountQueries(ctx, rescore)
		if err != nil {
			t.Fatal(err)
		}
		bigAlerts := countRows(t, s, &models.AlertRecord{}, "1 = 1")
		bigMsgs := countRows(t, s, &models.OutboxMessage{}, "1 = 1")
		if bigAlerts < smallAlerts+20 || bigMsgs <= smallMsgs {
			t.Errorf("23 accounts: %d alerts, %d messages; want at least %d alerts and more than %d messages", bigAlerts, bigMsgs, smallAlerts+20, smallMsgs)
		}
		if n := countRows(t, s, &models.AlertRecord{}, "rule = ?", scoring.AlertPulseRed); n != 11 {
			t.Errorf("%d pulse_red alerts, want 11 (Acme and 10 extra)", n)
		}
		if small != big {
			t.Errorf("rescore with alerts of 3 accounts: %d queries (%d alerts), of 23: %d (%d alerts); want the same", small, smallAlerts, big, bigAlerts)
		}
		t.Logf("rescore with alerts: %d queries for 3 accounts (%d alerts, %d messages), %d for 23 (%d alerts, %d messages)",
			small, smallAlerts, smallMsgs, big, bigAlerts, bigMsgs)
	})
}

// A batch that touched a few accounts is scored one by one; a larger one
// with the set-based pass. Both must give every account the same result.
func TestRescoreAccountsSmallAndLargePathsAgree(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		ctx := context.Background()
		day := s.DayAt(fixedNow)
		accounts, err := s.ActiveAccounts(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		// The set-based pass: more ids than the one-by-one limit (unknown
		// ids pad the list and are skipped).
		var many []uint
		for _, a := range accounts {
			many = append(many, a.ID)
		}
		for id := uint(1000); len(many) <= 30; id++ {
			many = append(many, id)
		}
		rescore := func(ids []uint) map[uint]scoring.Result {
			out := map[uint]scoring.Result{}
			err := s.WithTx(ctx, func(tx *models.Store) error {
				got, err := svc.RescoreAccounts(ctx, tx, day, ids)
				for _, sc := range got {
					out[sc.Account.ID] = sc.Result
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		all := rescore(many)
		if len(all) != len(accounts) {
			t.Fatalf("set-based pass scored %d accounts, want %d", len(all), len(accounts))
		}
		for _, a := range accounts {
			one := rescore([]uint{a.ID})
			if !reflect.DeepEqual(one[a.ID], all[a.ID]) {
				t.Errorf("%s: one by one %+v\nset-based %+v", a.Slug, one[a.ID], all[a.ID])
			}
		}
	})
}

// TestRescorePrefetchesAndPlansWhereItReadsFirst: where the daily
// rescore reads before its write transaction (PostgreSQL), it starts the
// Alerter's read of the arm states then, once, and evaluates the rules
// beside its COPY (PlanRescore) once, with the previous snapshots set;
// the alerts it decides so are the ones an in-transaction evaluation
// decides (the alert and plays end-to-end tests run the same scenarios
// through both, one per dialect); SQLite does both in the transaction.
func TestRescorePrefetchesAndPlansWhereItReadsFirst(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, clock := newTestService(s)
		svc.Config.Channels.Default = map[string]string{"slack": "C-health"}
		al := &commands.Alerter{Config: svc.Config, Platforms: []string{"slack"}, Now: clock.Now, Log: svc.Log, Service: svc}
		prefetched, planned := 0, 0
		svc.OnRescore = al.OnRescore
		svc.PrefetchRescore = func(ctx context.Context, store *models.Store) context.Context {
			prefetched++
			return al.Prefetch(ctx, store)
		}
		svc.PlanRescore = func(ctx context.Context, store *models.Store, day time.Time, scored []commands.Scored) (context.Context, error) {
			planned++
			if acme := findScored(scored, acmeID); acme == nil || acme.Previous == nil {
				t.Errorf("planned without Acme's previous snapshot: %+v", acme)
			}
			return al.Plan(ctx, store, day, scored)
		}
		insert(t, s, &models.Pulse{AccountID: acmeID, At: fixtureAt(1), Day: fixtureDay(1), Colour: "red", Reason: "budget", By: "maria"})
		today := s.DayAt(fixedNow)
		for range 2 {
			if _, err := svc.Rescore(context.Background(), today); err != nil {
				t.Fatal(err)
			}
		}
		want := 0
		if s.Dialect() == models.DialectPostgres {
			want = 2
		}
		if prefetched != want || planned != want {
			t.Errorf("arm states prefetched %d times and alerts planned %d times in 2 rescores, want %d", prefetched, planned, want)
		}
		if n := countRows(t, s, &models.AlertRecord{}, "account_id = ? AND rule = ?", acmeID, scoring.AlertPulseRed); n != 1 {
			t.Errorf("pulse_red alerts for Acme after the day was rescored twice: %d, want 1", n)
		}
		if n := countRows(t, s, &models.AlertState{}, "account_id = ? AND rule = ?", acmeID, scoring.AlertPulseRed); n != 1 {
			t.Errorf("pulse_red states for Acme: %d, want 1", n)
		}
	})
}

// findScored is the scored account id, nil when absent.
func findScored(scored []commands.Scored, id uint) *commands.Scored {
	for i := range scored {
		if scored[i].Account.ID == id {
			return &scored[i]
		}
	}
	return nil
}
