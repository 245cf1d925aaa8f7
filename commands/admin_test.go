package commands_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

var (
	slackAdmin   = commands.Caller{Platform: "slack", TeamID: "T1", UserID: "UADMIN1", UserName: "Ada Admin", ChannelID: "C1"}
	discordAdmin = commands.Caller{Platform: "discord", TeamID: "G1", UserID: "424242424242", UserName: "ada", ChannelID: "1"}
	slackNewbie  = commands.Caller{Platform: "slack", TeamID: "T1", UserID: "U9NEW", UserName: "Bobby", ChannelID: "C1"}
)

// testAdmins is the parsed HEALTHBOT_ADMINS of these tests.
var testAdmins = []commands.ChatUser{{Platform: "slack", UserID: "UADMIN1"}, {Platform: "discord", UserID: "424242424242"}}

// csmRows is every CSM as "handle slack=… discord=…", by handle.
func csmRows(t *testing.T, s *models.Store) []string {
	t.Helper()
	var rows []models.CSM
	if err := s.DB().Order("handle").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, c := range rows {
		out[i] = c.Handle + " slack=" + c.SlackUserID + " discord=" + c.DiscordUserID
	}
	return out
}

// loadAdminPortfolio is loadPortfolio with PostgreSQL's id sequences moved
// past the fixture's explicit ids, so rows the commands create get fresh ids.
func loadAdminPortfolio(t *testing.T, s *models.Store) {
	t.Helper()
	loadPortfolio(t, s)
	if s.Dialect() != models.DialectPostgres {
		return
	}
	for _, table := range []string{"csms", "accounts"} {
		if err := s.DB().Exec("SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT MAX(id) FROM "+table+"))", table).Error; err != nil {
			t.Fatalf("advance %s id sequence: %v", table, err)
		}
	}
}

func account(t *testing.T, s *models.Store, id uint) models.Account {
	t.Helper()
	a, err := s.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An admin maps a Slack user to a CSM; from then on that user's bare
// /health lists that CSM's accounts. The change is told old → new and
// logged with who made it; the old holder of the handle loses it.
func TestAdminCSMMapsChatUser(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		var logs bytes.Buffer
		svc.Log = slog.New(slog.NewTextHandler(&logs, nil))
		svc.Admins = testAdmins

		if r := runLine(t, svc, slackNewbie, "/health"); !strings.HasPrefix(r.Text, "You are not mapped to a CSM") {
			t.Fatalf("unmapped /health: %q", r.Text)
		}
		r := runLine(t, svc, slackAdmin, "/health admin csm bob <@U9NEW|bobby>")
		if want := "CSM bob on slack: <@U2> → <@U9NEW>."; r.Text != want {
			t.Fatalf("admin csm reply %q, want %q", r.Text, want)
		}
		if got := runLine(t, svc, slackNewbie, "/health"); got.Title != "Your accounts (Bob): 1" || !strings.Contains(sectionsText(got), "Initech") {
			t.Fatalf("mapped /health: title %q, sections %q", got.Title, sectionsText(got))
		}
		if !strings.Contains(logs.String(), "admin: chat user mapped to csm") || !strings.Contains(logs.String(), "by=UADMIN1") ||
			!strings.Contains(logs.String(), "old=U2 new=U9NEW") {
			t.Errorf("log lacks who changed what:\n%s", logs.String())
		}

		// Mapping the same user to maria moves them: bob loses the id.
		r = runLine(t, svc, slackAdmin, "/health admin csm maria <@U9NEW>")
		if want := "CSM maria on slack: <@U1> → <@U9NEW>.\nCSM bob on slack: <@U9NEW> → (none)."; r.Text != want {
			t.Fatalf("remap reply %q, want %q", r.Text, want)
		}
		// A Discord admin maps a Discord user (nickname mention) to a new CSM.
		r = runLine(t, svc, discordAdmin, "/health admin csm carol <@!987654321>")
		if want := "Created CSM carol.\nCSM carol on discord: (none) → <@987654321>."; r.Text != want {
			t.Fatalf("discord reply %q, want %q", r.Text, want)
		}
		// From the console... no, from Slack: another platform's id by prefix.
		r = runLine(t, svc, slackAdmin, "/health admin csm bob discord:111111111")
		if want := "CSM bob on discord: (none) → <@111111111>."; r.Text != want {
			t.Fatalf("prefixed reply %q, want %q", r.Text, want)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin csm bob discord:111111111"); !strings.HasPrefix(r.Text, "Nothing changed") {
			t.Errorf("repeat: %q", r.Text)
		}
		want := []string{"bob slack= discord=111111111", "carol slack= discord=987654321", "maria slack=U9NEW discord="}
		if got := csmRows(t, s); !sameRows(got, want) {
			t.Errorf("csms = %q, want %q", got, want)
		}
		// Slack without escaping sends plain names: refused, with how to fix it.
		r = runLine(t, svc, slackAdmin, "/health admin csm bob @bobby")
		if !strings.Contains(r.Text, "not a user id") || !strings.Contains(r.Text, "Nothing was changed") {
			t.Errorf("plain name on slack: %q", r.Text)
		}
		if got := csmRows(t, s); !sameRows(got, want) {
			t.Errorf("after a refused plain name, csms = %q, want %q", got, want)
		}
	})
}

