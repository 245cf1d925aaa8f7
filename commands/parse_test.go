package commands_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
)

func TestParse(t *testing.T) {
	type C = commands.Command
	tests := []struct {
		line string
		want C
	}{
		// /health
		{"/health", C{Verb: "health", Sub: "mine"}},
		{"health", C{Verb: "health", Sub: "mine"}},
		{"  /HEALTH  ", C{Verb: "health", Sub: "mine"}},
		{"/health acme", C{Verb: "health", Sub: "show", Account: "acme"}},
		{"/Health Acme Corp", C{Verb: "health", Sub: "show", Account: "Acme Corp"}},
		{"/health   acme    corp  ", C{Verb: "health", Sub: "show", Account: "acme corp"}},
		{`/health "Acme Corp"`, C{Verb: "health", Sub: "show", Account: "Acme Corp"}},
		{`/health “Acme Corp”`, C{Verb: "health", Sub: "show", Account: "Acme Corp"}},
		{`/health "Acme Corp`, C{Verb: "health", Sub: "show", Account: "Acme Corp"}},
		{"/health acme-corp", C{Verb: "health", Sub: "show", Account: "acme-corp"}},
		{"/health list", C{Verb: "health", Sub: "list"}},
		{"/health LIST", C{Verb: "health", Sub: "list"}},
		{"/health list healthy", C{Verb: "health", Sub: "list", Status: "healthy"}},
		{"/health list Stable", C{Verb: "health", Sub: "list", Status: "stable"}},
		{"/health list at-risk", C{Verb: "health", Sub: "list", Status: "at-risk"}},
		{"/health list at risk", C{Verb: "health", Sub: "list", Status: "at-risk"}},
		{"/health list atrisk", C{Verb: "health", Sub: "list", Status: "at-risk"}},
		{"/health list CRITICAL", C{Verb: "health", Sub: "list", Status: "critical"}},
		{"/health summary", C{Verb: "health", Sub: "summary"}},
		{"/health Summary", C{Verb: "health", Sub: "summary"}},
		{"/health help", C{Verb: "health", Sub: "help"}},
		{`/health "help"`, C{Verb: "health", Sub: "show", Account: "help"}},
		{`/health "list"`, C{Verb: "health", Sub: "show", Account: "list"}},
		{"/health help desk inc", C{Verb: "health", Sub: "show", Account: "help desk inc"}},
		{"/health summary labs", C{Verb: "health", Sub: "show", Account: "summary labs"}},

		// /pulse
		{"/pulse acme red", C{Verb: "pulse", Account: "acme", Colour: "red"}},
		{"pulse acme green", C{Verb: "pulse", Account: "acme", Colour: "green"}},
		{"/PULSE acme YELLOW", C{Verb: "pulse", Account: "acme", Colour: "yellow"}},
		// The words after the colour are kept as typed: which of them make
		// the reason code is the handler's to say (matchReason).
		{"/pulse acme red budget", C{Verb: "pulse", Account: "acme", Colour: "red", Reason: "budget"}},
		{"/pulse acme red Budget cut by 30%", C{Verb: "pulse", Account: "acme", Colour: "red", Reason: "Budget cut by 30%"}},
		{"/pulse acme red budget   cut  “by” 30%  ", C{Verb: "pulse", Account: "acme", Colour: "red", Reason: "budget   cut  “by” 30%"}},
		{"/pulse acme red champion left CFO gone", C{Verb: "pulse", Account: "acme", Colour: "red", Reason: "champion left CFO gone"}},
		{"/pulse Acme Corp yellow", C{Verb: "pulse", Account: "Acme Corp", Colour: "yellow"}},
		{`/pulse "Red Hat" green`, C{Verb: "pulse", Account: "Red Hat", Colour: "green"}},
		{"/pulse red hat green", C{Verb: "pulse", Account: "red hat", Colour: "green"}},
		{"/pulse acme-corp red", C{Verb: "pulse", Account: "acme-corp", Colour: "red"}},
		{"/pulse acme green other great QBR, red flags gone", C{Verb: "pulse", Account: "acme", Colour: "green", Reason: "other great QBR, red flags gone"}},
		{`/pulse acme red budget "quoted note"`, C{Verb: "pulse", Account: "acme", Colour: "red", Reason: `budget "quoted note"`}},

		// /touch
		{"/touch acme", C{Verb: "touch", Account: "acme"}},
		{"/touch Acme Corp", C{Verb: "touch", Account: "Acme Corp"}},
		{"/touch acme --exec", C{Verb: "touch", Account: "acme", Exec: true}},
		{"/touch acme call", C{Verb: "touch", Account: "acme", Kind: "call"}},
		{"/touch acme CALL", C{Verb: "touch", Account: "acme", Kind: "call"}},
		{"/touch acme qbr --exec", C{Verb: "touch", Account: "acme", Kind: "qbr", Exec: true}},
		{"/touch acme qbr —exec", C{Verb: "touch", Account: "acme", Kind: "qbr", Exec: true}},
		{"/touch acme qbr --EXEC went well", C{Verb: "touch", Account: "acme", Kind: "qbr", Exec: true, Note: "went well"}},
		{"/touch acme email sent the renewal quote", C{Verb: "touch", Account: "acme", Kind: "email", Note: "sent the renewal quote"}},
		{"/touch Acme Corp meeting onsite --exec later", C{Verb: "touch", Account: "Acme Corp", Kind: "meeting", Note: "onsite --exec later"}},
		{"/touch chat", C{Verb: "touch", Account: "chat"}},
		{"/touch chat co chat", C{Verb: "touch", Account: "chat co", Kind: "chat"}},
		{`/touch "Call Center Ltd" call`, C{Verb: "touch", Account: "Call Center Ltd", Kind: "call"}},
		{"/touch acme other --exec", C{Verb: "touch", Account: "acme", Kind: "other", Exec: true}},
		{"/touch acme call exec", C{Verb: "touch", Account: "acme", Kind: "call", Note: "exec"}},
	}
	for _, tt := range tests {
		got, err := commands.Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%q): unexpected error %v", tt.line, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		line string
		want []string // substrings of the message
	}{
		{"", []string{"Type a command", "/health help"}},
		{"   ", []string{"Type a command"}},
		{"/status acme", []string{`"/status"`, "/health help"}},
		{"/health list bad", []string{"healthy, stable, at-risk or critical", `/health "list bad"`}},
		{"/health list at risk now", []string{"takes a status"}},
		{"/pulse", []string{"needs an account and a colour", "Example: /pulse acme red budget"}},
		{"/pulse acme", []string{"/pulse needs a colour: red, yellow or green. Example: /pulse acme red budget"}},
		{"/pulse acme corp purple", []string{"needs a colour"}},
		{"/pulse red", []string{"needs an account before the colour"}},
		{`/pulse acme "red"`, []string{"needs a colour"}},
		{"/touch", []string{"needs an account and a kind", "call, email, meeting, chat, qbr or other"}},
		{"/touch --exec", []string{"needs an account"}},
	}
	for _, tt := range tests {
		got, err := commands.Parse(tt.line)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", tt.line, got)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%q) error %q does not say %q", tt.line, err, w)
			}
		}
		var ie *commands.InputError
		if !errors.As(err, &ie) {
			t.Errorf("Parse(%q) error is %T, want *commands.InputError", tt.line, err)
		}
		if msg := err.Error(); !strings.HasSuffix(msg, ".") && !strings.Contains(msg, "Example:") {
			t.Errorf("Parse(%q) error %q is not a sentence", tt.line, msg)
		}
	}
}

