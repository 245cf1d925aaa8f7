package discord_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/discord"
)

func TestConfigFromEnv(t *testing.T) {
	key := strings.Repeat("ab", 32)
	env := map[string]string{
		"DISCORD_BOT_TOKEN": "tok", "DISCORD_APP_ID": "42", "DISCORD_PUBLIC_KEY": key,
		"DISCORD_GUILD_IDS": " 111, 222 ,", "DISCORD_API_URL": "http://127.0.0.1:9/api/v10",
	}
	got, err := discord.ConfigFromEnv(func(k string) string { return env[k] })
	want := discord.Config{BotToken: "tok", AppID: "42", PublicKey: key, APIURL: "http://127.0.0.1:9/api/v10", GuildIDs: []string{"111", "222"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "1": true, "true": true, " YES ": true} {
		c, err := discord.ConfigFromEnv(func(k string) string { return map[string]string{"DISCORD_ALLOW_DMS": v}[k] })
		if err != nil || c.AllowDMs != want {
			t.Errorf("DISCORD_ALLOW_DMS=%q: AllowDMs %v, %v; want %v", v, c.AllowDMs, err, want)
		}
	}
	if c, err := discord.ConfigFromEnv(func(string) string { return "" }); err != nil || c.Enabled() {
		t.Errorf("empty environment: %+v, %v", c, err)
	}
	for name, bad := range map[string]map[string]string{
		"DISCORD_PUBLIC_KEY": {"DISCORD_APP_ID": "42", "DISCORD_PUBLIC_KEY": "not-hex"},
		"DISCORD_APP_ID":     {"DISCORD_BOT_TOKEN": "tok"},
		"DISCORD_GUILD_IDS":  {"DISCORD_APP_ID": "42", "DISCORD_BOT_TOKEN": "tok", "DISCORD_GUILD_IDS": "my-server"},
		"DISCORD_API_URL":    {"DISCORD_APP_ID": "42", "DISCORD_BOT_TOKEN": "tok", "DISCORD_API_URL": "localhost"},
		"DISCORD_ALLOW_DMS":  {"DISCORD_ALLOW_DMS": "sometimes"},
	} {
		_, err := discord.ConfigFromEnv(func(k string) string { return bad[k] })
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v should name it", name, err)
		}
	}
}
