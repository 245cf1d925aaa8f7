package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// Pulse reasons and notes, typed, from Discord's options and from the
// form: what each records and says.
func TestPulseReasonsAndNotes(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, clock := newTestService(s)
		ctx := context.Background()
		pulseRow, ok := commands.SlashSpec("pulse")
		if !ok {
			t.Fatal("no /pulse row")
		}
		for _, tt := range []struct {
			name    string
			cmd     commands.Command
			reason  string
			note    string
			replied string
		}{
			{name: "words of a code, then a note", cmd: typed(t, "/pulse acme red champion left CFO moved on"), reason: "champion-left", note: "CFO moved on",
				replied: `Recorded a red pulse for Acme Corp (reason: champion-left; note: "CFO moved on") by Maria. Score now 59 At-risk (capped; computed 95).`},
			{name: "a hyphenated code", cmd: typed(t, "/pulse acme red champion-left"), reason: "champion-left"},
			{name: "a unique prefix", cmd: typed(t, "/pulse acme red champ"), reason: "champion-left"},
			{name: "a prefix and a note", cmd: typed(t, "/pulse acme red comp trialling a rival"), reason: "competitor", note: "trialling a rival"},
			{name: "green with a note only", cmd: typed(t, "/pulse acme green great QBR"), note: "great QBR",
				replied: `Recorded a green pulse for Acme Corp (note: "great QBR") by Maria.`},
			{name: "green with a code", cmd: typed(t, "/pulse acme green other happy now"), reason: "other", note: "happy now"},
			{name: "yellow: no prefixes", cmd: typed(t, "/pulse acme yellow comp pricing came up"), note: "comp pricing came up"},
			{name: "yellow with a code", cmd: typed(t, "/pulse acme yellow budget review next week"), reason: "budget", note: "review next week"},
			{name: "discord: reason and note options", cmd: pulseRow.FromParams(map[string]any{"account": "acme", "color": "red", "reason": "champion left", "note": "CFO moved on"}),
				reason: "champion-left", note: "CFO moved on"},
			{name: "discord: a reason option with words after the code", cmd: pulseRow.FromParams(map[string]any{"account": "acme", "color": "red", "reason": "budget cut", "note": "by 30%"}),
				reason: "budget", note: "cut by 30%"},
			{name: "discord: a note option is never read as a code", cmd: pulseRow.FromParams(map[string]any{"account": "acme", "color": "green", "note": "budget talk went fine"}),
				note: "budget talk went fine"},
			{name: "discord: a reason option that is no code, on green", cmd: pulseRow.FromParams(map[string]any{"account": "acme", "color": "green", "reason": "great", "note": "QBR"}),
				note: "great QBR"},
			{name: "the form", cmd: formPulse(t, "competitor", "lost a bake-off"), reason: "competitor", note: "lost a bake-off"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				clock.t = clock.t.Add(2 * time.Minute) // past the double-click window
				r, err := svc.Execute(ctx, callerMaria, tt.cmd)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(r.Text, "Recorded a ") || tt.replied != "" && !strings.HasPrefix(r.Text, tt.replied) {
					t.Fatalf("reply %q, want %q", r.Text, tt.replied)
				}
				p, err := s.LatestPulse(ctx, acmeID)
				if err != nil {
					t.Fatal(err)
				}
				if p.Reason != tt.reason || p.Note != tt.note {
					t.Errorf("recorded reason %q, note %q; want %q, %q", p.Reason, p.Note, tt.reason, tt.note)
				}
				// The audit trail has the reason and the note as split, not
				// the words as typed.
				entries, _, err := s.AccountAudit(ctx, acmeID, 1)
				if err != nil || len(entries) != 1 || entries[0].Action != models.AuditPulse {
					t.Fatalf("audit entry: %+v, %v", entries, err)
				}
				changes, err := entries[0].DecodeChanges()
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for _, c := range changes {
					got[c.Field] = c.New
				}
				if got["reason"] != tt.reason || got["note"] != tt.note {
					t.Errorf("audited reason %q, note %q; want %q, %q", got["reason"], got["note"], tt.reason, tt.note)
				}
			})
		}
		// A red pulse that names no code, or an ambiguous one, records
		// nothing and says which codes there are; one without words asks.
		before := countRows(t, s, &models.Pulse{}, "1 = 1")
		for _, tt := range []struct {
			cmd  commands.Command
			want string
		}{
			{typed(t, "/pulse acme red lost the deal"), "'lost' is not a reason code, and a red pulse starts with one: budget, champion-left,"},
			{typed(t, "/pulse acme red c"), "'c' could be champion-left or competitor: type more of it."},
			{pulseRow.FromParams(map[string]any{"account": "acme", "color": "red", "note": "no reason given"}), "A red pulse for Acme Corp needs a reason."},
		} {
			clock.t = clock.t.Add(2 * time.Minute)
			r, err := svc.Execute(ctx, callerMaria, tt.cmd)
			if err != nil || !strings.HasPrefix(r.Text, tt.want) || !r.Ephemeral {
				t.Errorf("%+v: %q (%v), want %q", tt.cmd, r.Text, err, tt.want)
			}
		}
		if after := countRows(t, s, &models.Pulse{}, "1 = 1"); after != before {
			t.Errorf("%d pulses recorded by refused commands", after-before)
		}

		// Once roles are in use, a viewer's pulse is refused by its row
		// before its words are read as a reason: nothing is written.
		commandstest.RolesInUse(t, s)
		trail, _, err := s.AccountAudit(ctx, acmeID, 100)
		if err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(2 * time.Minute)
		viewer := commands.Caller{Platform: commands.Slack, UserID: "U0VIEW", UserName: "vic"}
		if r, err := svc.Execute(ctx, viewer, typed(t, "/pulse acme red champ CFO moved on")); err != nil || !strings.HasPrefix(r.Text, "Only CSMs, managers and admins can record a pulse;") {
			t.Errorf("a viewer's pulse: %q, %v", r.Text, err)
		}
		if after, _, _ := s.AccountAudit(ctx, acmeID, 100); countRows(t, s, &models.Pulse{}, "1 = 1") != before || len(after) != len(trail) {
			t.Errorf("a refused pulse wrote: %d audit entries (was %d)", len(after), len(trail))
		}
	})
}

func typed(t *testing.T, line string) commands.Command {
	t.Helper()
	cmd, err := commands.Parse(line)
	if err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	return cmd
}

func formPulse(t *testing.T, reason, note string) commands.Command {
	t.Helper()
	f := commands.Form{ID: commands.FormPulse, Account: "acme-corp", Hidden: map[string]string{"colour": "red"}}
	cmd, err := commands.FormCommand(f, map[string]string{"reason": reason, "note": note})
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}
