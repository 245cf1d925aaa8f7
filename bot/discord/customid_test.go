package discord_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
)

func TestButtonIDs(t *testing.T) {
	long := strings.Repeat("very-long-account-slug-", 6) // 138 characters
	for _, tc := range []struct {
		name     string
		i        int
		action   string
		wantID   string
		overflow bool
		wantBack string // the action decoded from the id
	}{
		{"plain", 0, "/pulse acme red", "b0|pulse acme red", false, "/pulse acme red"},
		{"index keeps ids unique", 3, "/pulse acme red", "b3|pulse acme red", false, "/pulse acme red"},
		{"long slug shortened to a prefix", 1, "/pulse " + long + " yellow", "b1|pulse " + long[:100-len("b1|pulse  yellow")] + " yellow", false, ""},
		{"unshortenable action hashed", 2, "/touch acme call " + strings.Repeat("note ", 30), "", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, overflow := discord.ButtonID(tc.i, tc.action)
			if len(id) > discord.MaxCustomID || overflow != tc.overflow {
				t.Fatalf("ButtonID = %q (%d chars), overflow %v", id, len(id), overflow)
			}
			if tc.wantID != "" && id != tc.wantID {
				t.Errorf("id = %q, want %q", id, tc.wantID)
			}
			action, hashed, ok := discord.ParseButtonID(id)
			if !ok || hashed != tc.overflow {
				t.Fatalf("ParseButtonID(%q) = %q, hashed %v, ok %v", id, action, hashed, ok)
			}
			if tc.wantBack != "" && action != tc.wantBack {
				t.Errorf("decoded %q, want %q", action, tc.wantBack)
			}
		})
	}
	for _, bad := range []string{"", "x0|pulse", "b|pulse", "bx|pulse", "f|pulse|acme|"} {
		if _, _, ok := discord.ParseButtonID(bad); ok {
			t.Errorf("ParseButtonID(%q) accepted", bad)
		}
	}
}

func TestFormIDs(t *testing.T) {
	f := commands.Form{ID: "pulse", Account: "acme", Hidden: map[string]string{"colour": "red"}}
	id, overflow := discord.FormID(f)
	if id != "f|pulse|acme|colour=red" || overflow {
		t.Fatalf("FormID = %q, %v", id, overflow)
	}
	back, hashed, ok := discord.ParseFormID(id)
	if !ok || hashed || !reflect.DeepEqual(back, f) {
		t.Errorf("ParseFormID = %+v %v %v", back, hashed, ok)
	}

	f.Account = strings.Repeat("a", 120)
	id, overflow = discord.FormID(f)
	back, _, _ = discord.ParseFormID(id)
	if overflow || len(id) > 100 || !strings.HasPrefix(f.Account, back.Account) || back.Hidden["colour"] != "red" {
		t.Errorf("long account: %q → %+v", id, back)
	}

	f.Hidden["memo"] = strings.Repeat("m", 200)
	id, overflow = discord.FormID(f)
	if !overflow || !strings.HasPrefix(id, "f#") || len(id) > 100 {
		t.Errorf("too much to carry: %q, %v", id, overflow)
	}
	if _, hashed, ok := discord.ParseFormID(id); !ok || !hashed {
		t.Errorf("hashed id not recognised")
	}
}

// TestLongActionButtonWorks: a button whose action was too long for its
// id is remembered when the message is sent, and runs that action when
// clicked.
func TestLongActionButtonWorks(t *testing.T) {
	e := newEnv(t, &fakeExec{}, guildID)
	action := "/touch acme call " + strings.Repeat("note ", 30)
	if _, err := e.a.Post(t.Context(), "c1", commands.Reply{Title: "Alert", Buttons: []commands.Button{{Label: "Go", Action: action}}}); err != nil {
		t.Fatal(err)
	}
	customID, _ := get(e.rest.Requests()[0].Body, "components", 0, "components", 0, "custom_id").(string)
	if !strings.HasPrefix(customID, "b0#") {
		t.Fatalf("custom id %q, want a hashed one", customID)
	}
	response(t, e.post(click(customID)))
	calls := e.exec.Calls()
	if len(calls) == 0 || calls[0].Line != action {
		t.Fatalf("calls = %+v, want Run(%q)", calls, action)
	}
}