// Every button Action on a card must parse back to the command it names.
func TestParseButtonActions(t *testing.T) {
	for _, tt := range []struct {
		line string
		want commands.Command
	}{
		{"/pulse acme-corp red", commands.Command{Verb: "pulse", Account: "acme-corp", Colour: "red"}},
		{"/pulse red yellow", commands.Command{Verb: "pulse", Account: "red", Colour: "yellow"}},
		{"/touch acme-corp", commands.Command{Verb: "touch", Account: "acme-corp"}},
	} {
		got, err := commands.Parse(tt.line)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
		}
	}
}

func TestFormCommand(t *testing.T) {
	pulse := commands.Form{ID: "pulse", Account: "acme-corp", Hidden: map[string]string{"colour": "red"}}
	touch := commands.Form{ID: "touch", Account: "acme-corp"}
	tests := []struct {
		form    commands.Form
		values  map[string]string
		want    commands.Command
		wantErr string
	}{
		{pulse, map[string]string{"reason": "Budget", "note": " cut "}, commands.Command{Verb: "pulse", Account: "acme-corp", Colour: "red", Reason: "budget", Note: "cut"}, ""},
		{pulse, map[string]string{"note": "x"}, commands.Command{}, "needs a reason"},
		{commands.Form{ID: "pulse", Account: "a"}, map[string]string{"color": "green"}, commands.Command{Verb: "pulse", Account: "a", Colour: "green"}, ""},
		{commands.Form{ID: "pulse", Account: "a"}, map[string]string{"colour": "blue"}, commands.Command{}, "Pick a colour"},
		{touch, map[string]string{"kind": "qbr", "exec": "true", "note": "went well"}, commands.Command{Verb: "touch", Account: "acme-corp", Kind: "qbr", Exec: true, Note: "went well"}, ""},
		{touch, map[string]string{"kind": "call", "exec": ""}, commands.Command{Verb: "touch", Account: "acme-corp", Kind: "call"}, ""},
		{touch, map[string]string{"kind": "fax"}, commands.Command{}, "Pick a kind of touch"},
		{touch, map[string]string{}, commands.Command{}, "Pick a kind of touch"},
		{commands.Form{ID: "touch"}, map[string]string{"kind": "call"}, commands.Command{}, "lost track of its account"},
		{commands.Form{ID: "survey", Account: "a"}, nil, commands.Command{}, "don't know the form"},
		{touch, map[string]string{"kind": "call", "note": strings.Repeat("x", 2001)}, commands.Command{}, "too long"},
	}
	for i, tt := range tests {
		got, err := commands.FormCommand(tt.form, tt.values)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%d: FormCommand error = %v, want %q", i, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%d: FormCommand = %+v, %v; want %+v", i, got, err, tt.want)
		}
	}
}
