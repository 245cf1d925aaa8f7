package commands

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

var updateAlerts = flag.Bool("update-alerts", false, "rewrite the alert and summary golden files")

func goldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *updateAlerts {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update-alerts)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n%s", path, got)
	}
}

func TestAlertMessageGolden(t *testing.T) {
	renewal := "2025-06-30"
	part := func(c string, sub int, w float64, raw string) scoring.Part {
		return scoring.Part{Component: c, HasData: true, Sub: sub, Weight: w, Raw: raw}
	}
	in := AlertInput{
		Alert:   models.AlertRecord{ID: 41, DedupeKey: "7/below_60/1", AccountID: 7, Rule: scoring.AlertBelow60, Arming: 1, FromScore: 72, ToScore: 52},
		Account: models.Account{ID: 7, Name: "Acme Corp", Slug: "acme", Owner: "maria", MRRCents: 420000, RenewalOn: &renewal},
		// Sub-scores are band scores of the default model, and each score is
		// the weighted sum of its sub-scores: 72.15 before, 51.95 now.
		Result: scoring.Result{AccountID: 7, Known: true, Score: 52, Computed: 52, Status: scoring.AtRisk, Parts: []scoring.Part{
			part(scoring.Usage, 33, 30, "DAU 0.4 / MAU 10 = 0.04"),
			part(scoring.Adoption, 80, 25, "4 of 5 value features (0.80)"),
			part(scoring.Support, 25, 20, "3 tickets: 0 positive, 1 neutral, 2 negative (mean -0.67)"),
			part(scoring.Engagement, 67, 15, "last touch 21 days ago, 2 in 90 days"),
			part(scoring.Payment, 70, 10, "1 invoice paid late in 180 days"),
		}},
		Previous: &models.Snapshot{AccountID: 7, Day: "2025-03-02", Known: true, Score: 72, Computed: 72, Status: "Stable",
			Subscores: `{"usage":67,"adoption":80,"support":75,"engagement":67,"payment":70}`,
			Details: `{"raw":{"usage":"DAU 3.1 / MAU 10 = 0.31","adoption":"4 of 5 value features (0.80)",` +
				`"support":"3 tickets: 1 positive, 1 neutral, 1 negative (mean 0.00)","engagement":"last touch 20 days ago, 2 in 90 days",` +
				`"payment":"1 invoice paid late in 180 days"}}`},
		Owner:    models.CSM{Handle: "maria", SlackUserID: "U024BE7LH"},
		Platform: "slack",
		Config:   scoring.Default(),
	}
	msg := AlertMessage(in)
	want := "usage −10 (67 → 33: DAU 3.1 / MAU 10 = 0.31 → DAU 0.4 / MAU 10 = 0.04), " +
		"support −10 (75 → 25: 3 tickets: 1 positive, 1 neutral, 1 negative (mean 0.00) → 3 tickets: 0 positive, 1 neutral, 2 negative (mean -0.67))"
	if !bytes.Contains([]byte(msg.Text), []byte(want)) {
		t.Errorf("text %q lacks %q", msg.Text, want)
	}
	goldenJSON(t, "alert_below_60.golden.json", msg)

	acked := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	until := "2025-03-10"
	rec := in.Alert
	rec.AckedBy, rec.AckedAt, rec.SnoozedBy, rec.SnoozedUntil = "maria", &acked, "maria", &until
	markHandled(&msg, rec)
	goldenJSON(t, "alert_below_60_handled.golden.json", msg)
}

func TestWeeklySummaryGolden(t *testing.T) {
	day := time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)
	acc := func(id uint, name, plan, owner string) models.Account {
		return models.Account{ID: id, Name: name, Slug: name, Plan: plan, Owner: owner}
	}
	snap := func(id uint, score int, subs string) models.Snapshot {
		return models.Snapshot{AccountID: id, Known: true, Score: score, Status: string(scoring.StatusOf(score)), Subscores: subs}
	}
	prev := func(score int) *models.Snapshot { s := snap(0, score, "{}"); return &s }
	rows := []summaryAccount{
		{acc: acc(1, "Acme Corp", "pro", "maria"), snap: snap(1, 58, `{"usage":33,"support":25}`), prev: prev(72), mrr: 420000, prevMRR: 420000, costliest: "usage"},
		{acc: acc(2, "Beta Ltd", "enterprise", "li"), snap: snap(2, 86, "{}"), prev: prev(79), mrr: 900000, prevMRR: 850000},
		{acc: acc(3, "Gamma Inc", "starter", "maria"), snap: snap(3, 31, "{}"), prev: prev(35), mrr: 120000, prevMRR: 120000, daysCrit: 12, costliest: "payment"},
		{acc: acc(4, "Delta", "pro", ""), snap: snap(4, 66, "{}"), prev: prev(66), mrr: 300000, prevMRR: 300000},
	}
	m := scoring.OrgMetrics(scoring.Default(), scoring.OrgInputs{
		NPSPromoters: 6, NPSPassives: 3, NPSDetractors: 1, CSATResponses: 10, CSATSatisfied: 8, CSATSum: 42,
		TimeToValueDays: []int{5, 9, 6}, MAU: 160, Seats: 200, AccountsAtStart: 4, Expanded: 1, MRRStartCents: 1690000, MRREndCents: 1740000,
	})
	pulses := []models.Pulse{{AccountID: 1, Colour: "red", Reason: "budget"}, {AccountID: 3, Colour: "red", Reason: "budget"}, {AccountID: 2, Colour: "green"}}
	rep := buildSummary(scoring.Default(), day, rows, m, pulses, map[uint]int64{1: 420000, 2: 900000, 3: 120000, 4: 300000})
	goldenJSON(t, "summary_week.golden.json", rep)
}
