package scoring_test

import (
	"testing"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// history builds one snapshot per day ending at asOf+last, oldest first, from scores.
func history(last int, scores ...int) []scoring.Point {
	var h []scoring.Point
	for i, sc := range scores {
		h = append(h, scoring.Point{Day: *day(last - (len(scores) - 1 - i)), Known: true, Score: sc, Status: scoring.StatusOf(sc)})
	}
	return h
}

func intp(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestTrend(t *testing.T) {
	// 31 daily snapshots ending today: 70 for 20 days, then 35 for 11 days.
	var scores []int
	for i := 0; i < 20; i++ {
		scores = append(scores, 70)
	}
	for i := 0; i < 11; i++ {
		scores = append(scores, 35)
	}
	scores[0] = 90 // asOf-30
	h := history(0, scores...)
	h[23].Score = 30 // asOf-7 is index 23: still Critical
	tr := scoring.Trend(asOf, h)
	if intp(tr.Change7) != 5 || intp(tr.Change30) != -55 {
		t.Errorf("changes = %v, %v; want 5, -55", intp(tr.Change7), intp(tr.Change30))
	}
	if tr.DaysInStatus != 11 || tr.DaysCritical != 11 || tr.Current.Score != 35 {
		t.Errorf("days in status %d, critical %d, current %d; want 11, 11, 35", tr.DaysInStatus, tr.DaysCritical, tr.Current.Score)
	}
}

func TestTrendEdges(t *testing.T) {
	// Too short for either change.
	tr := scoring.Trend(asOf, history(0, 50, 52, 55))
	if tr.Change7 != nil || tr.Change30 != nil || tr.DaysInStatus != 3 || tr.DaysCritical != 0 {
		t.Errorf("short: %v %v %d %d; want nil nil 3 0", intp(tr.Change7), intp(tr.Change30), tr.DaysInStatus, tr.DaysCritical)
	}
	// Exactly 7 days of history back: the snapshot at asOf-7 counts.
	tr = scoring.Trend(asOf, history(0, 60, 61, 62, 63, 64, 65, 66, 67))
	if intp(tr.Change7) != 7 || tr.Change30 != nil {
		t.Errorf("7 days: %v %v; want 7 nil", intp(tr.Change7), intp(tr.Change30))
	}
	// Gaps: the latest snapshot on or before asOf-7 is used (asOf-10).
	h := []scoring.Point{
		{Day: *day(-10), Known: true, Score: 40, Status: scoring.AtRisk},
		{Day: *day(-2), Known: true, Score: 45, Status: scoring.AtRisk},
	}
	tr = scoring.Trend(asOf, h)
	if intp(tr.Change7) != 5 || tr.DaysInStatus != 11 {
		t.Errorf("gaps: %v %d; want 5 11 (a missed day keeps its status)", intp(tr.Change7), tr.DaysInStatus)
	}
	// Snapshots after asOf are ignored, and order does not matter.
	h = append([]scoring.Point{{Day: *day(1), Known: true, Score: 99, Status: scoring.Healthy}}, h[1], h[0])
	tr = scoring.Trend(asOf, h)
	if tr.Current.Score != 45 || intp(tr.Change7) != 5 {
		t.Errorf("future: current %d change %v; want 45 5", tr.Current.Score, intp(tr.Change7))
	}
	// Unknown scores give no change.
	h = []scoring.Point{{Day: *day(-8), Status: scoring.NoData}, {Day: *day(0), Known: true, Score: 50, Status: scoring.AtRisk}}
	tr = scoring.Trend(asOf, h)
	if tr.Change7 != nil || tr.DaysInStatus != 1 {
		t.Errorf("unknown: %v %d; want nil 1", intp(tr.Change7), tr.DaysInStatus)
	}
	// No history.
	tr = scoring.Trend(asOf, nil)
	if tr.Current != nil || tr.Change7 != nil || tr.DaysInStatus != 0 {
		t.Errorf("empty: %+v", tr)
	}
	// Not yet scored today: yesterday's Critical run still counts to today.
	tr = scoring.Trend(asOf, history(-1, 70, 30, 20))
	if tr.DaysCritical != 3 {
		t.Errorf("yesterday: days critical %d, want 3", tr.DaysCritical)
	}
	_ = time.UTC
}

// TestTrendBeganOn: days in status counted from a first day given, before
// the history read: 40 days back, today included, is 41; Critical counts
// them too, and any other status does not.
func TestTrendBeganOn(t *testing.T) {
	tr := scoring.Trend(asOf, history(0, 30, 32, 35)) // Critical for the three days read
	tr.BeganOn(asOf, asOf.AddDate(0, 0, -40))
	if tr.DaysInStatus != 41 || tr.DaysCritical != 41 || intp(tr.Change7) != nil {
		t.Errorf("Critical since 40 days ago: days in status %d, critical %d, 7d %v; want 41, 41, none", tr.DaysInStatus, tr.DaysCritical, intp(tr.Change7))
	}
	tr = scoring.Trend(asOf, history(0, 90, 90))
	tr.BeganOn(asOf, asOf.AddDate(0, 0, -365))
	if tr.DaysInStatus != 366 || tr.DaysCritical != 0 {
		t.Errorf("Healthy since 365 days ago: days in status %d, critical %d; want 366, 0", tr.DaysInStatus, tr.DaysCritical)
	}
}