// A caller not in Admins is refused with the admins' names, and nothing
// changes; with no admins at all, the reply explains HEALTHBOT_ADMINS.
func TestAdminRefusesNonAdmins(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		svc.Admins = testAdmins
		beforeCSMs := csmRows(t, s)
		beforeAcme := account(t, s, acmeID)
		for _, line := range []string{
			"/health admin csm maria <@U9NEW>",
			"/health admin channel acme <#C777|alerts>",
			"/health admin owner acme bob",
		} {
			r := runLine(t, svc, callerMaria, line)
			want := "Only healthbot admins can change configuration. Ask one of: <@UADMIN1>, discord:424242424242. Nothing was changed."
			if r.Text != want || !r.Ephemeral {
				t.Errorf("%s by a non-admin: %q, want %q", line, r.Text, want)
			}
		}
		// The same id on another platform is not the admin either.
		sameIDOtherPlatform := commands.Caller{Platform: "discord", UserID: "UADMIN1"}
		if r := runLine(t, svc, sameIDOtherPlatform, "/health admin owner acme bob"); !strings.HasPrefix(r.Text, "Only healthbot admins") {
			t.Errorf("slack admin id on discord: %q", r.Text)
		}
		svc.Admins = nil
		r := runLine(t, svc, slackAdmin, "/health admin owner acme bob")
		if !strings.Contains(r.Text, "no healthbot admins are set") || !strings.Contains(r.Text, "HEALTHBOT_ADMINS=slack:UADMIN1") {
			t.Errorf("no admins: %q", r.Text)
		}
		if got := csmRows(t, s); !sameRows(got, beforeCSMs) {
			t.Errorf("csms changed: %q, want %q", got, beforeCSMs)
		}
		if after := account(t, s, acmeID); after.Owner != beforeAcme.Owner || after.Channel != beforeAcme.Channel {
			t.Errorf("acme changed: owner %q channel %q", after.Owner, after.Channel)
		}
		// The bare admin command tells a caller where they stand.
		svc.Admins = testAdmins
		if r := runLine(t, svc, callerMaria, "/health admin"); !strings.Contains(strings.Join(r.Context, " "), "not a healthbot admin (your id: slack:U1)") {
			t.Errorf("/health admin for a non-admin: %q", r.Context)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin"); r.Context[0] != "You are a healthbot admin." {
			t.Errorf("/health admin for an admin: %q", r.Context)
		}
	})
}

// admin owner sets the owner by handle (creating the CSM when new) or by a
// mention of a mapped user, told old → new.
func TestAdminOwner(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		svc.Admins = testAdmins
		if r := runLine(t, svc, slackAdmin, "/health admin owner acme bob"); r.Text != "Acme Corp owner: maria → bob." {
			t.Errorf("owner by handle: %q", r.Text)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin owner Acme Corp <@U1|maria>"); r.Text != "Acme Corp owner: bob → maria." {
			t.Errorf("owner by mention: %q", r.Text)
		}
		r := runLine(t, svc, slackAdmin, "/health admin owner globex dana")
		if want := "Created CSM dana (no chat user yet: /health admin csm dana @them, or they say /health iam dana).\nGlobex owner: maria → dana."; r.Text != want {
			t.Errorf("owner new csm: %q, want %q", r.Text, want)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin owner globex none"); r.Text != "Globex owner: dana → (none)." {
			t.Errorf("owner none: %q", r.Text)
		}
		if r := runLine(t, svc, slackAdmin, "/health admin owner acme <@U404>"); !strings.Contains(r.Text, "is not mapped to a CSM") {
			t.Errorf("owner by unmapped mention: %q", r.Text)
		}
		if got := account(t, s, acmeID).Owner; got != "maria" {
			t.Errorf("acme owner %q", got)
		}
		if got := account(t, s, globexID).Owner; got != "" {
			t.Errorf("globex owner %q", got)
		}
	})
}

