package discord_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// TestSlowStoreDefersThenEdits: the real Service on SQLite while another
// connection holds the database's write lock, so /pulse waits on the busy
// timeout. The interaction is answered with a deferred response while the
// lock is still held (within Discord's 3 s), nothing is recorded yet, and
// once the lock is released the pulse is recorded and the original
// response is edited with the real reply.
func TestSlowStoreDefersThenEdits(t *testing.T) {
	store, lock := commandstest.OpenLockable(t)
	if err := store.DB().Create(&models.Account{ExternalID: "acme-1", Name: "Acme Corp", Slug: "acme", Owner: "maria"}).Error; err != nil {
		t.Fatal(err)
	}
	svc := &commands.Service{Store: store, Config: scoring.Default(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	e := newEnv(t, nil, guildID)
	pub := e.priv.Public().(ed25519.PublicKey)
	a, err := discord.New(discord.Config{BotToken: "bot-token", AppID: appID, PublicKey: hex.EncodeToString(pub), APIURL: e.rest.URL + "/api/v10", GuildIDs: []string{guildID}},
		svc, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Now = func() time.Time { return now }
	mux := http.NewServeMux()
	a.Mount(mux)
	e.a, e.handler = a, mux
	pulses := func() int64 { return countRows(t, store, &models.Pulse{}) }

	release := lock()
	body := interaction(discordgo.InteractionApplicationCommand, slash("pulse", opt("account", 3, "acme"), opt("color", 3, "green")), nil)
	start := time.Now()
	got := response(t, e.post(body))
	elapsed := time.Since(start)
	if elapsed >= 3*time.Second {
		t.Errorf("answered after %s, Discord gives up at 3s", elapsed)
	}
	if num(got["type"]) != 5 || num(get(got, "data", "flags")) != 0 {
		t.Errorf("immediate answer %v, want a public deferred response (type 5)", got)
	}
	if n := pulses(); n != 0 {
		t.Fatalf("%d pulses recorded while the write lock was held", n)
	}
	if n := len(e.rest.Requests()); n != 0 {
		t.Fatalf("%d REST calls before the store answered", n)
	}
	release()
	a.Wait()
	reqs := e.rest.Requests()
	if len(reqs) != 1 || reqs[0].Method != "PATCH" || !strings.HasSuffix(reqs[0].Path, "/messages/@original") {
		t.Fatalf("REST calls after the release = %+v, want one edit of @original", reqs)
	}
	if c, _ := get(reqs[0].Body, "content").(string); !strings.Contains(c, "Recorded a green pulse for Acme Corp") {
		t.Errorf("edit = %v", reqs[0].Body)
	}
	if n := pulses(); n != 1 {
		t.Errorf("%d pulses after the lock was released, want 1", n)
	}
	t.Logf("deferred after %s with the store locked", elapsed)
}
