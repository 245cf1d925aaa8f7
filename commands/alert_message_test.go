package commands_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestAlertMessageGolden builds the below_60 alert the adapters' delivery
// goldens render (commandstest.Below60Input), sent and then acknowledged
// and snoozed.
func TestAlertMessageGolden(t *testing.T) {
	in := commandstest.Below60Input("slack")
	msg := commands.AlertMessage(in)
	want := "usage −10 (67 → 33: DAU 3.1 / MAU 10 = 0.31 → DAU 0.4 / MAU 10 = 0.04), " +
		"support −10 (75 → 25: 3 tickets: 1 positive, 1 neutral, 1 negative (mean 0.00) → 3 tickets: 0 positive, 1 neutral, 2 negative (mean -0.67))"
	if !bytes.Contains([]byte(msg.Text), []byte(want)) {
		t.Errorf("text %q lacks %q", msg.Text, want)
	}
	commands.GoldenJSON(t, "alert_below_60.golden.json", msg)

	acked := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	until := "2025-03-10"
	rec := in.Alert
	rec.AckedBy, rec.AckedAt, rec.SnoozedBy, rec.SnoozedUntil = "maria", &acked, "maria", &until
	commands.MarkHandled(&msg, rec)
	commands.GoldenJSON(t, "alert_below_60_handled.golden.json", msg)
}
