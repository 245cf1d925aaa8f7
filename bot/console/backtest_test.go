package console_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestBacktestGolden renders the real "/health backtest" answer (the
// hand-made portfolio) in the terminal.
func TestBacktestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := console.Render(&buf, commandstest.RealBacktest(t, console.Platform)); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "backtest.golden"), buf.Bytes())
	if !strings.Contains(buf.String(), "At-risk or Critical as a churn warning") {
		t.Error("lacks the warning's precision and recall")
	}
}
