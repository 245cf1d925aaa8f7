package console_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestWhyGoldens renders the real "/health ACCOUNT why" answers (usage
// fell, a red pulse capped, the profile changed) in the terminal.
func TestWhyGoldens(t *testing.T) {
	for _, tc := range commandstest.RealWhys(t, console.Platform, time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)).Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := console.Render(&buf, tc.Reply); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "why_"+tc.Name+".golden"), buf.Bytes())
			if !strings.Contains(buf.String(), tc.Says) {
				t.Errorf("lacks %q", tc.Says)
			}
		})
	}
}
