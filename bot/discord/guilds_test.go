package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
)

// TestUnsetGuildIDsWarnsAndRefusesDMs: without DISCORD_GUILD_IDS the
// adapter says at start-up that it serves every guild, serves any guild,
// and still refuses direct messages unless DISCORD_ALLOW_DMS is set.
func TestUnsetGuildIDsWarnsAndRefusesDMs(t *testing.T) {
	dm := map[string]any{"guild_id": nil, "member": nil, "user": member["user"]}
	health := slash("health", subcmd("list"))
	for _, tc := range []struct {
		name     string
		allowDMs bool
		dmServed bool
	}{
		{"DMs refused by default", false, false},
		{"DMs allowed", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			pub, priv, _ := ed25519.GenerateKey(nil)
			exec := &fakeExec{}
			a, err := discord.New(discord.Config{AppID: appID, PublicKey: hex.EncodeToString(pub), AllowDMs: tc.allowDMs}, exec, nil,
				slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "DISCORD_GUILD_IDS is unset: serving every guild this bot is installed in") {
				t.Errorf("start-up log lacks the warning:\n%s", logs.String())
			}
			a.Now = func() time.Time { return now }
			mux := http.NewServeMux()
			a.Mount(mux)
			e := &env{t: t, a: a, exec: exec, priv: priv, handler: mux}

			got := response(t, e.post(interaction(discordgo.InteractionApplicationCommand, health, map[string]any{"guild_id": "424242"})))
			if c, _ := get(got, "data", "content").(string); c != "ok" {
				t.Errorf("any guild: answered %v", got)
			}
			got = response(t, e.post(interaction(discordgo.InteractionApplicationCommand, health, dm)))
			c, _ := get(got, "data", "content").(string)
			if served := c == "ok"; served != tc.dmServed {
				t.Errorf("DM answered %q, served %v, want %v", c, served, tc.dmServed)
			}
			if !tc.dmServed && !strings.Contains(c, "not in direct messages") {
				t.Errorf("DM refusal says %q", c)
			}
			if n, want := len(exec.Calls()), map[bool]int{false: 1, true: 2}[tc.dmServed]; n != want {
				t.Errorf("executor ran %d times, want %d", n, want)
			}
		})
	}
	// With guild ids set there is nothing to warn about.
	var logs bytes.Buffer
	if _, err := discord.New(discord.Config{AppID: appID, BotToken: "t", GuildIDs: []string{guildID}}, &fakeExec{}, nil, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "unset") {
		t.Errorf("warned with guild ids set: %s", logs.String())
	}
}
