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

// TestHistoryAndViewerGoldens renders /health acme history after a pulse,
// a touch, a task closed and an ingested batch, and a viewer's card, a
// churned account's frozen card and the summary, as Block Kit within
// Slack's limits; a history of the most entries it shows fits too. Nothing a viewer gets shows MRR.
func TestHistoryAndViewerGoldens(t *testing.T) {
	history := commandstest.HistoryAfterWrites(t, commands.Slack)
	raw, _ := json.Marshal(slackbot.Blocks(history))
	checkLimits(t, raw, slackbot.MaxMessageBlocks)
	golden(t, "history.golden.json", indentJSON(t, slackbot.Blocks(history)))
	if s := string(raw); !strings.Contains(s, "Maria (slack)") || !strings.Contains(s, "Ingestion batch touches") {
		t.Errorf("history lacks who or the batch: %s", s)
	}

	long := history
	long.Sections = []commands.Section{{}}
	for i := range 50 {
		f := history.Sections[0].Fields[i%len(history.Sections[0].Fields)]
		long.Sections[0].Fields = append(long.Sections[0].Fields, commands.Field{Label: fmt.Sprintf("%s #%d", f.Label, i), Value: f.Value})
	}
	raw, _ = json.Marshal(slackbot.Blocks(long))
	checkLimits(t, raw, slackbot.MaxMessageBlocks)

	viewer := commandstest.ViewerAnswers(t)
	for _, name := range []string{"card", "churned", "summary"} {
		blocks := slackbot.Blocks(viewer[name])
		raw, _ := json.Marshal(blocks)
		checkLimits(t, raw, slackbot.MaxMessageBlocks)
		golden(t, "viewer_"+name+".golden.json", indentJSON(t, blocks))
		if strings.Contains(string(raw), "MRR") || strings.Contains(string(raw), "4,200") {
			t.Errorf("a viewer's %s shows money: %s", name, raw)
		}
	}
}
