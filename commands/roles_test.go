package commands_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// auditActions lists the trail's actions, newest first.
func auditActions(t *testing.T, s *models.Store) []string {
	t.Helper()
	entries, _, err := s.RecentAudit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

// Until anyone has a role everyone is a CSM; once an admin gives one, a
// user without one is a viewer, refused every write — typed, pressed on a
// card, submitted in a form, on an alert — with a sentence that says who
// can and how to get the role, and nothing is written. Taking the last
// role away makes everyone a CSM again.
func TestViewerIsRefusedWrites(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		svc.Admins = testAdmins
		ctx := context.Background()

		if r := runLine(t, svc, slackNewbie, "/pulse globex green"); !strings.HasPrefix(r.Text, "Recorded a green pulse") {
			t.Fatalf("before roles, anyone records: %q", r.Text)
		}
		r := runLine(t, svc, slackAdmin, "/health admin role <@U9NEW|bobby> viewer")
		if want := "Role of <@U9NEW> on slack: (none) → viewer."; r.Text != want || !strings.Contains(strings.Join(r.Context, " "), "Roles are now in use") {
			t.Fatalf("admin role: %q %q", r.Text, r.Context)
		}
		pulses := countRows(t, s, &models.Pulse{}, "1 = 1")
		trail := len(auditActions(t, s))

		wantPulse := "Only CSMs, managers and admins can record a pulse; ask an admin to give you the csm role with /health admin role <@U9NEW> csm. Admins: <@UADMIN1>, discord:424242424242."
		if r := runLine(t, svc, slackNewbie, "/pulse acme-corp red budget"); r.Text != wantPulse || !r.Ephemeral {
			t.Errorf("a viewer's /pulse: %q\nwant %q", r.Text, wantPulse)
		}
		press, err := commands.RunPress(ctx, svc, slackNewbie, commands.Press{Action: "/pulse acme-corp green", OnCard: true})
		if err != nil || press.Reply.Text != wantPulse || press.Card != nil {
			t.Errorf("a viewer's button press: %q (card redrawn: %v), %v", press.Reply.Text, press.Card != nil, err)
		}
		form := commands.Command{Verb: commands.VerbPulse, Account: "acme-corp", Colour: "red", Reason: "budget"}
		if press, _ := commands.RunPress(ctx, svc, slackNewbie, commands.Press{Form: &form, OnCard: true}); press.Reply.Text != wantPulse {
			t.Errorf("a viewer's form: %q", press.Reply.Text)
		}
		if r := runLine(t, svc, slackNewbie, "/touch acme-corp call"); !strings.HasPrefix(r.Text, "Only CSMs, managers and admins can log a touch;") {
			t.Errorf("a viewer's /touch: %q", r.Text)
		}
		if r := runLine(t, svc, slackNewbie, "/alert ack 1"); !strings.HasPrefix(r.Text, "Only CSMs, managers and admins can acknowledge or snooze an alert;") {
			t.Errorf("a viewer's alert button: %q", r.Text)
		}
		// Maria has no role either: once roles are in use, she is a viewer too.
		if r := runLine(t, svc, callerMaria, "/pulse acme-corp green"); !strings.HasPrefix(r.Text, "Only CSMs") {
			t.Errorf("an unassigned user once roles are in use: %q", r.Text)
		}
		if n := countRows(t, s, &models.Pulse{}, "1 = 1"); n != pulses || len(auditActions(t, s)) != trail {
			t.Errorf("refused writes wrote: %d pulses (was %d), %d audit entries (was %d)", n, pulses, len(auditActions(t, s)), trail)
		}
		// A viewer reads: the card, without MRR and without buttons they
		// may not press; "Why did it change?" and "Chart" (its trend moved)
		// only read.
		card := runLine(t, svc, slackNewbie, "/health acme-corp")
		if !strings.HasPrefix(card.Title, "Acme Corp") || strings.Contains(strings.Join(card.Context, " "), "MRR") ||
			len(card.Buttons) != 2 || card.Buttons[0].Action != "/health acme-corp why" || card.Buttons[1].Action != "/health acme-corp chart" || !card.Ephemeral {
			t.Errorf("a viewer's card: %q %q buttons %v", card.Title, card.Context, card.Buttons)
		}

		runLine(t, svc, slackAdmin, "/health admin role <@U9NEW> csm")
		if r := runLine(t, svc, slackNewbie, "/pulse acme-corp green"); !strings.HasPrefix(r.Text, "Recorded") {
			t.Errorf("a CSM records: %q", r.Text)
		}
		if r := runLine(t, svc, slackNewbie, "/health acme-corp"); !strings.Contains(strings.Join(r.Context, " "), "MRR: 12,000") || len(r.Buttons) != 6 {
			t.Errorf("a CSM sees MRR and the buttons: %q %v", r.Context, r.Buttons)
		}
		r = runLine(t, svc, slackAdmin, "/health admin role <@U9NEW> none")
		if r.Text != "Role of <@U9NEW> on slack: csm → (none)." || !strings.Contains(strings.Join(r.Context, " "), "everyone is a CSM again") {
			t.Errorf("last role taken away: %q %q", r.Text, r.Context)
		}
		if r := runLine(t, svc, slackNewbie, "/pulse acme-corp yellow"); !strings.HasPrefix(r.Text, "Recorded") {
			t.Errorf("no roles left, anyone records again: %q", r.Text)
		}
	})
}

