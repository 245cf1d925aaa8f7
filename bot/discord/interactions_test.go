package discord_test

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/commands"
)

// cardReply is what the fake executor answers to "/health show acme".
func cardReply() commands.Reply {
	return commands.Reply{
		Colour: "yellow", Title: "Acme Corp — 72 Stable ▲3 (7d)", Text: "+3 over 7 days.",
		Sections: []commands.Section{{Title: "Components", Fields: []commands.Field{{Label: "usage", Value: "High · 80/100 · 20 of 25 pts"}}}},
		Context:  []string{"Pulse: green by Maria, just now"},
		Buttons: []commands.Button{
			{Label: "Pulse red", Style: commands.StyleDanger, Action: "/pulse acme red"},
			{Label: "Pulse yellow", Action: "/pulse acme yellow"},
			{Label: "Pulse green", Style: commands.StylePrimary, Action: "/pulse acme green"},
			{Label: "Log touch", Action: "/touch acme"},
		},
	}
}

// scripted answers like the commands layer does for the few inputs the
// tests send.
func scripted(c call) commands.Reply {
	switch {
	case c.Method == "Execute" && c.Cmd.Verb == commands.VerbHealth && c.Cmd.Sub == commands.HealthShow:
		return cardReply()
	case c.Line == "/pulse acme red" || (c.Cmd.Verb == commands.VerbPulse && c.Cmd.Colour == "red" && c.Cmd.Reason == ""):
		return commands.Reply{Ephemeral: true, Text: "A red pulse for Acme Corp needs a reason.", Form: &commands.Form{
			ID: commands.FormPulse, Title: "Red pulse: Acme Corp", Submit: "Record", Account: "acme",
			Hidden: map[string]string{"colour": "red"},
			Fields: []commands.FormField{
				{Name: "reason", Label: "Reason", Kind: commands.FieldSelect, Required: true, Options: []commands.Option{{Value: "budget", Label: "budget"}, {Value: "champion", Label: "champion"}}},
				{Name: "note", Label: "Note", Kind: commands.FieldText, Placeholder: "What is going on?", MaxLength: 2000},
			}}}
	case c.Line == "/touch acme":
		return commands.Reply{Ephemeral: true, Text: "What kind of touch with Acme Corp?", Form: &commands.Form{
			ID: commands.FormTouch, Title: "Log touch: Acme Corp", Submit: "Log", Account: "acme",
			Fields: []commands.FormField{
				{Name: "kind", Label: "Kind", Kind: commands.FieldSelect, Required: true, Options: []commands.Option{{Value: "call", Label: "Call"}, {Value: "qbr", Label: "QBR"}}},
				{Name: "exec", Label: "Executive sponsor present", Kind: commands.FieldCheckbox},
				{Name: "note", Label: "Note", Kind: commands.FieldText, MaxLength: 2000},
			}}}
	case c.Line != "" || c.Cmd.Verb == commands.VerbPulse || c.Cmd.Verb == commands.VerbTouch:
		return commands.Reply{Colour: "yellow", Text: "Recorded it. Score now 72 Stable."}
	}
	return commands.Reply{Ephemeral: true, Colour: "grey", Title: "healthbot", Text: "text for " + c.Cmd.Verb + " " + c.Cmd.Sub}
}

// commandCases drive every slash command; want is the Command the executor
// must receive.
var commandCases = []struct {
	name string
	data map[string]any
	want commands.Command
}{
	{"health show", slash("health", subcmd("show", opt("account", 3, "acme"))),
		commands.Command{Verb: "health", Sub: "show", Account: "acme"}},
	{"health mine", slash("health", subcmd("mine")), commands.Command{Verb: "health", Sub: "mine"}},
	{"health list", slash("health", subcmd("list", opt("status", 3, "at-risk"))),
		commands.Command{Verb: "health", Sub: "list", Status: "at-risk"}},
	{"health list all", slash("health", subcmd("list")), commands.Command{Verb: "health", Sub: "list"}},
	{"health summary", slash("health", subcmd("summary")), commands.Command{Verb: "health", Sub: "summary"}},
	{"health help", slash("health", subcmd("help")), commands.Command{Verb: "health", Sub: "help"}},
	{"pulse", slash("pulse", opt("account", 3, "acme"), opt("color", 3, "yellow"), opt("reason", 3, "budget"), opt("note", 3, "CFO asking")),
		commands.Command{Verb: "pulse", Account: "acme", Colour: "yellow", Reason: "budget", Note: "CFO asking"}},
	{"pulse green", slash("pulse", opt("account", 3, "acme"), opt("color", 3, "green")),
		commands.Command{Verb: "pulse", Account: "acme", Colour: "green"}},
	{"touch", slash("touch", opt("account", 3, "acme"), opt("kind", 3, "qbr"), opt("exec", 5, true), opt("note", 3, "renewal plan")),
		commands.Command{Verb: "touch", Account: "acme", Kind: "qbr", Exec: true, Note: "renewal plan"}},
}

