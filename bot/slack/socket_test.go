package slack_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	slackbot "github.com/healthbot/healthbot/bot/slack"
)

// TestSocketMode runs the adapter against a local websocket standing in
// for Slack's Socket Mode endpoint (handed out by the fake Web API's
// apps.connections.open): a slash command is acknowledged with the
// rendered card, and an app mention is acknowledged and answered in its
// thread, through the same core as HTTP.
func TestSocketMode(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/health acme"] = healthyCard(t)
	api := newFakeSlack(t)

	acks := make(chan map[string]any, 10)
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }} // slack-go sends Origin: https://api.slack.com
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		defer conn.Close()
		send := func(v string) {
			if err := conn.WriteMessage(websocket.TextMessage, []byte(v)); err != nil {
				t.Errorf("write: %v", err)
			}
		}
		send(`{"type":"hello","num_connections":1,"debug_info":{"host":"local"},"connection_info":{"app_id":"A0001"}}`)
		cmd, _ := json.Marshal(map[string]any{
			"token": "x", "team_id": team, "team_domain": "acme", "channel_id": "C0001", "channel_name": "cs-team",
			"user_id": "U0001", "user_name": "maria", "command": "/health", "text": "acme",
			"response_url": api.ResponseURL("sm"), "trigger_id": "TRIG-SM", "api_app_id": "A0001",
		})
		send(`{"envelope_id":"env-cmd","type":"slash_commands","accepts_response_payload":true,"payload":` + string(cmd) + `}`)
		send(`{"envelope_id":"env-ev","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"payload":` +
			`{"token":"x","team_id":"` + team + `","api_app_id":"A0001","type":"event_callback","event_id":"EvSM1","event_time":1741944000,` +
			`"event":{"type":"app_mention","user":"U0001","text":"<@UBOT> acme","ts":"1741944000.000900","channel":"C0002","event_ts":"1741944000.000900"}}}`)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var m map[string]any
			_ = json.Unmarshal(msg, &m)
			acks <- m
		}
	}))
	defer ws.Close()
	api.wsURL = "ws" + strings.TrimPrefix(ws.URL, "http")

	a, err := slackbot.New(slackbot.Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: api.APIURL(), TeamIDs: []string{team}}, exec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.RunSocketMode(ctx) }()

	got := map[string]map[string]any{}
	deadline := time.After(10 * time.Second)
	for len(got) < 2 {
		select {
		case m := <-acks:
			got[str(m, "envelope_id")] = m
		case <-deadline:
			t.Fatalf("acks received: %v", got)
		}
	}
	if p := got["env-cmd"]; str(p, "payload", "response_type") != "ephemeral" || !strings.Contains(str(p, "payload", "blocks", 0, "text", "text"), "Acme Corp") {
		t.Errorf("slash command ack = %v", p)
	}
	if p := got["env-ev"]; p["payload"] != nil {
		t.Errorf("event ack carries a payload: %v", p)
	}
	post := api.next(t, "chat.postEphemeral")
	if post.Form.Get("channel") != "C0002" || post.Form.Get("thread_ts") != "1741944000.000900" {
		t.Errorf("mention answer %v", post.Form)
	}
	if api.count("apps.connections.open") == 0 {
		t.Error("apps.connections.open never called")
	}
	calls := exec.calls()
	if len(calls) != 2 || calls[0].Line != "/health acme" || calls[1].Line != "/health acme" {
		t.Errorf("executor calls %+v", calls)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunSocketMode after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("RunSocketMode did not stop when its context ended")
	}
}
