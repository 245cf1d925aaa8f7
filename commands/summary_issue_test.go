package commands

import (
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// A capped account's issue names what caps it before its costliest part.
func TestSummaryIssue(t *testing.T) {
	subs := `{"usage":67,"adoption":40,"support":75,"engagement":67,"payment":100}`
	tests := []struct {
		name            string
		score, computed int
		details, want   string
	}{
		{"not capped: the costliest component", 55, 55, `{}`, "adoption"},
		{"sponsor left", 59, 68, `{"overrides":["executive sponsor left"]}`, "executive sponsor left, then adoption"},
		{"both overrides", 59, 68, `{"overrides":["executive sponsor left","CSM pulse red: budget"]}`,
			"executive sponsor left, then CSM pulse red: budget, then adoption"},
		{"override in force but the score already lower", 50, 50, `{"overrides":["CSM pulse red: budget"]}`, "adoption"},
		{"snapshot older than details", 59, 68, ``, "adoption"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sn := models.Snapshot{Known: true, Score: tt.score, Computed: tt.computed, Subscores: subs, Details: tt.details}
			if got := issueOf(scoring.Default(), sn); got != tt.want {
				t.Errorf("issue = %q, want %q", got, tt.want)
			}
		})
	}
}
