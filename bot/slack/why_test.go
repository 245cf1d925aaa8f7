package slack_test

import (
	"strings"
	"testing"
	"time"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestWhyGoldens renders the real "/health ACCOUNT why" answers (usage
// fell, a red pulse capped, the profile changed) as Block Kit, within
// Slack's limits.
func TestWhyGoldens(t *testing.T) {
	for _, tc := range commandstest.RealWhys(t, "slack", time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)).Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			raw := blocksJSON(t, tc.Reply)
			golden(t, "why_"+tc.Name+".golden.json", raw)
			checkLimits(t, raw, slackbot.MaxMessageBlocks)
			if !strings.Contains(string(raw), tc.Says) {
				t.Errorf("lacks %q", tc.Says)
			}
		})
	}
}
