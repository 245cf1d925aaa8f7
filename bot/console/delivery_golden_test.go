package console_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestDeliveryGoldens renders the below_60 alert and the weekly summary
// (real commands functions) as terminal text. The console has no
// platform user ids, so the owner shows as @handle.
func TestDeliveryGoldens(t *testing.T) {
	for name, r := range map[string]commands.Reply{
		"alert_below_60": commandstest.Below60Alert("console"),
		"weekly_summary": commandstest.DemoSummary(t),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := console.Render(&buf, r); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", name+".golden"), buf.Bytes())
			if name == "alert_below_60" && !strings.Contains(buf.String(), "· Owner: @maria\n") {
				t.Errorf("owner line missing:\n%s", buf.String())
			}
			for _, s := range r.Sections {
				if s.Title != "" && !strings.Contains(buf.String(), "\n"+s.Title+"\n") {
					t.Errorf("section %q missing", s.Title)
				}
			}
		})
	}
}
