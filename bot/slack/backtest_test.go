package slack_test

import (
	"strings"
	"testing"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestBacktestGolden renders the real "/health backtest" answer (the
// hand-made portfolio) as Block Kit, within Slack's limits; its two
// pictures travel as file uploads (shareCharts), not blocks.
func TestBacktestGolden(t *testing.T) {
	raw := blocksJSON(t, commandstest.RealBacktest(t, "slack"))
	golden(t, "backtest.golden.json", raw)
	checkLimits(t, raw, slackbot.MaxMessageBlocks)
	if !strings.Contains(string(raw), "At-risk or Critical as a churn warning") {
		t.Error("lacks the warning's precision and recall")
	}
}
