package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestWhyGoldens renders the real "/health ACCOUNT why" answers (usage
// fell, a red pulse capped, the profile changed) as an embed with a
// button, within Discord's limits.
func TestWhyGoldens(t *testing.T) {
	w := commandstest.RealWhys(t, "discord", time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name  string
		reply commands.Reply
		says  string
	}{
		{"why-usage-fell", w.UsageFell, "100 → 67 weekly active"},
		{"why-pulse-capped", w.PulseCapped, "Applied: CSM pulse red: budget (cap 59)"},
		{"why-profile-changed", w.ProfileChanged, "Profile changed: default → smb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := discord.Render(tc.reply)
			if err := discord.Validate(m); err != nil {
				t.Fatalf("over Discord's limits: %v", err)
			}
			raw := messageJSON(t, m)
			golden(t, tc.name+".golden.json", raw)
			if !strings.Contains(string(raw), tc.says) {
				t.Errorf("lacks %q", tc.says)
			}
		})
	}
}