func TestEveryCommandOverHTTPAndGateway(t *testing.T) {
	for _, tc := range commandCases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, &fakeExec{reply: scripted}, guildID)
			body := interaction(discordgo.InteractionApplicationCommand, tc.data, nil)
			got := response(t, e.post(body))
			if num(got["type"]) != 4 {
				t.Fatalf("type = %v, want 4: %v", got["type"], got)
			}
			calls := e.exec.Calls()
			if len(calls) != 1 || calls[0].Method != "Execute" || !reflect.DeepEqual(calls[0].Cmd, tc.want) {
				t.Fatalf("calls = %+v, want one Execute of %+v", calls, tc.want)
			}
			wantCaller := commands.Caller{Platform: "discord", TeamID: guildID, UserID: "u1", UserName: "Maria", ChannelID: "c1"}
			if calls[0].Caller != wantCaller {
				t.Errorf("caller = %+v, want %+v", calls[0].Caller, wantCaller)
			}

			// The gateway path answers the same interaction the same way,
			// through the interaction callback endpoint.
			g := newEnv(t, &fakeExec{reply: scripted}, guildID)
			cb := g.gateway(body)
			if cb == nil {
				t.Fatalf("gateway sent no callback; requests: %+v", g.rest.Requests())
			}
			if !reflect.DeepEqual(cb, got) {
				t.Errorf("gateway callback %v\n differs from HTTP answer %v", cb, got)
			}
			if gc := g.exec.Calls(); len(gc) != 1 || !reflect.DeepEqual(gc[0].Cmd, tc.want) {
				t.Errorf("gateway calls = %+v", gc)
			}
		})
	}
}

func TestPingPong(t *testing.T) {
	e := newEnv(t, nil)
	got := response(t, e.post(interaction(discordgo.InteractionPing, nil, map[string]any{"guild_id": nil, "member": nil})))
	if num(got["type"]) != 1 {
		t.Fatalf("got %v, want PONG", got)
	}
}

func TestAutocompleteAccounts(t *testing.T) {
	data := slash("pulse", map[string]any{"name": "account", "type": 3, "value": "acme", "focused": true}, opt("color", 3, "red"))
	body := interaction(discordgo.InteractionApplicationCommandAutocomplete, data, nil)
	want := []any{
		map[string]any{"name": "Acme Corp (acme)", "value": "acme"},
		map[string]any{"name": "Acme Labs (acme-labs)", "value": "acme-labs"},
	}
	e := newEnv(t, nil, guildID)
	got := response(t, e.post(body))
	if num(got["type"]) != 8 || !reflect.DeepEqual(get(got, "data", "choices"), want) {
		t.Fatalf("got %v, want type 8 with %v", got, want)
	}
	if cb := e.gateway(interaction(discordgo.InteractionApplicationCommandAutocomplete, data, nil)); !reflect.DeepEqual(get(cb, "data", "choices"), want) {
		t.Errorf("gateway autocomplete = %v", cb)
	}
	// Inside a sub-command too.
	sub := slash("health", map[string]any{"name": "show", "type": 1, "options": []any{map[string]any{"name": "account", "type": 3, "value": "glo", "focused": true}}})
	got = response(t, e.post(interaction(discordgo.InteractionApplicationCommandAutocomplete, sub, nil)))
	if c := get(got, "data", "choices"); !reflect.DeepEqual(c, []any{map[string]any{"name": "Globex (globex)", "value": "globex"}}) {
		t.Errorf("sub-command autocomplete = %v", c)
	}
	if n := len(e.exec.Calls()); n != 0 {
		t.Errorf("autocomplete ran %d commands", n)
	}
}

