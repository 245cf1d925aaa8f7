package slack_test

import (
	"strings"
	"testing"
	"time"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestWhyGoldens renders the real "/health ACCOUNT why" answers (usage
// fell, a red pulse capped, the profile changed) as Block Kit, within
// Slack's limits.
func TestWhyGoldens(t *testing.T) {
	w := commandstest.RealWhys(t, "slack", time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name  string
		reply commands.Reply
		says  string
	}{
		{"why_usage_fell.golden.json", w.UsageFell, "100 → 67 weekly active"},
		{"why_pulse_capped.golden.json", w.PulseCapped, "Applied: CSM pulse red: budget (cap 59)"},
		{"why_profile_changed.golden.json", w.ProfileChanged, "Profile changed: default → smb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := blocksJSON(t, tc.reply)
			golden(t, tc.name, raw)
			checkLimits(t, raw, slackbot.MaxMessageBlocks)
			if !strings.Contains(string(raw), tc.says) {
				t.Errorf("lacks %q", tc.says)
			}
		})
	}
}
