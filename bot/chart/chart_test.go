package chart_test

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/scoring"
)

var update = flag.Bool("update", false, "rewrite the PNG files under testdata/")

func TestStatusPNG(t *testing.T) {
	var weeks []commands.StatusWeek
	day := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 8; i++ {
		weeks = append(weeks, commands.StatusWeek{Day: day.AddDate(0, 0, 7*i), Counts: map[scoring.Status]int{
			scoring.Healthy: 10 + i, scoring.Stable: 14 - i, scoring.AtRisk: 8 - i/2, scoring.Critical: 3 + i%3,
		}})
	}
	got, err := chart.StatusPNG(weeks)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 720 || b.Dy() != 400 {
		t.Fatalf("size %v", b)
	}
	checkPNG(t, "status_8_weeks.png", got)
	if _, err := chart.StatusPNG(nil); err == nil {
		t.Fatal("no weeks accepted")
	}
}

// History starting mid-chart: empty weeks are a thin line, "No data"
// joins the legend, and a one-account segment too thin for its count
// shows none.
func TestStatusPNGPartialHistory(t *testing.T) {
	var weeks []commands.StatusWeek
	day := time.Date(2025, 9, 28, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 8; i++ {
		c := map[scoring.Status]int{}
		if i >= 5 {
			c = map[scoring.Status]int{scoring.Healthy: 12, scoring.Stable: 15, scoring.AtRisk: 6, scoring.Critical: 1 + i%2, scoring.NoData: 3}
		}
		weeks = append(weeks, commands.StatusWeek{Day: day.AddDate(0, 0, 7*i), Counts: c})
	}
	got, err := chart.StatusPNG(weeks)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "status_partial.png", got)
}

func checkPNG(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("chart differs from %s (look at it, then -update)", golden)
	}
}