func TestPulseButtonUpdatesTheCard(t *testing.T) {
	for _, transport := range []string{"http", "gateway"} {
		t.Run(transport, func(t *testing.T) {
			e := newEnv(t, &fakeExec{reply: scripted}, guildID)
			body := click("b2|pulse acme green")
			var got map[string]any
			if transport == "http" {
				got = response(t, e.post(body))
			} else {
				got = e.gateway(body)
			}
			if num(got["type"]) != 7 {
				t.Fatalf("type = %v, want 7 UPDATE_MESSAGE: %v", got["type"], got)
			}
			if c := get(got, "data", "content"); c != "Recorded it. Score now 72 Stable." {
				t.Errorf("content = %v", c)
			}
			if title := get(got, "data", "embeds", 0, "title"); title != "Acme Corp — 72 Stable ▲3 (7d)" {
				t.Errorf("card title = %v", title)
			}
			if id := get(got, "data", "components", 0, "components", 2, "custom_id"); id != "b2|pulse acme green" {
				t.Errorf("refreshed button id = %v", id)
			}
			calls := e.exec.Calls()
			if len(calls) != 2 || calls[0].Line != "/pulse acme green" || calls[0].Caller.UserID != "u1" ||
				calls[1].Cmd != (commands.Command{Verb: "health", Sub: "show", Account: "acme"}) {
				t.Fatalf("calls = %+v, want the pulse by u1 then the card", calls)
			}
		})
	}
}

func TestRedPulseButtonOpensModalAndSubmitRecords(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	got := response(t, e.post(click("b0|pulse acme red")))
	if num(got["type"]) != 9 {
		t.Fatalf("type = %v, want 9 MODAL: %v", got["type"], got)
	}
	id, _ := get(got, "data", "custom_id").(string)
	if id != "f|pulse|acme|colour=red" {
		t.Errorf("modal custom id = %q", id)
	}
	if p := get(got, "data", "components", 0, "components", 0, "placeholder"); p != "One of: budget, champion" {
		t.Errorf("reason placeholder = %v", p)
	}
	// The gateway opens the same modal.
	if cb := e.gateway(click("b0|pulse acme red")); !reflect.DeepEqual(cb, got) {
		t.Errorf("gateway modal %v differs from HTTP %v", cb, got)
	}

	before := len(e.exec.Calls())
	got = response(t, e.post(submit(id, map[string]string{"reason": "Budget", "note": "CFO froze spend"}, true)))
	if num(got["type"]) != 7 {
		t.Fatalf("submit type = %v, want 7 (the card refreshed): %v", got["type"], got)
	}
	calls := e.exec.Calls()[before:]
	want := commands.Command{Verb: "pulse", Account: "acme", Colour: "red", Reason: "budget", Note: "CFO froze spend"}
	if len(calls) < 1 || calls[0].Cmd != want {
		t.Fatalf("calls = %+v, want %+v", calls, want)
	}

	// A modal opened by the slash command (no card) answers with a message.
	got = response(t, e.post(submit(id, map[string]string{"reason": "budget"}, false)))
	if num(got["type"]) != 4 || get(got, "data", "content") != "Recorded it. Score now 72 Stable." {
		t.Errorf("slash modal submit = %v", got)
	}
	// A submission FormCommand rejects says why and runs nothing.
	before = len(e.exec.Calls())
	got = response(t, e.post(submit("f|pulse|acme|colour=purple", map[string]string{"reason": "budget"}, false)))
	if num(got["type"]) != 4 || num(get(got, "data", "flags")) != 64 || !strings.Contains(get(got, "data", "content").(string), "Pick a colour") {
		t.Errorf("bad colour = %v", got)
	}
	if len(e.exec.Calls()) != before {
		t.Errorf("a rejected form ran a command")
	}
}

func TestSlashRedPulseWithoutReasonOpensModal(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	got := response(t, e.post(interaction(discordgo.InteractionApplicationCommand, slash("pulse", opt("account", 3, "acme"), opt("color", 3, "red")), nil)))
	if num(got["type"]) != 9 || get(got, "data", "custom_id") != "f|pulse|acme|colour=red" {
		t.Fatalf("got %v, want the reason modal", got)
	}
}

