package chart_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
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
	checkSize(t, got, 720, 400)
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

// trendDay is the last day of the test trends.
var trendDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// decliningTrend is 90 days of an account sliding from Healthy to
// Critical, with a gap of four unscored days, pulses of every colour,
// touches thinning out and the alerts of its crossings.
func decliningTrend() commands.TrendChart {
	from := trendDay.AddDate(0, 0, -89)
	day := func(n int) time.Time { return from.AddDate(0, 0, n) }
	t := commands.TrendChart{From: from, To: trendDay, Bands: scoring.Default().Status}
	for n := range 90 {
		if n >= 40 && n < 44 {
			continue
		}
		s := 88 - n*n/150
		t.Scores = append(t.Scores, commands.ScorePoint{Day: day(n), Score: s})
	}
	t.Pulses = []commands.Mark{{Day: day(5), Kind: "green"}, {Day: day(38), Kind: "yellow"}, {Day: day(70), Kind: "red"}}
	for _, n := range []int{2, 9, 16, 30, 51, 77} {
		t.Touches = append(t.Touches, commands.Mark{Day: day(n), Kind: "call"})
	}
	t.Alerts = []commands.Mark{{Day: day(36), Kind: "below_60"}, {Day: day(70), Kind: "pulse_red"}, {Day: day(77), Kind: "below_40"}}
	return t
}

func TestTrendPNG(t *testing.T) {
	got, err := chart.TrendPNG("Initech — score over 90 days", decliningTrend())
	if err != nil {
		t.Fatal(err)
	}
	checkSize(t, got, 860, 420)
	checkPNG(t, "trend_declining.png", got)

	// Through PNG, as adapters call it.
	tr := decliningTrend()
	again, err := chart.PNG(commands.Chart{Title: "Initech — score over 90 days", Trend: &tr})
	if err != nil || !bytes.Equal(again, got) {
		t.Fatalf("PNG of the same trend differs (err %v)", err)
	}
}

// A churned account's trend ends at its churn day, marked; a trend with
// no score says so instead of drawing nothing.
func TestTrendPNGChurnedAndEmpty(t *testing.T) {
	tr := decliningTrend()
	churned := trendDay.AddDate(0, 0, -3)
	tr.ChurnedOn = &churned
	got, err := chart.TrendPNG("Initech — churned", tr)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "trend_churned.png", got)

	empty := commands.TrendChart{From: trendDay.AddDate(0, 0, -89), To: trendDay}
	got, err = chart.TrendPNG("Newco — score over 90 days", empty)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "trend_empty.png", got)
}

func TestTrendPNGRefusesBadSpans(t *testing.T) {
	for _, tr := range []commands.TrendChart{
		{From: trendDay, To: trendDay.AddDate(0, 0, -1)},
		{From: trendDay.AddDate(-2, 0, 0), To: trendDay},
	} {
		if _, err := chart.TrendPNG("x", tr); err == nil {
			t.Errorf("span %s..%s accepted", tr.From.Format(time.DateOnly), tr.To.Format(time.DateOnly))
		}
	}
}

// backtestReport is a small backtest: 10 churned and 30 retained samples.
func backtestReport() scoring.BacktestReport {
	rep := scoring.BacktestReport{HorizonDays: 90}
	scores := []struct {
		score   int
		churned bool
	}{
		{22, true}, {31, true}, {35, false}, {38, true}, {44, true}, {47, false}, {52, true}, {55, false}, {58, true},
		{61, false}, {63, true}, {66, false}, {70, false}, {72, true}, {75, false}, {78, false}, {81, false},
		{84, true}, {86, false}, {88, false}, {90, false}, {93, false}, {95, false}, {97, true},
	}
	for _, s := range scores {
		rep.Histogram.Add(s.score, s.churned)
		rep.Samples++
		if s.churned {
			rep.Churned++
		}
	}
	rep.AUC = rep.Histogram.AUC()
	rep.Statuses = []scoring.StatusRate{
		{Status: scoring.Healthy, Samples: 8, Churned: 2, ChurnRate: 0.25},
		{Status: scoring.Stable, Samples: 7, Churned: 2, ChurnRate: 2.0 / 7},
		{Status: scoring.AtRisk, Samples: 5, Churned: 3, ChurnRate: 0.6},
		{Status: scoring.Critical, Samples: 4, Churned: 3, ChurnRate: 0.75},
	}
	return rep
}

// The backtest's pictures, from the report's own figures: the ROC curve
// with its AUC and the diagonal, and the churn rate per status.
func TestBacktestCharts(t *testing.T) {
	charts := commands.BacktestCharts(backtestReport())
	if len(charts) != 2 || charts[0].ROC == nil || charts[1].Bars == nil {
		t.Fatalf("charts %+v", charts)
	}
	roc := charts[0]
	if roc.Title != "ROC of the health score, AUC 0.71" {
		t.Errorf("ROC title %q", roc.Title)
	}
	if first, last := roc.ROC.Points[0], roc.ROC.Points[len(roc.ROC.Points)-1]; first != (commands.ROCPoint{}) || last != (commands.ROCPoint{FPR: 1, TPR: 1}) {
		t.Errorf("ROC runs from %+v to %+v", first, last)
	}
	got, err := chart.PNG(roc)
	if err != nil {
		t.Fatal(err)
	}
	checkSize(t, got, 620, 600)
	checkPNG(t, "backtest_roc.png", got)

	got, err = chart.PNG(charts[1])
	if err != nil {
		t.Fatal(err)
	}
	checkSize(t, got, 620, 420)
	checkPNG(t, "backtest_churn_by_status.png", got)
}

