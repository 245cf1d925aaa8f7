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

// TestTaskGoldens renders a task's direct message and /health home as
// the real service answers it (maria's day) as terminal text; the day's
// buttons are numbered across its tasks, in the order a number presses
// them.
func TestTaskGoldens(t *testing.T) {
	var buf bytes.Buffer
	if err := console.Render(&buf, commandstest.TaskDM("console")); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "task_dm.golden"), buf.Bytes())
	if !strings.Contains(buf.String(), "[1] Done  [2] Snooze 7 days  [3] Reassign  [4] Log touch") {
		t.Errorf("task buttons:\n%s", buf.String())
	}

	buf.Reset()
	home := commandstest.Home(t, "console", time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC))
	if err := console.Render(&buf, home); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "home.golden"), buf.Bytes())
	if !strings.Contains(buf.String(), "[5] Done #2") {
		t.Errorf("the second task's buttons are not numbered after the first's:\n%s", buf.String())
	}
}
