package commands_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// profileRulesModel gives segment smb a profile that restates the pulse
// window (60 days instead of 30) and the reason codes; a play opens a task
// when an account's pulse is stale.
const profileRulesModel = `
value_features: [reports, dashboards]
reason_codes: [budget, champion-left]
channels: {default: {slack: C-health, discord: D-health}}
plays:
  - {name: save, on: [pulse_red], title: "Save plan for {account}", due_days: 3}
  - {name: refresh, on: [pulse_stale], title: "Refresh the pulse of {account}", due_days: 7}
profiles:
  - name: smb
    match: {segment: [smb]}
    windows: {pulse_days: 60}
    reason_codes: [price, onboarding]
`

// TestProfilesDrivePulsesAlertsAndPlays: what a profile restates is what
// the account is judged by beyond its score. Two accounts with the same
// data and a red pulse 45 days old: smb-co (profile smb, pulses count 60
// days) is capped by it, its pulse_red alert fires and opens the save
// play, and its pulse is not stale; mid-co (the top level, 30 days) is not
// capped, gets no alert, and its stale pulse opens the refresh play. A
// red pulse takes the reason codes of the account's profile.
func TestProfilesDrivePulsesAlertsAndPlays(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		model, err := scoring.ParseModel([]byte(profileRulesModel))
		if err != nil {
			t.Fatal(err)
		}
		w := newAlertWorld(t, s)
		cfg := model.Default.Config
		w.svc.Model, w.svc.Config = &model, cfg
		planner := &commands.Planner{Config: cfg, Platforms: []string{"slack", "discord"}, Now: w.clock.Now, Log: w.svc.Log}
		al := &commands.Alerter{Config: cfg, Platforms: []string{"slack", "discord"}, Now: w.clock.Now, Log: w.svc.Log, Service: w.svc, Planner: planner}
		w.svc.OnRescore, w.svc.Planner = al.OnRescore, planner
		const smb, mid = 1, 2
		w.addAccount(smb, "smb-co", "Smb Co", "")
		w.addAccount(mid, "mid-co", "Mid Co", "")
		if err := s.DB().Exec("UPDATE accounts SET segment = 'smb' WHERE id = ?", smb).Error; err != nil {
			t.Fatal(err)
		}
		for _, id := range []uint{smb, mid} {
			insert(t, s, &models.Pulse{AccountID: id, At: e2eAt(-45, 10), Day: e2eDayStr(-45), Colour: "red", Reason: "budget", By: "Maria"})
		}
		w.rescore(0)

		capped := func(id uint) bool {
			var sn models.Snapshot
			if err := s.DB().Where("account_id = ? AND day = ?", id, e2eDayStr(0)).Take(&sn).Error; err != nil {
				t.Fatal(err)
			}
			r, err := sn.Result()
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(r.Overrides, func(o scoring.Override) bool { return o.Rule == scoring.RulePulseRed })
		}
		if !capped(smb) || capped(mid) {
			t.Errorf("pulse cap: smb-co %v, mid-co %v; want only smb-co's (its profile counts pulses 60 days)", capped(smb), capped(mid))
		}
		hasRule := func(alerts []string, rule string) bool {
			return slices.ContainsFunc(alerts, func(a string) bool { return strings.HasPrefix(a, rule+"/") })
		}
		if a := w.alerts(smb); !hasRule(a, scoring.AlertPulseRed) {
			t.Errorf("smb-co alerts %v, want pulse_red: the red pulse in its profile's window", a)
		}
		if a := w.alerts(mid); hasRule(a, scoring.AlertPulseRed) {
			t.Errorf("mid-co alerts %v, want no pulse_red: its pulse is past the top level's 30 days", a)
		}
		if got := w.tasks(smb); !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "save/") }) ||
			slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "refresh/") }) {
			t.Errorf("smb-co tasks %v, want save and no refresh (its pulse is within its 60 days)", got)
		}
		if got := w.tasks(mid); !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "refresh/") }) {
			t.Errorf("mid-co tasks %v, want refresh (its pulse is older than the top level's 30 days)", got)
		}

		ctx := context.Background()
		w.clock.t = e2eAt(0, 12)
		r, err := w.svc.Execute(ctx, callerMaria, typed(t, "/pulse smb-co red price too dear"))
		if err != nil || !strings.Contains(r.Text, "reason: price") {
			t.Errorf("smb-co's red pulse with its profile's code: %q, %v", r.Text, err)
		}
		r, err = w.svc.Execute(ctx, callerMaria, typed(t, "/pulse mid-co red price too dear"))
		if err != nil || !strings.Contains(r.Text, "not a reason code") || !strings.Contains(r.Text, "budget, champion-left") {
			t.Errorf("mid-co's red pulse with another profile's code: %q, %v", r.Text, err)
		}
	})
}