// /health admin role checks what it is given, says when nothing changes,
// records each change in the audit trail, and knows that HEALTHBOT_ADMINS
// and the console outrank any stored role.
func TestAdminRole(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		console := commands.Caller{Platform: commands.Console, UserID: "dana", UserName: "dana"}
		for line, want := range map[string]string{
			"/health admin role <@U9NEW> boss":            `"boss" is not a role: use viewer, csm, manager, admin or none.`,
			"/health admin role console:eve viewer":       "On the console every user is an admin",
			"/health admin role slack:U9NEW":              "needs a chat user and a role",
			"/health admin role slack:bobby csm":          "Slack sent \"bobby\", not a user id.",
			"/health admin role discord:424242424242 csm": "Role of discord:424242424242 on discord: (none) → csm.",
		} {
			if r := runLine(t, svc, console, line); !strings.Contains(r.Text, want) {
				t.Errorf("%s: %q, want %q", line, r.Text, want)
			}
		}
		if r := runLine(t, svc, console, "/health admin role discord:424242424242 csm"); r.Text != "Nothing changed: discord:424242424242 already has the csm role." {
			t.Errorf("repeat: %q", r.Text)
		}
		// A stored admin runs admin commands; HEALTHBOT_ADMINS outranks a stored role.
		runLine(t, svc, console, "/health admin role slack:U9NEW admin")
		if r := runLine(t, svc, slackNewbie, "/health admin owner initech maria"); r.Text != "Initech owner: bob → maria." {
			t.Errorf("a stored admin: %q", r.Text)
		}
		if r := runLine(t, svc, callerMaria, "/health admin owner initech bob"); r.Text != "Only healthbot admins can change configuration. Ask one of: <@U9NEW>. Nothing was changed." {
			t.Errorf("refusal names the stored admin: %q", r.Text)
		}
		svc.Admins = testAdmins
		if r := runLine(t, svc, console, "/health admin role slack:UADMIN1 viewer"); !strings.Contains(strings.Join(r.Context, " "), "stays an admin while HEALTHBOT_ADMINS names them") {
			t.Errorf("demoting an env admin: %q", r.Context)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin"); r.Context[0] != "You are a healthbot admin." {
			t.Errorf("env admin with a viewer role: %q", r.Context)
		}
		entries, _, _ := s.RecentAudit(context.Background(), 10)
		var roles []string
		for _, e := range entries {
			if e.Action == models.AuditAdminRole {
				ch, _ := e.DecodeChanges()
				roles = append(roles, e.Subject+" "+ch[0].Old+"→"+ch[0].New+" by "+e.Origin+":"+e.ActorID)
			}
		}
		want := []string{"slack:UADMIN1 →viewer by console:dana", "slack:U9NEW →admin by console:dana", "discord:424242424242 →csm by console:dana"}
		if strings.Join(roles, "\n") != strings.Join(want, "\n") {
			t.Errorf("audited role changes:\n%s\nwant:\n%s", strings.Join(roles, "\n"), strings.Join(want, "\n"))
		}
	})
}