// Owners of ingested accounts get CSM rows; a user claims one with
// /health iam, after which /health lists their accounts. Claiming a handle
// held by someone else, a second handle, or an unknown one is refused.
func TestIAmClaimsIngestedOwner(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadAdminPortfolio(t, s)
		svc, _ := newTestService(s)
		ctx := context.Background()
		csv := "external_id,name,owner\nA-10,Umbrella,carol\nA-11,Hooli,carol\nA-12,Vandelay,\nA-1,Acme Corp,maria\n"
		if _, err := ingestion.ImportCSV(ctx, s, "accounts", strings.NewReader(csv)); err != nil {
			t.Fatal(err)
		}
		if want := []string{"bob slack=U2 discord=", "carol slack= discord=", "maria slack=U1 discord="}; !sameRows(csmRows(t, s), want) {
			t.Fatalf("csms after import = %q, want %q", csmRows(t, s), want)
		}
		r := runLine(t, svc, slackNewbie, "/health iam carol")
		if want := "CSM carol on slack: (none) → <@U9NEW>. /health now lists your accounts."; r.Text != want {
			t.Fatalf("iam: %q, want %q", r.Text, want)
		}
		if got := runLine(t, svc, slackNewbie, "/health"); got.Title != "Your accounts (carol): 2" {
			t.Errorf("/health after iam: %q", got.Title)
		}
		other := commands.Caller{Platform: "slack", UserID: "U8OTHER"}
		r = runLine(t, svc, other, "/health iam carol")
		if want := "CSM carol is already <@U9NEW> on slack. If that is wrong, ask a healthbot admin: /health admin csm carol <@U8OTHER>. Nothing was changed."; r.Text != want {
			t.Errorf("claim taken: %q, want %q", r.Text, want)
		}
		if r := runLine(t, svc, slackNewbie, "/health iam maria"); !strings.HasPrefix(r.Text, "You are already CSM carol on slack.") {
			t.Errorf("second handle: %q", r.Text)
		}
		if r := runLine(t, svc, slackNewbie, "/health iam carol"); !strings.HasPrefix(r.Text, "Nothing changed") {
			t.Errorf("same handle again: %q", r.Text)
		}
		r = runLine(t, svc, other, "/health iam zed")
		if want := `No CSM has the handle "zed" and no account is owned by it. Known handles: bob, carol, maria. Nothing was changed.`; r.Text != want {
			t.Errorf("unknown handle: %q, want %q", r.Text, want)
		}
		// Discord is a separate slot: carol can claim her Discord id too.
		if r := runLine(t, svc, commands.Caller{Platform: "discord", UserID: "5550001"}, "/health iam carol"); !strings.HasPrefix(r.Text, "CSM carol on discord: (none) → <@5550001>.") {
			t.Errorf("discord iam: %q", r.Text)
		}
		if want := []string{"bob slack=U2 discord=", "carol slack=U9NEW discord=5550001", "maria slack=U1 discord="}; !sameRows(csmRows(t, s), want) {
			t.Errorf("csms = %q, want %q", csmRows(t, s), want)
		}
	})
}

// An alert channel set by an admin routes the account's alerts on that
// platform (the Alerter's routing), and leaves the other platform's
// default in place; "default" puts it back.
func TestAdminChannelRoutesAlerts(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		w := newAlertWorld(t, s)
		w.svc.Admins = testAdmins
		const acme = 1
		w.addAccount(acme, "acme", "Acme Corp", "")
		w.rescore(0)

		w.clock.t = e2eAt(1, 9)
		r := runLine(t, w.svc, slackAdmin, "/health admin channel acme <#C777|acme-alerts>")
		if want := "Acme Corp's alerts on slack: the default (C-health) → <#C777>."; r.Text != want {
			t.Fatalf("slack channel: %q, want %q", r.Text, want)
		}
		r = runLine(t, w.svc, discordAdmin, "/health admin channel Acme Corp <#112233445566>")
		if want := "Acme Corp's alerts on discord: the default (D-health) → <#112233445566>."; r.Text != want {
			t.Fatalf("discord channel: %q, want %q", r.Text, want)
		}
		if got := account(t, s, acme).Channel; got != "slack:C777,discord:112233445566" {
			t.Fatalf("stored channel %q", got)
		}
		r = runLine(t, w.svc, discordAdmin, "/health admin channel acme default")
		if want := "Acme Corp's alerts on discord: <#112233445566> → the default (D-health)."; r.Text != want {
			t.Fatalf("discord default: %q, want %q", r.Text, want)
		}
		if r := runLine(t, w.svc, discordAdmin, "/health admin channel acme #general"); !strings.Contains(r.Text, "Discord posts only to channel ids") {
			t.Errorf("discord name: %q", r.Text)
		}

		if r := runLine(t, w.svc, callerMaria, "/pulse acme red budget"); r.Ephemeral {
			t.Fatalf("pulse: %s", r.Text)
		}
		keys, _ := w.queued(acme)
		if want := []string{"pulse_red/1 slack:C777", "pulse_red/1 discord:D-health"}; !sameRows(keys, want) {
			t.Fatalf("acme outbox = %q, want %q", keys, want)
		}
		got := commands.Targets(w.svc.Config.Channels, []string{"slack", "discord"}, account(t, s, acme))
		if len(got) != 2 || got[0].Channel != "C777" || got[1].Channel != "D-health" {
			t.Errorf("Targets = %+v", got)
		}
	})
}

// sectionsText joins a reply's sections, for checks on listed accounts.
func sectionsText(r commands.Reply) string {
	var b strings.Builder
	for _, sec := range r.Sections {
		b.WriteString(sec.Title + " " + sec.Text + "\n")
		for _, f := range sec.Fields {
			b.WriteString(f.Label + " " + f.Value + "\n")
		}
	}
	return b.String()
}

func sameRows(got, want []string) bool { return strings.Join(got, "\n") == strings.Join(want, "\n") }
