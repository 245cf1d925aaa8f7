package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/models"
)

// TestServeRecordsEventsInTheDatabase: serve wires the database into both
// adapters as their EventStore, so a Slack event id and a Discord
// interaction id taken in by this replica are known to every other one.
// The requests are chosen to need no bot token: an event that is not a
// mention, a click on a button the bot no longer knows.
func TestServeRecordsEventsInTheDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		p.env["SLACK_SIGNING_SECRET"] = "s3cret"
		p.env["SLACK_TEAM_IDS"] = "T0001"
		p.env["DISCORD_PUBLIC_KEY"] = hex.EncodeToString(pub)
		p.env["DISCORD_APP_ID"] = "1234"
		base, stop := startServe(t, p)

		// The adapters check signatures against the real clock.
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		event := `{"type":"event_callback","team_id":"T0001","event_id":"Ev0WIRED","event":{"type":"app_home_opened","user":"U0001"}}`
		if got := signedPost(t, base+"/slack/events", event, map[string]string{
			"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack.Sign("s3cret", ts, []byte(event)),
		}); got != 200 {
			t.Fatalf("signed Slack event = %d, want 200", got)
		}
		click := `{"id":"900001","application_id":"1234","type":3,"token":"t","version":1,"channel_id":"1","guild_id":"2",
			"member":{"user":{"id":"3","username":"dana"}},"data":{"custom_id":"hb:gone","component_type":2}}`
		sig := ed25519.Sign(priv, []byte(ts+click))
		if got := signedPost(t, base+"/discord/interactions", click, map[string]string{
			"X-Signature-Timestamp": ts, "X-Signature-Ed25519": hex.EncodeToString(sig),
		}); got != 200 {
			t.Fatalf("signed Discord interaction = %d, want 200", got)
		}
		stop()

		store, err := models.Open(t.Context(), p.env["DATABASE_URL"], time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		for _, ev := range []struct{ platform, id string }{{"slack", "Ev0WIRED"}, {"discord", "900001"}} {
			first, err := store.FirstSeen(t.Context(), ev.platform, ev.id, now)
			if err != nil {
				t.Fatal(err)
			}
			if first {
				t.Errorf("%s event %s was not recorded in the database: the adapter has no EventStore", ev.platform, ev.id)
			}
		}
	})
}

// signedPost posts body with the given headers and returns the status.
func signedPost(t *testing.T, url, body string, headers map[string]string) int {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