func TestTouchButtonModal(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	got := response(t, e.post(click("b3|touch acme")))
	if num(got["type"]) != 9 || get(got, "data", "custom_id") != "f|touch|acme|" {
		t.Fatalf("got %v, want the touch modal", got)
	}
	if l := get(got, "data", "components", 1, "components", 0, "label"); l != "Executive sponsor present (yes/no)" {
		t.Errorf("exec label = %v", l)
	}
	got = response(t, e.post(submit("f|touch|acme|", map[string]string{"kind": "QBR", "exec": "yes", "note": "renewal"}, true)))
	if num(got["type"]) != 7 {
		t.Fatalf("submit = %v", got)
	}
	want := commands.Command{Verb: "touch", Account: "acme", Kind: "qbr", Exec: true, Note: "renewal"}
	var found bool
	for _, c := range e.exec.Calls() {
		found = found || c.Cmd == want
	}
	if !found {
		t.Errorf("calls = %+v, want %+v", e.exec.Calls(), want)
	}
}

func TestRepeatedInteractionRunsOnce(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	body := click("b2|pulse acme green")
	response(t, e.post(body))
	got := response(t, e.post(body))
	if num(got["type"]) != 6 {
		t.Errorf("repeat answered %v, want a silent type 6", got)
	}
	if cb := e.gateway(body); cb != nil {
		t.Errorf("gateway answered a repeat: %v", cb)
	}
	if n := len(e.exec.Calls()); n != 2 { // the pulse and its card refresh, once
		t.Errorf("%d executor calls, want 2", n)
	}
}

func TestExpiredButton(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	got := response(t, e.post(click("b0#0123456789abcdef01234567")))
	if num(get(got, "data", "flags")) != 64 || !strings.Contains(get(got, "data", "content").(string), "expired") {
		t.Errorf("got %v", got)
	}
	if len(e.exec.Calls()) != 0 {
		t.Error("an unknown button ran a command")
	}
}

// TestDeferredAnswers: a command slower than the deadline is acknowledged
// at once (5 for a command, 6 for a click) and its answer edits the
// original response afterwards. A read, whose answer is private, is
// deferred privately (flags 64), so nobody else sees its "thinking…"; a
// write is deferred publicly, and a private answer to it replaces the
// public "thinking…" with an ephemeral follow-up.
func TestDeferredAnswers(t *testing.T) {
	cases := []struct {
		name      string
		body      func() []byte
		reply     func(call) commands.Reply
		wantType  int
		wantFlags int      // of the deferred response
		wantCalls []string // "METHOD path" after the answer
		check     func(t *testing.T, reqs []request)
	}{
		{"card deferred privately, edits @original", func() []byte {
			return interaction(discordgo.InteractionApplicationCommand, slash("health", subcmd("show", opt("account", 3, "acme"))), nil)
		}, scripted, 5, 64, []string{"PATCH /api/v10/webhooks/app1/TOKEN/messages/@original"},
			func(t *testing.T, reqs []request) {
				if title := get(reqs[0].Body, "embeds", 0, "title"); title != "Acme Corp — 72 Stable ▲3 (7d)" {
					t.Errorf("edit title = %v", title)
				}
				if n := length(get(reqs[0].Body, "components", 0, "components")); n != 4 {
					t.Errorf("edit has %d buttons", n)
				}
			}},
		{"help deferred privately, edits @original", func() []byte {
			return interaction(discordgo.InteractionApplicationCommand, slash("health", subcmd("help")), nil)
		}, scripted, 5, 64, []string{"PATCH /api/v10/webhooks/app1/TOKEN/messages/@original"},
			func(t *testing.T, reqs []request) {
				if title := get(reqs[0].Body, "embeds", 0, "title"); title != "healthbot" {
					t.Errorf("edit = %v", reqs[0].Body)
				}
			}},
		{"write deferred publicly, edits @original", func() []byte {
			return interaction(discordgo.InteractionApplicationCommand, slash("pulse", opt("account", 3, "acme"), opt("color", 3, "green")), nil)
		}, scripted, 5, 0, []string{"PATCH /api/v10/webhooks/app1/TOKEN/messages/@original"},
			func(t *testing.T, reqs []request) {
				if c := get(reqs[0].Body, "content"); c != "Recorded it. Score now 72 Stable." {
					t.Errorf("edit content = %v", c)
				}
			}},
		{"button edits the card", func() []byte { return click("b2|pulse acme green") }, scripted, 6, 0,
			[]string{"PATCH /api/v10/webhooks/app1/TOKEN/messages/@original"},
			func(t *testing.T, reqs []request) {
				if c := get(reqs[0].Body, "content"); c != "Recorded it. Score now 72 Stable." {
					t.Errorf("edit content = %v", c)
				}
			}},
		{"private answer to a write becomes an ephemeral follow-up", func() []byte {
			return interaction(discordgo.InteractionApplicationCommand, slash("pulse", opt("account", 3, "acme"), opt("color", 3, "red")), nil)
		}, scripted, 5, 0, []string{"DELETE /api/v10/webhooks/app1/TOKEN/messages/@original", "POST /api/v10/webhooks/app1/TOKEN"},
			func(t *testing.T, reqs []request) {
				if f := num(get(reqs[1].Body, "flags")); f != 64 || reqs[1].Query != "wait=true" {
					t.Errorf("follow-up flags %d query %q", f, reqs[1].Query)
				}
				if c, _ := get(reqs[1].Body, "content").(string); !strings.Contains(c, "needs a reason") {
					t.Errorf("follow-up = %v", reqs[1].Body)
				}
			}},
	}
	for _, tc := range cases {
		for _, transport := range []string{"http", "gateway"} {
			t.Run(tc.name+"/"+transport, func(t *testing.T) {
				gate := make(chan struct{})
				e := newEnv(t, &fakeExec{reply: tc.reply, gate: gate}, guildID)
				e.a.AckDeadline = 0 // the gated executor cannot finish first
				body := tc.body()
				var i discordgo.Interaction
				if err := json.Unmarshal(body, &i); err != nil {
					t.Fatal(err)
				}
				var got map[string]any
				if transport == "http" {
					got = response(t, e.post(body))
				} else {
					got = e.gateway(body)
				}
				if num(got["type"]) != tc.wantType || num(get(got, "data", "flags")) != tc.wantFlags {
					t.Fatalf("immediate answer %v, want type %d flags %d", got, tc.wantType, tc.wantFlags)
				}
				mark := len(e.rest.Requests())
				close(gate)
				e.a.Wait()
				var after []request
				var seen []string
				for _, r := range e.rest.Requests()[mark:] {
					after = append(after, r)
					seen = append(seen, r.Method+" "+strings.Replace(r.Path, i.Token, "TOKEN", 1))
				}
				if !reflect.DeepEqual(seen, tc.wantCalls) {
					t.Fatalf("REST calls after the answer = %v, want %v", seen, tc.wantCalls)
				}
				tc.check(t, after)
			})
		}
	}
}

