package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestDeliveryGoldens renders the below_60 alert and the weekly summary as
// Block Kit, within Slack's limits, the owner's mention intact; a summary
// with 400 at-risk accounts keeps every section, its list cut with
// "…and N more".
func TestDeliveryGoldens(t *testing.T) {
	alert := commandstest.Below60Alert("slack")
	raw, _ := json.Marshal(slackbot.Blocks(alert))
	checkLimits(t, raw, slackbot.MaxMessageBlocks)
	golden(t, "alert_below_60.golden.json", indentJSON(t, slackbot.Blocks(alert)))
	// Decoded as Slack decodes it (slack-go writes < as \u003c).
	var blocks []map[string]any
	_ = json.Unmarshal(raw, &blocks)
	if got := str(blocks[len(blocks)-2], "elements", 0, "text"); got != "Owner: <@U024BE7LH>" {
		t.Errorf("owner line %q, want the mention intact", got)
	}

	summary := commandstest.DemoSummary(t)
	raw, _ = json.Marshal(slackbot.Blocks(summary))
	checkLimits(t, raw, slackbot.MaxMessageBlocks)
	golden(t, "weekly_summary.golden.json", indentJSON(t, slackbot.Blocks(summary)))

	long := commandstest.LongSummary(summary, 400)
	raw, _ = json.Marshal(slackbot.Blocks(long))
	checkLimits(t, raw, slackbot.MaxMessageBlocks)
	s := string(raw)
	if !strings.Contains(s, "more\"") || !strings.Contains(s, "…and ") || strings.Contains(s, "blocks not shown") {
		t.Error("the long at-risk list is not cut with …and N more, or sections were dropped")
	}
	for _, sec := range summary.Sections {
		if !strings.Contains(s, "*"+sec.Title+"*") {
			t.Errorf("long summary lost section %q", sec.Title)
		}
	}
}
