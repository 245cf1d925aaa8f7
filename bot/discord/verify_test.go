package discord_test

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestRejectedRequestsRunNothing: any signature failure is a 401 and the
// executor never runs.
func TestRejectedRequestsRunNothing(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	body := click("b2|pulse acme green")
	ts := strconv.FormatInt(now.Unix(), 10)
	_, otherKey, _ := ed25519.GenerateKey(nil)
	stale := strconv.FormatInt(now.Unix()-10*60, 10)
	future := strconv.FormatInt(now.Unix()+10*60, 10)
	good := sign(e.priv, ts, body)
	cases := []struct {
		name    string
		body    []byte
		headers map[string]string
	}{
		{"signature of another body", body, map[string]string{"X-Signature-Ed25519": sign(e.priv, ts, []byte(`{"type":1}`)), "X-Signature-Timestamp": ts}},
		{"body changed after signing", []byte(strings.Replace(string(body), "green", "red", 1)), map[string]string{"X-Signature-Ed25519": good, "X-Signature-Timestamp": ts}},
		{"wrong key", body, map[string]string{"X-Signature-Ed25519": sign(otherKey, ts, body), "X-Signature-Timestamp": ts}},
		{"timestamp changed after signing", body, map[string]string{"X-Signature-Ed25519": good, "X-Signature-Timestamp": strconv.FormatInt(now.Unix()+1, 10)}},
		{"stale timestamp", body, map[string]string{"X-Signature-Ed25519": sign(e.priv, stale, body), "X-Signature-Timestamp": stale}},
		{"future timestamp", body, map[string]string{"X-Signature-Ed25519": sign(e.priv, future, body), "X-Signature-Timestamp": future}},
		{"no signature", body, map[string]string{"X-Signature-Timestamp": ts}},
		{"no timestamp", body, map[string]string{"X-Signature-Ed25519": good}},
		{"no headers", body, nil},
		{"signature not hex", body, map[string]string{"X-Signature-Ed25519": "zz" + good[2:], "X-Signature-Timestamp": ts}},
		{"signature truncated", body, map[string]string{"X-Signature-Ed25519": good[:64], "X-Signature-Timestamp": ts}},
		{"ping with a bad signature", []byte(`{"type":1}`), map[string]string{"X-Signature-Ed25519": good, "X-Signature-Timestamp": ts}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.postWith(tc.body, tc.headers)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401: %s", rec.Code, rec.Body.String())
			}
		})
	}
	if n := len(e.exec.Calls()); n != 0 {
		t.Fatalf("executor ran %d times on rejected requests", n)
	}
	if n := len(e.rest.Requests()); n != 0 {
		t.Fatalf("%d REST calls on rejected requests", n)
	}
	// The same body, correctly signed, does run: the cases above failed
	// for their signatures alone.
	if got := response(t, e.post(body)); num(got["type"]) != 7 {
		t.Fatalf("good request answered %v", got)
	}
}

// TestForeignGuildRefused: a verified interaction from a guild outside
// DISCORD_GUILD_IDS, or a command typed in a DM, is refused without
// running anything, on both transports. (A button in a DM sits on a
// message healthbot sent there, a task: TestButtonInDirectMessageRuns.)
func TestForeignGuildRefused(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, store *models.Store) {
		testForeignGuildRefused(t, store)
	})
}

func testForeignGuildRefused(t *testing.T, store *models.Store) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	e.a.EventStore = store
	cmd := slash("pulse", opt("account", 3, "acme"), opt("color", 3, "green"))
	for _, tc := range []struct {
		name    string
		extra   map[string]any
		want    string
		buttons bool // buttons and forms are refused too
	}{
		{"foreign guild", map[string]any{"guild_id": "999"}, "does not serve this server", true},
		{"direct message", dmExtra, "not in direct messages", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bodies := [][]byte{interaction(discordgo.InteractionApplicationCommand, cmd, tc.extra)}
			if tc.buttons {
				bodies = append(bodies,
					interaction(discordgo.InteractionMessageComponent, map[string]any{"custom_id": "b2|pulse acme green", "component_type": 2}, tc.extra),
					interaction(discordgo.InteractionModalSubmit, map[string]any{"custom_id": "f|pulse|acme|colour=red", "components": []any{}}, tc.extra))
			}
			for _, body := range bodies {
				got := response(t, e.post(body))
				if num(got["type"]) != 4 || num(get(got, "data", "flags")) != 64 || !strings.Contains(get(got, "data", "content").(string), tc.want) {
					t.Errorf("HTTP answer %v", got)
				}
				body2 := []byte(strings.Replace(string(body), `"id":"9000`, `"id":"8000`, 1)) // a fresh interaction id
				if cb := e.gateway(body2); num(get(cb, "data", "flags")) != 64 || !strings.Contains(get(cb, "data", "content").(string), tc.want) {
					t.Errorf("gateway answer %v", cb)
				}
			}
			auto := interaction(discordgo.InteractionApplicationCommandAutocomplete,
				slash("pulse", map[string]any{"name": "account", "type": 3, "value": "a", "focused": true}), tc.extra)
			got := response(t, e.post(auto))
			if num(got["type"]) != 8 || length(get(got, "data", "choices")) != 0 {
				t.Errorf("autocomplete answer %v", got)
			}
		})
	}
	if n := len(e.exec.Calls()); n != 0 {
		t.Errorf("executor ran %d times for refused interactions", n)
	}
	if len(e.accts.prefixs) != 0 {
		t.Errorf("accounts were suggested to a refused guild")
	}
	// Refused means nothing changed: not even the id of the interaction
	// was recorded as processed.
	e.a.Wait()
	if n := countRows(t, store, &models.ProcessedEvent{}); n != 0 {
		t.Errorf("%d processed_events rows after refused interactions, want 0", n)
	}
	if n := countRows(t, store, &models.Pulse{}); n != 0 {
		t.Errorf("%d pulses after refused interactions, want 0", n)
	}
}

// countRows counts the rows of v's table.
func countRows(t *testing.T, store *models.Store, v any) int64 {
	t.Helper()
	var n int64
	if err := store.DB().Model(v).Count(&n).Error; err != nil {
		t.Fatalf("count %T: %v", v, err)
	}
	return n
}

// TestNoPublicKeyNoEndpoint: without DISCORD_PUBLIC_KEY nothing is mounted.
func TestNoPublicKeyNoEndpoint(t *testing.T) {
	a, err := newAdapter(discordConfigWithoutKey())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Mount(mux)
	if _, pattern := mux.Handler(mustRequest("POST", "/discord/interactions")); pattern != "" {
		t.Errorf("mounted %q without a public key", pattern)
	}
}

// dmExtra makes an interaction come from a direct message.
var dmExtra = map[string]any{"guild_id": nil, "member": nil, "user": member["user"]}

// TestButtonInDirectMessageRuns: a button pressed on a message healthbot
// sent someone directly (a task) runs, although commands typed in direct
// messages are refused.
func TestButtonInDirectMessageRuns(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	body := interaction(discordgo.InteractionMessageComponent, map[string]any{"custom_id": "b0|health tasks done 12", "component_type": 2}, dmExtra)
	got := response(t, e.post(body))
	if strings.Contains(fmt.Sprint(got), "not in direct messages") {
		t.Fatalf("a button in a DM was refused: %v", got)
	}
	e.a.Wait()
	calls := e.exec.Calls()
	if len(calls) != 1 || calls[0].Line != "/health tasks done 12" {
		t.Errorf("executor calls %+v, want the button's line once", calls)
	}
}
