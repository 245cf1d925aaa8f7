package discord_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestHistoryAndViewerGoldens renders /health acme history after a pulse,
// a touch, a task closed and an ingested batch, and a viewer's card, a
// churned account's frozen card and the summary, as Discord messages
// within Discord's limits; a history of the most entries it shows fits
// too. Nothing a viewer gets shows MRR.
func TestHistoryAndViewerGoldens(t *testing.T) {
	history := discord.Render(commandstest.HistoryAfterWrites(t, commands.Discord))
	if err := discord.Validate(history); err != nil {
		t.Fatalf("history over Discord's limits: %v", err)
	}
	golden(t, "history.golden.json", messageJSON(t, history))
	if s := string(messageJSON(t, history)); !strings.Contains(s, "maria (discord)") || !strings.Contains(s, "Ingestion batch touches") || !history.Ephemeral {
		t.Errorf("history lacks who or the batch, or is public: %s", s)
	}

	r := commandstest.HistoryAfterWrites(t, commands.Discord)
	fields := r.Sections[0].Fields
	r.Sections = []commands.Section{{}}
	for i := range 50 {
		f := fields[i%len(fields)]
		r.Sections[0].Fields = append(r.Sections[0].Fields, commands.Field{Label: fmt.Sprintf("%s #%d", f.Label, i), Value: f.Value})
	}
	if err := discord.Validate(discord.Render(r)); err != nil {
		t.Errorf("a history of 50 entries over Discord's limits: %v", err)
	}

	viewer := commandstest.ViewerAnswers(t)
	for _, name := range []string{"card", "churned", "summary"} {
		m := discord.Render(viewer[name])
		if err := discord.Validate(m); err != nil {
			t.Fatalf("viewer %s over Discord's limits: %v", name, err)
		}
		out := messageJSON(t, m)
		golden(t, "viewer-"+name+".golden.json", out)
		if strings.Contains(string(out), "MRR") || strings.Contains(string(out), "4,200") {
			t.Errorf("a viewer's %s shows money: %s", name, out)
		}
	}
}
