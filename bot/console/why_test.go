package console_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestWhyGoldens renders the real "/health ACCOUNT why" answers (usage
// fell, a red pulse capped, the profile changed) in the terminal.
func TestWhyGoldens(t *testing.T) {
	w := commandstest.RealWhys(t, console.Platform, time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name  string
		reply commands.Reply
		says  string
	}{
		{"why_usage_fell", w.UsageFell, "100 → 67 weekly active"},
		{"why_pulse_capped", w.PulseCapped, "Applied: CSM pulse red: budget (cap 59)"},
		{"why_profile_changed", w.ProfileChanged, "Profile changed: default → smb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := console.Render(&buf, tc.reply); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", tc.name+".golden"), buf.Bytes())
			if !strings.Contains(buf.String(), tc.says) {
				t.Errorf("lacks %q", tc.says)
			}
		})
	}
}
