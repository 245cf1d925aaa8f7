package console_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands"
)

// fakeExec answers a few command lines and records what it was asked, so
// the session's plumbing (buttons, forms, errors) is tested without a store.
type fakeExec struct {
	lines []string
	cmds  []commands.Command
}

func (f *fakeExec) Run(ctx context.Context, c commands.Caller, line string) (commands.Reply, error) {
	f.lines = append(f.lines, line)
	switch {
	case line == "/health acme":
		return card(), nil
	case line == "/pulse acme-corp red":
		return commands.Reply{Text: "Why red?", Form: &commands.Form{
			ID: "pulse", Title: "Red pulse for Acme Corp", Account: "acme-corp",
			Hidden: map[string]string{"colour": "red"},
			Fields: []commands.FormField{
				{Name: "reason", Label: "Reason", Kind: commands.FieldSelect, Required: true,
					Options: []commands.Option{{Value: "budget"}, {Value: "competitor"}}},
				{Name: "note", Label: "Note", Kind: commands.FieldText},
			},
		}}, nil
	case strings.HasPrefix(line, "/pulse acme-corp"):
		return commands.Reply{Colour: "green", Title: "Acme Corp — 74 Stable", Text: "Recorded a green pulse by " + c.UserName + "."}, nil
	case line == "/boom":
		return commands.Reply{}, errors.New("database is locked")
	}
	return commands.Reply{Ephemeral: true, Text: "I don't know " + line + "."}, nil
}

func (f *fakeExec) Execute(ctx context.Context, c commands.Caller, cmd commands.Command) (commands.Reply, error) {
	f.cmds = append(f.cmds, cmd)
	return commands.Reply{Colour: "orange", Title: "Acme Corp — 59 At-risk (computed 72)", Text: "Recorded a red pulse: " + cmd.Reason + "."}, nil
}

func TestSessionScripted(t *testing.T) {
	in := strings.Join([]string{
		"/health acme",
		"3",     // Pulse green
		"9",     // no such button
		"/boom", // an internal error is reported, the session goes on
		"/health acme",
		"1", // Pulse red → form
		"",  // required select left empty: asked again
		"2", // competitor
		"lost to a cheaper tool",
		"quit",
		"/health acme", // never read
	}, "\n") + "\n"
	exec := &fakeExec{}
	var out bytes.Buffer
	s := &console.Session{Exec: exec, Caller: commands.Caller{Platform: console.Platform, UserID: "dana", UserName: "dana"},
		In: strings.NewReader(in), Out: &out}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantLines := []string{"/health acme", "/pulse acme-corp green", "/boom", "/health acme", "/pulse acme-corp red"}
	if got := strings.Join(exec.lines, "|"); got != strings.Join(wantLines, "|") {
		t.Errorf("ran %q, want %q", exec.lines, wantLines)
	}
	if len(exec.cmds) != 1 {
		t.Fatalf("executed %d form commands, want 1", len(exec.cmds))
	}
	golden(t, filepath.Join("testdata", "session.golden"), out.Bytes())
}

func TestSessionEndsAtEOF(t *testing.T) {
	var out bytes.Buffer
	s := &console.Session{Exec: &fakeExec{}, In: strings.NewReader("help"), Out: &out, Prompt: true}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "> I don't know /health help.\n\n> "; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
