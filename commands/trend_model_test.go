package commands

import (
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// latestModelChange finds the first day of the latest model version,
// within the window, skipping snapshots written before versions were kept.
func TestLatestModelChange(t *testing.T) {
	today := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	sn := func(day, profile, version string) models.Snapshot {
		return models.Snapshot{Day: day, Profile: profile, ModelVersion: version}
	}
	now := scoring.Result{AsOf: today, Profile: "smb", Version: "b"}
	for _, tc := range []struct {
		name  string
		hist  []models.Snapshot
		today scoring.Result
		since time.Time
		want  *modelChange
	}{
		{"none", []models.Snapshot{sn("2026-03-10", "smb", "b")}, now, today.AddDate(0, 0, -30), nil},
		{"old snapshots are no change", []models.Snapshot{sn("2026-03-10", "", ""), sn("2026-03-12", "smb", "b")}, now, today.AddDate(0, 0, -30), nil},
		{"in history", []models.Snapshot{sn("2026-03-01", "default", "a"), sn("2026-03-05", "", ""), sn("2026-03-08", "smb", "b")},
			now, today.AddDate(0, 0, -30), &modelChange{Day: "2026-03-08", From: "default", To: "smb"}},
		{"the latest of two", []models.Snapshot{sn("2026-03-01", "smb", "a"), sn("2026-03-03", "smb", "c"), sn("2026-03-08", "smb", "b")},
			now, today.AddDate(0, 0, -30), &modelChange{Day: "2026-03-08", From: "smb", To: "smb"}},
		{"today", []models.Snapshot{sn("2026-03-14", "default", "a")}, now, today.AddDate(0, 0, -30), &modelChange{Day: "2026-03-15", From: "default", To: "smb"}},
		{"before the window", []models.Snapshot{sn("2026-01-01", "default", "a"), sn("2026-01-02", "smb", "b")}, now, today.AddDate(0, 0, -30), nil},
	} {
		got := latestModelChange(tc.hist, tc.today, tc.since)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if line := trendLine(scoring.TrendResult{}, &modelChange{Day: "2026-03-08", From: "smb", To: "smb"}); line != "No trend yet: not enough history; model changed on 2026-03-08." {
		t.Errorf("trend line %q", line)
	}
}
