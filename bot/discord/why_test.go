package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestWhyGoldens renders the real "/health ACCOUNT why" answers (usage
// fell, a red pulse capped, the profile changed) as an embed with a
// button, within Discord's limits.
func TestWhyGoldens(t *testing.T) {
	for _, tc := range commandstest.RealWhys(t, "discord", time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)).Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			m := discord.Render(tc.Reply)
			if err := discord.Validate(m); err != nil {
				t.Fatalf("over Discord's limits: %v", err)
			}
			raw := messageJSON(t, m)
			golden(t, "why-"+strings.ReplaceAll(tc.Name, "_", "-")+".golden.json", raw)
			if !strings.Contains(string(raw), tc.Says) {
				t.Errorf("lacks %q", tc.Says)
			}
		})
	}
}