func TestRegisterCommands(t *testing.T) {
	for _, tc := range []struct {
		guilds []string
		paths  []string
	}{
		{[]string{"111", "222"}, []string{"/api/v10/applications/app1/guilds/111/commands", "/api/v10/applications/app1/guilds/222/commands"}},
		{nil, []string{"/api/v10/applications/app1/commands"}},
	} {
		e := newEnv(t, nil, tc.guilds...)
		if err := e.a.RegisterCommands(t.Context()); err != nil {
			t.Fatal(err)
		}
		reqs := e.rest.Requests()
		if len(reqs) != len(tc.paths) {
			t.Fatalf("requests %+v, want %v", reqs, tc.paths)
		}
		for i, r := range reqs {
			if r.Method != "PUT" || r.Path != tc.paths[i] || r.Auth != "Bot bot-token" {
				t.Errorf("request %d = %s %s auth %q", i, r.Method, r.Path, r.Auth)
			}
			cmds := r.Body[""].([]any)
			var names []string
			for _, c := range cmds {
				names = append(names, get(c, "name").(string))
			}
			if strings.Join(names, ",") != "health,pulse,touch" {
				t.Errorf("commands = %v", names)
			}
			// /pulse: account (autocomplete), color (3 choices), reason, note.
			var opts []string
			for j := range 4 {
				o := get(cmds[1], "options", j)
				opts = append(opts, get(o, "name").(string)+":"+strconv.FormatBool(get(o, "autocomplete") == true)+":"+strconv.Itoa(length(get(o, "choices"))))
			}
			if got := strings.Join(opts, " "); got != "account:true:0 color:false:3 reason:false:0 note:false:0" {
				t.Errorf("pulse options = %s", got)
			}
			if kinds := get(cmds[2], "options", 1, "choices"); length(kinds) != 6 || get(cmds[2], "options", 2, "type") != float64(5) {
				t.Errorf("touch options = %v", get(cmds[2], "options"))
			}
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	got := response(t, e.post(interaction(discordgo.InteractionApplicationCommand, slash("oldcmd"), nil)))
	if num(get(got, "data", "flags")) != 64 || !strings.Contains(get(got, "data", "content").(string), "registered again") {
		t.Errorf("got %v", got)
	}
	if len(e.exec.Calls()) != 0 {
		t.Error("an unknown command ran")
	}
}