// /health admin manager sets a CSM's manager by handle or mention; the
// plays' escalation reads it with ManagerOf.
func TestAdminManager(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		svc.Admins = testAdmins
		ctx := context.Background()
		r := runLine(t, svc, slackAdmin, "/health admin manager maria lee")
		if r.Text != "Manager of maria: (none) → lee." || !strings.Contains(strings.Join(r.Context, " "), "lee has no chat user yet") {
			t.Errorf("by handle: %q %q", r.Text, r.Context)
		}
		if m, err := s.ManagerOf(ctx, "maria"); err != nil || m.Handle != "lee" {
			t.Errorf("ManagerOf(maria) = %+v, %v", m, err)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin manager <@U2> <@U1>"); r.Text != "Manager of bob: (none) → maria." || len(r.Context) != 1 {
			t.Errorf("by mentions: %q %q", r.Text, r.Context)
		}
		for _, tc := range []struct{ line, want string }{
			{"/health admin manager maria Maria", "maria cannot be their own manager. Nothing was changed."},
			{"/health admin manager maria lee", "Nothing changed: maria's manager is already lee."},
			{"/health admin manager <@U777> lee", "<@U777> is not mapped to a CSM"},
			{"/health admin manager nobody lee", `No CSM has the handle "nobody"`},
			{"/health admin manager maria", "needs the CSM and their manager"},
			{"/health admin manager maria a,b", `"a,b" is not a CSM handle`},
			{"/health admin manager maria <@U999>", "<@U999> is not mapped to a CSM"},
			{"/health admin manager maria none", "Manager of maria: lee → (none)."},
		} {
			if r := runLine(t, svc, slackAdmin, tc.line); !strings.Contains(r.Text, tc.want) {
				t.Errorf("%s: %q, want %q", tc.line, r.Text, tc.want)
			}
		}
		if _, err := s.ManagerOf(ctx, "maria"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("after none: %v", err)
		}
		if r := runLine(t, svc, callerMaria, "/health admin manager bob maria"); !strings.HasPrefix(r.Text, "Only healthbot admins") {
			t.Errorf("a non-admin: %q", r.Text)
		}
		got := strings.Join(auditActions(t, s), ",")
		if want := "admin manager,admin manager,admin manager"; got != want {
			t.Errorf("audit: %s, want %s", got, want)
		}
	})
}

// An answer that shows MRR is private unless the caller adds "public";
// a public card carries no buttons that would redraw it for someone
// else, and errors stay private.
func TestPublicAnswers(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		for _, tc := range []struct {
			line        string
			public      bool
			wantButtons int
		}{
			// The card's trend moved: "Why did it change?" and "Chart"
			// besides the four that record, and they alone in public (they
			// redraw no card).
			{"/health acme-corp", false, 6},
			{"/health acme-corp public", true, 2},
			{"/health acme-corp --public", true, 2},
			{"/health", false, 0},
			{"/health public", true, 0},
			{"/health list at-risk public", true, 0},
			{"/health list", false, 0},
			{"/health summary", false, 2},
			{"/health summary public", true, 2},
			{"/health nosuch public", false, 0},
			{`/health "acme corp public"`, false, 0},
		} {
			r := runLine(t, svc, callerMaria, tc.line)
			if r.Ephemeral == tc.public || len(r.Buttons) != tc.wantButtons {
				t.Errorf("%s: ephemeral %v with %d buttons (%q), want public %v with %d", tc.line, r.Ephemeral, len(r.Buttons), r.Title+r.Text, tc.public, tc.wantButtons)
			}
		}
		// Where MRR cannot show, "public" is an ordinary word.
		if r := runLine(t, svc, callerMaria, "/touch acme-corp call going public"); !strings.Contains(r.Text, `note: "going public"`) {
			t.Errorf("a note ending in public: %q", r.Text)
		}
	})
}

