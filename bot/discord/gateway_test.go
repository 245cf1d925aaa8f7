package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/healthbot/healthbot/commands"
)

// TestRunGateway connects RunGateway to a fake gateway that says hello,
// takes the identify, sends READY and then one INTERACTION_CREATE: the
// adapter must identify with the Guilds intent only and answer the
// interaction through the REST callback.
func TestRunGateway(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	body := interaction(discordgo.InteractionApplicationCommand, slash("pulse", opt("account", 3, "acme"), opt("color", 3, "green")), nil)
	identified := make(chan map[string]any, 1)
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		send := func(v string) { _ = c.WriteMessage(websocket.TextMessage, []byte(v)) }
		send(`{"op":10,"d":{"heartbeat_interval":45000}}`)
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			var p struct {
				Op int            `json:"op"`
				D  map[string]any `json:"d"`
			}
			_ = json.Unmarshal(msg, &p)
			if p.Op == 2 {
				identified <- p.D
				send(`{"op":0,"s":1,"t":"READY","d":{"v":9,"session_id":"s1","user":{"id":"42","username":"healthbot"},"guilds":[]}}`)
				send(`{"op":0,"s":2,"t":"INTERACTION_CREATE","d":` + string(body) + `}`)
			}
		}
	}))
	t.Cleanup(ws.Close)
	e.rest.gatewayURL = "ws" + strings.TrimPrefix(ws.URL, "http")

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.a.RunGateway(ctx) }()

	select {
	case id := <-identified:
		if id["token"] != "Bot bot-token" || num(id["intents"]) != int(discordgo.IntentsGuilds) {
			t.Errorf("identify token %v intents %v, want the bot token and Guilds only", id["token"], id["intents"])
		}
	case err := <-done:
		t.Fatalf("RunGateway ended early: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no identify")
	}
	select {
	case path := <-e.rest.callbacks:
		if !strings.HasPrefix(path, "/api/v10/interactions/9000") {
			t.Errorf("callback path %s", path)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the interaction was not answered")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunGateway: %v", err)
	}
	e.a.Wait()
	calls := e.exec.Calls()
	if len(calls) != 1 || calls[0].Cmd != (commands.Command{Verb: "pulse", Account: "acme", Colour: "green"}) {
		t.Errorf("calls = %+v", calls)
	}
}
