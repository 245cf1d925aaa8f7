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

func TestWeeklySummaryGolden(t *testing.T) {
	day := time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)
	acc := func(id uint, name, plan, owner string) *models.Account {
		return &models.Account{ID: id, Name: name, Slug: name, Plan: plan, Owner: owner}
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
	rep := buildSummary(scoring.Default(), day, rows, m, pulses, map[uint]int64{1: 420000, 2: 900000, 3: 120000, 4: 300000}, true)
	goldenJSON(t, "summary_week.golden.json", rep)
}
