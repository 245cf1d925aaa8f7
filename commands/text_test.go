package commands_test

import (
	"context"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestChatTextThatCannotBeStored: a NUL character or bytes that are not
// UTF-8, anywhere in a command (a note, a reason, an account name), are
// refused with a sentence naming the part and what to do, and nothing is
// written; before, PostgreSQL failed the write and the user was told
// "Sorry". The same rule as ingestion's.
func TestChatTextThatCannotBeStored(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		pulses, touches := countRows(t, s, &models.Pulse{}, "1=1"), countRows(t, s, &models.Touch{}, "1=1")
		for _, tt := range []struct{ line, want string }{
			// A pulse's words after the colour are its reason and note as typed
			// (the handler splits them against the reason codes), so they are
			// named together.
			{"/pulse acme red budget cut \x00 next year", "The reason or note contains a NUL character (\\u0000), which cannot be stored; remove it and send the command again."},
			{"/touch acme call caf\xe9 with the CFO", "The note is not valid UTF-8 text; send it again as plain text."},
			{"/pulse acme red bud\x00get", "The reason or note contains a NUL character (\\u0000), which cannot be stored; remove it and send the command again."},
			{"/health ac\x00me", "The account contains a NUL character (\\u0000), which cannot be stored; remove it and send the command again."},
		} {
			r, err := svc.Run(context.Background(), callerMaria, tt.line)
			if err != nil || r.Text != tt.want || !r.Ephemeral {
				t.Errorf("%q: reply %q (ephemeral %v, err %v), want %q", tt.line, r.Text, r.Ephemeral, err, tt.want)
			}
		}
		// A form's values arrive as a Command, not a line.
		r, err := svc.Execute(context.Background(), callerMaria, commands.Command{Verb: commands.VerbTouch, Account: "acme", Kind: "call", Note: "\xff"})
		if err != nil || r.Text != "The note is not valid UTF-8 text; send it again as plain text." {
			t.Errorf("form touch: reply %q, err %v", r.Text, err)
		}
		if p, tc := countRows(t, s, &models.Pulse{}, "1=1"), countRows(t, s, &models.Touch{}, "1=1"); p != pulses || tc != touches {
			t.Errorf("pulses %d → %d, touches %d → %d: something was written", pulses, p, touches, tc)
		}
	})
}
