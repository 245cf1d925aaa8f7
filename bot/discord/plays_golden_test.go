package discord_test

import (
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestTaskGoldens renders a task's direct message, and /health home as
// the real service answers it, as Discord messages within Discord's
// limits; every task of the day keeps its buttons, labelled with its
// number since Discord draws them under the whole message.
func TestTaskGoldens(t *testing.T) {
	dm := discord.Render(commandstest.TaskDM("discord"))
	if err := discord.Validate(dm); err != nil {
		t.Fatalf("task message over Discord's limits: %v", err)
	}
	golden(t, "task-dm.golden.json", messageJSON(t, dm))

	home := discord.Render(commandstest.Home(t, "discord", now))
	if err := discord.Validate(home); err != nil {
		t.Fatalf("/health home over Discord's limits: %v", err)
	}
	golden(t, "home.golden.json", messageJSON(t, home))
	js := string(messageJSON(t, home))
	for _, want := range []string{"Done #1", "Done #2", "Paper Street Soap", "Initech", "Pulses to refresh"} {
		if !strings.Contains(js, want) {
			t.Errorf("/health home lacks %q", want)
		}
	}
}
