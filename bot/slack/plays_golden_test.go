package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestTaskGoldens renders a task's direct message as Block Kit within
// Slack's limits, with its four buttons and the owner's mention intact.
func TestTaskGoldens(t *testing.T) {
	dm := slackbot.Blocks(commandstest.TaskDM("slack"))
	raw, _ := json.Marshal(dm)
	checkLimits(t, raw, slackbot.MaxMessageBlocks)
	golden(t, "task_dm.golden.json", indentJSON(t, dm))
	for _, want := range []string{`"/health tasks done 12"`, `"/health tasks snooze 12"`, `"/health tasks reassign 12"`, `"/touch acme"`, `Owner: \u003c@U024BE7LH\u003e`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("task message lacks %s", want)
		}
	}
}
