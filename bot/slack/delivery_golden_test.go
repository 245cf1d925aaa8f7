package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// longSummary is the demo summary with its at-risk list grown to 400
// accounts, as in a large portfolio.
func longSummary(r commands.Reply) commands.Reply {
	r.Sections = append([]commands.Section(nil), r.Sections...)
	for i, s := range r.Sections {
		if strings.HasPrefix(s.Title, "At-risk") {
			var fields []commands.Field
			for n := range 400 {
				f := s.Fields[n%len(s.Fields)]
				fields = append(fields, commands.Field{Label: fmt.Sprintf("%s %d", f.Label, n), Value: f.Value})
			}
			r.Sections[i].Fields = fields
		}
	}
	return r
}

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

	long := longSummary(summary)
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