// Degenerate backtests still draw: no churned sample (no curve, the
// diagonal and a sentence), a status without samples ("no samples").
func TestBacktestChartsDegenerate(t *testing.T) {
	got, err := chart.ROCPNG("ROC, AUC n/a", commands.ROCChart{AUC: math.NaN(), Points: []commands.ROCPoint{{FPR: 0, TPR: math.NaN()}, {FPR: 1, TPR: math.NaN()}}})
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "backtest_roc_undefined.png", got)
	got, err = chart.BarsPNG("Churn rate by status", commands.BarChart{YLabel: "churn rate", Percent: true, Bars: []commands.Bar{
		{Label: "Healthy", Value: 0.02, Text: "1 of 50", Colour: "green"},
		{Label: "Critical", Value: math.NaN(), Colour: "red"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "bars_no_samples.png", got)
	if _, err := chart.PNG(commands.Chart{Title: "nothing"}); err == nil {
		t.Error("an empty chart was drawn")
	}
	if _, err := chart.BarsPNG("x", commands.BarChart{}); err == nil {
		t.Error("a bar chart without bars was drawn")
	}
	if _, err := chart.ROCPNG("x", commands.ROCChart{}); err == nil {
		t.Error("an ROC chart without points was drawn")
	}
}

func checkSize(t *testing.T, got []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("size %v, want %dx%d", b, w, h)
	}
}

// checkPNG compares a picture with its golden file. The same bytes pass
// at once. Otherwise the pictures must match pixel for pixel but for a
// few anti-aliased edges: the rasteriser's floating point may round
// differently on another CPU (fused multiply-add on arm64), which moves
// edge pixels, not shapes. A real change of the picture moves far more.
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
	if bytes.Equal(got, want) {
		return
	}
	gi, err1 := png.Decode(bytes.NewReader(got))
	wi, err2 := png.Decode(bytes.NewReader(want))
	if err1 != nil || err2 != nil {
		t.Fatalf("decode: %v, %v", err1, err2)
	}
	if n, total := differing(gi, wi); n < 0 || n > total/500 {
		out := filepath.Join(t.TempDir(), name)
		_ = os.WriteFile(out, got, 0o644)
		t.Fatalf("chart differs from %s in %d pixels of %d (see %s; look at it, then -update)", golden, n, total, out)
	}
}

// differing counts the pixels of a and b that differ by more than a
// rounding in some channel; -1 when their sizes differ.
func differing(a, b image.Image) (n, total int) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return -1, 0
	}
	for y := ab.Min.Y; y < ab.Max.Y; y++ {
		for x := ab.Min.X; x < ab.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x-ab.Min.X+bb.Min.X, y-ab.Min.Y+bb.Min.Y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) || far(a1, a2) {
				n++
			}
		}
	}
	return n, ab.Dx() * ab.Dy()
}

func far(a, b uint32) bool { return max(a, b)-min(a, b) > 0x2000 }

// BenchmarkTrendPNG draws one account's 90-day chart, as
// /health ACCOUNT chart does (the target: well under 100 ms).
func BenchmarkTrendPNG(b *testing.B) {
	tr := decliningTrend()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chart.TrendPNG("Initech — score over 90 days", tr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccountChart is /health ACCOUNT chart end to end on SQLite:
// the command reads 90 days of snapshots and a heavy timeline (a pulse,
// a touch and an alert every day), then the picture is drawn, as an
// adapter does.
func BenchmarkAccountChart(b *testing.B) {
	s := modelstest.MustOpenSQLite(b)
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	commandstest.SeedCardAccounts(b, s, now)
	var acme models.Account
	if err := s.DB().Where("slug = ?", "acme").First(&acme).Error; err != nil {
		b.Fatal(err)
	}
	var (
		snaps   []models.Snapshot
		pulses  []models.Pulse
		touches []models.Touch
		alerts  []models.AlertRecord
	)
	for n := 1; n <= 120; n++ {
		day, at := now.AddDate(0, 0, -n).Format(models.DayLayout), now.AddDate(0, 0, -n)
		if n != 7 && n != 30 { // SeedCardAccounts wrote those two
			snaps = append(snaps, models.Snapshot{AccountID: acme.ID, Day: day, Known: true, Score: 60 + n%30, Computed: 60 + n%30, Status: "Stable", Subscores: "{}"})
		}
		pulses = append(pulses, models.Pulse{AccountID: acme.ID, At: at, Day: day, Colour: []string{"red", "yellow", "green"}[n%3], By: "Maria"})
		touches = append(touches, models.Touch{AccountID: acme.ID, At: at.Add(time.Hour), Day: day, Kind: "call", By: "bench"})
		alerts = append(alerts, models.AlertRecord{DedupeKey: fmt.Sprintf("bench/%d", n), AccountID: acme.ID, Rule: "below_60", Arming: n, Day: day})
	}
	for _, v := range []any{&snaps, &pulses, &touches, &alerts} {
		if err := s.DB().Create(v).Error; err != nil {
			b.Fatal(err)
		}
	}
	svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	caller := commands.Caller{Platform: "console", UserID: "maria", UserName: "Maria"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := svc.Run(ctx, caller, "/health acme chart")
		if err != nil || len(r.Charts) != 1 {
			b.Fatalf("%+v, %v", r, err)
		}
		if _, err := chart.PNG(r.Charts[0]); err != nil {
			b.Fatal(err)
		}
	}
}
