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

var update = flag.Bool("update", false, "rewrite testdata/status_8_weeks.png")

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
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 320 {
		t.Fatalf("size %v", b)
	}
	golden := filepath.Join("testdata", "status_8_weeks.png")
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
		t.Fatal("chart differs from testdata/status_8_weeks.png (look at it, then -update)")
	}
	if _, err := chart.StatusPNG(nil); err == nil {
		t.Fatal("no weeks accepted")
	}
}
