package console_test

import (
	"bytes"
	"context"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// now is the clock of the tests that use the real Service.
var now = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// TestChurnedCardGolden renders the real churned card (the Service on
// seeded SQLite) as the terminal shows it.
func TestChurnedCardGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := console.Render(&buf, commandstest.RealCards(t, "console", now).Churned); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "card_churned.golden"), buf.Bytes())
}

// TestSessionWritesCharts: a churned account's card, its chart button,
// then /health ACCOUNT chart: each picture is written as a PNG to the
// chart directory, and the session prints its path.
func TestSessionWritesCharts(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	commandstest.SeedCardAccounts(t, s, now)
	commandstest.SeedChurnedAccount(t, s, now)
	svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	dir := t.TempDir()
	var out bytes.Buffer
	sess := &console.Session{Exec: svc, Caller: commands.Caller{Platform: console.Platform, UserID: "maria", UserName: "maria"},
		In: strings.NewReader("/health soylent\n1\n/health acme chart\n"), Out: &out, ChartDir: filepath.Join(dir, "charts")}
	if err := sess.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"soylent-2025-03-04.png", "acme-2025-03-14.png"} {
		data, err := os.ReadFile(filepath.Join(dir, "charts", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	golden(t, filepath.Join("testdata", "session_charts.golden"), bytes.ReplaceAll(out.Bytes(), []byte(dir), []byte("DIR")))
}
