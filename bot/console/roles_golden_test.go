package console_test

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// money matches the seeded accounts' MRR and invoice amounts as replies
// write them (Paper Street's 4,200.50, Acme's 12,500, churned Soylent's
// 2,750): a viewer must see none, nor their sum.
var money = regexp.MustCompile(`4,200|12,500|16,700|2,750`)

// TestViewerGoldens renders what a viewer asking for an account, a list,
// their accounts and the summary is answered: scores and statuses, no
// MRR nor any other money figure anywhere.
func TestViewerGoldens(t *testing.T) {
	for name, r := range commandstest.ViewerAnswers(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := console.Render(&buf, r); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "viewer_"+name+".golden"), buf.Bytes())
			if out := buf.String(); strings.Contains(out, "MRR") || money.MatchString(out) {
				t.Errorf("a viewer's %s shows money:\n%s", name, out)
			}
			if !r.Ephemeral {
				t.Errorf("a viewer's %s is posted in public without asking", name)
			}
		})
	}
}

// TestHistoryGolden renders /health acme history after a pulse, a touch,
// a task closed and an ingested batch, newest first.
func TestHistoryGolden(t *testing.T) {
	r := commandstest.HistoryAfterWrites(t, commands.Console)
	var buf bytes.Buffer
	if err := console.Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "history.golden"), buf.Bytes())
	out := buf.String()
	order := []string{"Ingestion batch touches", "Task #7", "Touch —", "Pulse —"}
	for i, want := range order {
		if j := strings.Index(out, want); j < 0 || i > 0 && j < strings.Index(out, order[i-1]) {
			t.Errorf("%q missing or out of order (newest first):\n%s", want, out)
		}
	}
}