// Every chat write lands in the audit trail in its own transaction, with
// who and from where; a double click adds nothing; a write rolled back
// leaves no entry; /health ACCOUNT history lists the account's newest
// first and points at older ones.
func TestWritesAreAudited(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, clock := newTestService(s)
		svc.Admins = testAdmins
		for _, line := range []string{"/pulse acme-corp red budget", "/pulse acme-corp red budget", "/touch acme-corp call --exec"} {
			runLine(t, svc, callerMaria, line)
		}
		runLine(t, svc, slackAdmin, "/health admin owner acme-corp bob")
		runLine(t, svc, slackAdmin, "/health admin channel acme-corp <#C777|cs-acme>")
		runLine(t, svc, slackAdmin, "/health admin csm carol <@U9NEW>")
		runLine(t, svc, commands.Caller{Platform: "discord", UserID: "5555555555", UserName: "dee"}, "/health iam bob")
		got := strings.Join(auditActions(t, s), ",")
		if want := "iam,admin csm,admin channel,admin owner,touch,pulse"; got != want {
			t.Errorf("trail %s, want %s", got, want)
		}

		// A write whose transaction fails afterwards leaves no entry.
		svc.OnRescore = func(context.Context, *models.Store, time.Time, []commands.Scored) error {
			return errors.New("alert queue down")
		}
		clock.t = clock.t.Add(time.Hour)
		if _, err := svc.Run(context.Background(), callerMaria, "/pulse globex yellow"); err == nil {
			t.Fatal("the failing write reported no error")
		}
		if got := strings.Join(auditActions(t, s), ","); !strings.HasPrefix(got, "iam,") {
			t.Errorf("a rolled-back pulse left an entry: %s", got)
		}

		h := runLine(t, svc, callerMaria, "/health acme-corp history 2")
		if h.Text != "Newest first: 2 of 4 entries." || len(h.Sections[0].Fields) != 2 || !h.Ephemeral ||
			!strings.HasPrefix(h.Sections[0].Fields[0].Value, "Admin: alert channel — channel slack:C777") {
			t.Errorf("history 2: %q %+v", h.Text, h.Sections)
		}
		if want := "Older entries: /health acme-corp history 50 shows up to 50."; strings.Join(h.Context, "") != want {
			t.Errorf("history hint %q, want %q", h.Context, want)
		}
		if f := runLine(t, svc, callerMaria, "/health acme-corp history").Sections[0].Fields; len(f) != 4 || f[3].Label != "2025-03-14 15:00 · Maria (slack)" {
			t.Errorf("full history: %+v", f)
		}
		if r := runLine(t, svc, callerMaria, "/health initech history"); !strings.HasPrefix(r.Text, "Nothing is recorded for Initech yet") {
			t.Errorf("empty history: %q", r.Text)
		}
		if r := runLine(t, svc, callerMaria, "/health acme-corp history soon"); !strings.Contains(r.Text, `"soon" is not a number of entries`) {
			t.Errorf("bad count: %q", r.Text)
		}
		if r := runLine(t, svc, callerMaria, "/health admin history"); !strings.HasPrefix(r.Text, "Only healthbot admins") {
			t.Errorf("admin history by a non-admin: %q", r.Text)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin history 1"); r.Text != "Newest first: 1 of 6 entries." || !strings.HasPrefix(r.Sections[0].Fields[0].Value, "CSM claimed bob — discord user 5555555555") {
			t.Errorf("admin history: %q %+v", r.Text, r.Sections)
		}
	})
}
