package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestDaysOptionOutOfRange: a Discord days option out of range (which a
// client that ignores the registered bounds may send) is refused with the
// range, not quietly replaced by the default.
func TestDaysOptionOutOfRange(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		ctx := context.Background()
		why, ok := commands.SlashSpec("health", "why")
		if !ok {
			t.Fatal("no /health why row")
		}
		renewals, ok := commands.SlashSpec("health", "renewals")
		if !ok {
			t.Fatal("no /health renewals row")
		}
		for _, tc := range []struct {
			name string
			cmd  commands.Command
			want string
		}{
			{"why 0", why.FromParams(map[string]any{"account": "acme", "days": float64(0)}), "The days to look back are a number from 1 to 3650 (7 when left out). Example: /health acme-corp why 30"},
			{"why -3", why.FromParams(map[string]any{"account": "acme", "days": float64(-3)}), "from 1 to 3650"},
			{"why 5000", why.FromParams(map[string]any{"account": "acme", "days": float64(5000)}), "from 1 to 3650"},
			{"renewals 0", renewals.FromParams(map[string]any{"days": float64(0)}), "/health renewals takes a number of days from 1 to 3650 (90 when left out)."},
			{"renewals 4000", renewals.FromParams(map[string]any{"days": float64(4000)}), "from 1 to 3650"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r, err := svc.Execute(ctx, callerMaria, tc.cmd)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(r.Text, tc.want) {
					t.Errorf("reply %q, want %q", r.Text, tc.want)
				}
			})
		}
		// In range, the option is the number of days.
		if cmd := renewals.FromParams(map[string]any{"days": float64(60)}); cmd.Days != 60 {
			t.Errorf("days 60 read as %d", cmd.Days)
		}
	})
}
