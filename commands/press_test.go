package commands_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/healthbot/healthbot/commands"
)

// scriptExec answers Run by line and Execute by verb/sub/account, and
// records what it was asked, in order.
type scriptExec struct {
	replies map[string]commands.Reply
	fail    map[string]bool
	calls   []string
}

func (x *scriptExec) answer(key string) (commands.Reply, error) {
	x.calls = append(x.calls, key)
	if x.fail[key] {
		return commands.Reply{Ephemeral: true, Text: "Sorry"}, errors.New("boom")
	}
	return x.replies[key], nil
}

func (x *scriptExec) Run(_ context.Context, _ commands.Caller, line string) (commands.Reply, error) {
	return x.answer(line)
}

func (x *scriptExec) Execute(_ context.Context, _ commands.Caller, cmd commands.Command) (commands.Reply, error) {
	return x.answer(fmt.Sprintf("%s %s %s", cmd.Verb, cmd.Sub, cmd.Account))
}

// TestRunPress: a press that records something on an account, pressed on
// its card, comes back with the card drawn afresh; everything else comes
// back as the press's own reply, and the card is left alone.
func TestRunPress(t *testing.T) {
	card := commands.Reply{Ephemeral: true, Title: "Acme Corp — 72 Stable", Text: "card"}
	recorded := commands.Reply{Colour: "yellow", Text: "Recorded a green pulse for Acme Corp. Score now 72 Stable."}
	form := &commands.Form{ID: commands.FormPulse, Account: "acme"}
	submitted := commands.Command{Verb: commands.VerbPulse, Account: "acme", Colour: "red", Reason: "budget"}
	for _, tc := range []struct {
		name      string
		press     commands.Press
		replies   map[string]commands.Reply
		fail      map[string]bool
		wantCard  bool
		wantCalls []string
		wantErr   bool
	}{
		{"pulse on a card", commands.Press{Action: "/pulse acme green", OnCard: true},
			map[string]commands.Reply{"/pulse acme green": recorded, "health show acme": card}, nil,
			true, []string{"/pulse acme green", "health show acme"}, false},
		{"touch form submitted from a card", commands.Press{Form: &commands.Command{Verb: commands.VerbTouch, Account: "acme", Kind: "call"}, OnCard: true},
			map[string]commands.Reply{"touch  acme": recorded, "health show acme": card}, nil,
			true, []string{"touch  acme", "health show acme"}, false},
		{"pulse form submitted from a card", commands.Press{Form: &submitted, OnCard: true},
			map[string]commands.Reply{"pulse  acme": recorded, "health show acme": card}, nil,
			true, []string{"pulse  acme", "health show acme"}, false},
		{"not on a card (the console)", commands.Press{Action: "/pulse acme green"},
			map[string]commands.Reply{"/pulse acme green": recorded}, nil,
			false, []string{"/pulse acme green"}, false},
		{"a double click, answered to the presser only", commands.Press{Action: "/pulse acme green", OnCard: true},
			map[string]commands.Reply{"/pulse acme green": {Ephemeral: true, Text: "Already recorded 5 seconds ago"}}, nil,
			false, []string{"/pulse acme green"}, false},
		{"a form to fill", commands.Press{Action: "/pulse acme red", OnCard: true},
			map[string]commands.Reply{"/pulse acme red": {Ephemeral: true, Form: form}}, nil,
			false, []string{"/pulse acme red"}, false},
		{"an alert acknowledged", commands.Press{Action: "/alert ack 41", OnCard: true},
			map[string]commands.Reply{"/alert ack 41": {Replace: true, Title: "Alert"}}, nil,
			false, []string{"/alert ack 41"}, false},
		{"a list, which records nothing", commands.Press{Action: "/health list at-risk", OnCard: true},
			map[string]commands.Reply{"/health list at-risk": {Title: "At-risk accounts: 2"}}, nil,
			false, []string{"/health list at-risk"}, false},
		{"the card cannot be drawn", commands.Press{Action: "/pulse acme green", OnCard: true},
			map[string]commands.Reply{"/pulse acme green": recorded, "health show acme": {Ephemeral: true, Text: "No account acme"}}, nil,
			false, []string{"/pulse acme green", "health show acme"}, false},
		{"the card fails", commands.Press{Action: "/pulse acme green", OnCard: true},
			map[string]commands.Reply{"/pulse acme green": recorded}, map[string]bool{"health show acme": true},
			false, []string{"/pulse acme green", "health show acme"}, false},
		{"the press fails", commands.Press{Action: "/pulse acme green", OnCard: true},
			nil, map[string]bool{"/pulse acme green": true},
			false, []string{"/pulse acme green"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := &scriptExec{replies: tc.replies, fail: tc.fail}
			got, err := commands.RunPress(context.Background(), x, commands.Caller{Platform: commands.Slack, UserID: "U1"}, tc.press)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if fmt.Sprint(x.calls) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("calls = %q, want %q", x.calls, tc.wantCalls)
			}
			if (got.Card != nil) != tc.wantCard {
				t.Fatalf("card = %+v", got.Card)
			}
			if tc.wantCard && (got.Card.Title != card.Title || got.Reply.Text != recorded.Text || !got.Replace()) {
				t.Errorf("pressed = %+v", got)
			}
			if !tc.wantCard && got.Replace() != got.Reply.Replace {
				t.Errorf("Replace() = %v without a card", got.Replace())
			}
		})
	}
}
