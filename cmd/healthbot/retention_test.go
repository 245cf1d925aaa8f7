package main

import (
	"strings"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

// TestActivityRetention checks HEALTHBOT_ACTIVITY_RETENTION_DAYS: unset
// keeps everything, a value must cover the longest activity window of
// every profile (90 days by default), and a bad one says what to set.
func TestActivityRetention(t *testing.T) {
	model := scoring.ModelOf(scoring.Default())
	if n, err := activityRetention("", model); n != 0 || err != nil {
		t.Errorf("unset: %d, %v", n, err)
	}
	if n, err := activityRetention("400", model); n != 400 || err != nil {
		t.Errorf("400: %d, %v", n, err)
	}
	for _, v := range []string{"30", "-1", "a year"} {
		if _, err := activityRetention(v, model); err == nil || !strings.Contains(err.Error(), "90") {
			t.Errorf("%q: %v, want an error naming the 90-day window", v, err)
		}
	}
	long := scoring.Default()
	long.Windows.FeatureSeenDays = 120
	model.Profiles = append(model.Profiles, scoring.Profile{Effective: scoring.Effective{Config: long}})
	if _, err := activityRetention("100", model); err == nil || !strings.Contains(err.Error(), "120") {
		t.Errorf("a profile's 120-day window: %v", err)
	}
}
