package discord_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestAdminAndIAmWithTheRealService: signed interactions against the real
// commands.Service on a real database. A member claims a handle with
// /health iam; an admin (HEALTHBOT_ADMINS) remaps it with the user picker,
// routes an account's alerts with the channel picker and sets an owner; a
// member who is not an admin changes nothing.
func TestAdminAndIAmWithTheRealService(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		acme := models.Account{ExternalID: "acme-1", Name: "Acme Corp", Slug: "acme", MRRCents: 1240000, Owner: "maria"}
		globex := models.Account{ExternalID: "glx-1", Name: "Globex", Slug: "globex"}
		for _, a := range []*models.Account{&acme, &globex} {
			if err := store.DB().Create(a).Error; err != nil {
				t.Fatal(err)
			}
		}
		clock := func() time.Time { return now }
		svc := &commands.Service{Store: store, Config: scoring.Default(), Now: clock, Log: slog.New(slog.DiscardHandler),
			Admins: []commands.ChatUser{{Platform: "discord", UserID: "u1"}}}
		e := newEnv(t, nil, guildID)
		a, err := discord.New(discord.Config{BotToken: "bot-token", AppID: appID, PublicKey: hex.EncodeToString(e.priv.Public().(ed25519.PublicKey)),
			APIURL: e.rest.URL + "/api/v10", GuildIDs: []string{guildID}}, svc, discord.StoreAccounts{Store: store, Now: clock}, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.Now = clock
		mux := http.NewServeMux()
		a.Mount(mux)
		e.a, e.handler = a, mux

		run := func(data map[string]any, extra map[string]any) string {
			t.Helper()
			got := response(t, e.post(interaction(discordgo.InteractionApplicationCommand, data, extra)))
			if num(got["type"]) != 4 {
				t.Fatalf("answer %v", got)
			}
			// The whole answer as text: content, embed, footer.
			b, err := json.Marshal(got["data"])
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		csmOf := func(user string) string {
			t.Helper()
			c, err := store.CSMByChatUser(ctx, "discord", user)
			if err != nil {
				return "(" + err.Error() + ")"
			}
			return c.Handle
		}
		reload := func(acc *models.Account) models.Account {
			t.Helper()
			var got models.Account
			if err := store.DB().First(&got, acc.ID).Error; err != nil {
				t.Fatal(err)
			}
			return got
		}

		// The admin, u1, says it is maria (acme's owner).
		run(slash("health", subcmd("iam", opt("handle", typeString, "maria"))), nil)
		if got := csmOf("u1"); got != "maria" {
			t.Fatalf("after /health iam maria, u1 is %q", got)
		}
		// Then maps maria to someone else, picked with the user option.
		run(slash("health", group("admin", subcmd("csm", opt("handle", typeString, "maria"), opt("user", typeUser, "112233445566778899")))), nil)
		if got := csmOf("112233445566778899"); got != "maria" {
			t.Fatalf("after admin csm, the picked user is %q", got)
		}
		// Routes acme's alerts to a picked channel.
		run(slash("health", group("admin", subcmd("channel", opt("account", typeString, "acme"), opt("channel", typeChannel, "998877665544332211")))), nil)
		if got := reload(&acme).Channel; got != "discord:998877665544332211" {
			t.Fatalf("acme's channel = %q", got)
		}
		// Sets globex's owner by handle.
		run(slash("health", group("admin", subcmd("owner", opt("account", typeString, "globex"), opt("handle", typeString, "maria")))), nil)
		if got := reload(&globex).Owner; got != "maria" {
			t.Fatalf("globex's owner = %q", got)
		}

		// Someone else is refused and nothing changes.
		other := map[string]any{"member": map[string]any{"user": map[string]any{"id": "u2", "username": "sam"}, "nick": "Sam"}}
		reply := run(slash("health", group("admin", subcmd("owner", opt("account", typeString, "globex"), opt("handle", typeString, "none")))), other)
		if !strings.Contains(reply, "Only healthbot admins") {
			t.Errorf("non-admin answered %q", reply)
		}
		reply = run(slash("health", group("admin", subcmd("channel", opt("account", typeString, "acme")))), other)
		if !strings.Contains(reply, "Only healthbot admins") {
			t.Errorf("non-admin answered %q", reply)
		}
		if got := reload(&globex).Owner; got != "maria" {
			t.Errorf("a non-admin changed globex's owner to %q", got)
		}
		if got := reload(&acme).Channel; got != "discord:998877665544332211" {
			t.Errorf("a non-admin changed acme's channel to %q", got)
		}
		// The admin help tells the non-admin so, with their id.
		if reply := run(slash("health", group("admin", subcmd("help"))), other); !strings.Contains(reply, "discord:u2") {
			t.Errorf("admin help answered %q", reply)
		}
	})
}
