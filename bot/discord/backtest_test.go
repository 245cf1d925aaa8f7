package discord_test

import (
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestBacktestGolden renders the real "/health backtest" answer (the
// hand-made portfolio) as an embed, within Discord's limits; its two
// pictures are attached as files (drawCharts).
func TestBacktestGolden(t *testing.T) {
	m := discord.Render(commandstest.RealBacktest(t, "discord"))
	if err := discord.Validate(m); err != nil {
		t.Fatalf("over Discord's limits: %v", err)
	}
	raw := messageJSON(t, m)
	golden(t, "backtest.golden.json", raw)
	if !strings.Contains(string(raw), "At-risk or Critical as a churn warning") {
		t.Error("lacks the warning's precision and recall")
	}
}
