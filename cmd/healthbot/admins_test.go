package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
)

func TestParseAdmins(t *testing.T) {
	got, err := parseAdmins(list("slack:U0ADMIN, discord:112233445566 console:maria,U0ANY <@U0MENTION>"))
	if err != nil {
		t.Fatal(err)
	}
	want := []commands.ChatUser{{Platform: "slack", UserID: "U0ADMIN"}, {Platform: "discord", UserID: "112233445566"},
		{Platform: "console", UserID: "maria"}, {UserID: "U0ANY"}, {UserID: "U0MENTION"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseAdmins = %+v, want %+v", got, want)
	}
	for _, bad := range []string{"teams:U1", "slack:", "slack:<#C1>"} {
		if _, err := parseAdmins([]string{bad}); err == nil {
			t.Errorf("parseAdmins(%q) accepted it", bad)
		}
	}
	if got, err := parseAdmins(list("")); err != nil || got != nil {
		t.Errorf("empty: %v, %v", got, err)
	}
}

// HEALTHBOT_ADMINS reaches the service: an admin on the console maps a
// Slack user to an imported owner's CSM; any console user is an admin too
// (whoever runs the terminal already holds the database), while a Slack
// user it does not name is refused; a bad value is a usage error.
func TestAdminsFromEnvironment(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		csv := filepath.Join(t.TempDir(), "accounts.csv")
		if err := os.WriteFile(csv, []byte("external_id,name,owner\nA-1,Umbrella,carol\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p.mustRun("", "import", "accounts", csv)
		p.env["HEALTHBOT_ADMINS"] = "slack:U0OTHER, console:dana"
		r := p.mustRun("/health admin csm carol slack:U0CAROL\n", "console")
		if !strings.Contains(r.stdout, "CSM carol on slack: (none) → <@U0CAROL>.") {
			t.Errorf("admin on the console:\n%s", r.stdout)
		}
		p.env["USER"] = "eve"
		r = p.mustRun("/health admin owner umbrella eve\n", "console")
		if !strings.Contains(r.stdout, "Umbrella owner: carol → eve.") {
			t.Errorf("another console user:\n%s", r.stdout)
		}
		p.env["HEALTHBOT_ADMINS"] = "teams:U1"
		if r := p.run("/health\n", "console"); r.code != 2 || !strings.Contains(r.err.Error(), "HEALTHBOT_ADMINS") {
			t.Errorf("bad HEALTHBOT_ADMINS: exit %d, %v", r.code, r.err)
		}
	})
}
