package slack_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// forge builds a request to path whose signature is broken in one way.
type forge func(path string, body []byte) *http.Request

func refusedRequests() map[string]forge {
	ct := func(path string) string {
		if path == "/slack/events" {
			return "application/json"
		}
		return "application/x-www-form-urlencoded"
	}
	return map[string]forge{
		"missing signature": func(path string, body []byte) *http.Request {
			r := signed(path, ct(path), body, clock)
			r.Header.Del("X-Slack-Signature")
			return r
		},
		"missing timestamp": func(path string, body []byte) *http.Request {
			r := signed(path, ct(path), body, clock)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		},
		"wrong secret": func(path string, body []byte) *http.Request {
			r := signed(path, ct(path), body, clock)
			ts := r.Header.Get("X-Slack-Request-Timestamp")
			r.Header.Set("X-Slack-Signature", slackbot.Sign("not-the-secret", ts, body))
			return r
		},
		"tampered body": func(path string, body []byte) *http.Request {
			r := signed(path, ct(path), body, clock)
			sig := r.Header.Get("X-Slack-Signature")
			r = signed(path, ct(path), append(body, '&', 'x', '=', '1'), clock)
			r.Header.Set("X-Slack-Signature", sig)
			return r
		},
		"not hex": func(path string, body []byte) *http.Request {
			r := signed(path, ct(path), body, clock)
			r.Header.Set("X-Slack-Signature", "v0=zz"+r.Header.Get("X-Slack-Signature")[5:])
			return r
		},
		"no v0 prefix": func(path string, body []byte) *http.Request {
			r := signed(path, ct(path), body, clock)
			r.Header.Set("X-Slack-Signature", strings.TrimPrefix(r.Header.Get("X-Slack-Signature"), "v0="))
			return r
		},
		"stale (6 minutes old)": func(path string, body []byte) *http.Request {
			return signed(path, ct(path), body, clock.Add(-6*time.Minute))
		},
		"from the future (6 minutes ahead)": func(path string, body []byte) *http.Request {
			return signed(path, ct(path), body, clock.Add(6*time.Minute))
		},
	}
}

// TestBadSignaturesRefused: every endpoint answers 401 to every broken
// signature, and neither the executor nor Slack hears of it.
func TestBadSignaturesRefused(t *testing.T) {
	exec := newFakeExec()
	h := newHarness(t, exec)
	bodies := map[string][]byte{
		"/slack/commands":     commandBody(team, "/pulse", "acme green"),
		"/slack/interactions": []byte(url.Values{"payload": {click(h, "hb:2", "/pulse acme green", "U0002", "x")}}.Encode()),
		"/slack/events":       []byte(`{"type":"event_callback","team_id":"` + team + `","event_id":"Ev9","event":{"type":"app_mention","user":"U1","text":"<@UBOT> acme","channel":"C1","ts":"1.2"}}`),
	}
	for name, f := range refusedRequests() {
		for path, body := range bodies {
			if w := h.do(f(path, body)); w.Code != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", name, path, w.Code)
			}
		}
	}
	// Bodies over the size limit are refused before anything is read into them.
	big := signed("/slack/commands", "application/x-www-form-urlencoded", []byte(strings.Repeat("a", 2<<20)), clock)
	if w := h.do(big); w.Code == http.StatusOK {
		t.Errorf("2 MiB body accepted")
	}
	if calls := exec.calls(); len(calls) != 0 {
		t.Errorf("executor called %d times for refused requests", len(calls))
	}
	if n := len(h.api.all); n != 0 {
		t.Errorf("Slack called %d times for refused requests", n)
	}
	// A timestamp within the window is fine: the check is not off by a sign.
	if w := h.do(signed("/slack/commands", "application/x-www-form-urlencoded", commandBody(team, "/health", ""), clock.Add(-4*time.Minute))); w.Code != http.StatusOK {
		t.Errorf("4-minute-old request refused: %d", w.Code)
	}
}

// TestForeignTeamRefused: a valid signature from a workspace outside
// SLACK_TEAM_IDS executes nothing; a command is told why.
func TestForeignTeamRefused(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, store *models.Store) {
		testForeignTeamRefused(t, store)
	})
}

func testForeignTeamRefused(t *testing.T, store *models.Store) {
	exec := newFakeExec()
	h := newHarness(t, exec)
	h.a.EventStore = store
	const foreign = "T9999"

	w := h.do(signed("/slack/commands", "application/x-www-form-urlencoded", commandBody(foreign, "/pulse", "acme green"), clock))
	if body := decode(t, w.Body.Bytes()); w.Code != http.StatusOK || !strings.Contains(str(body, "text"), "not served by this healthbot") {
		t.Errorf("command from a foreign team: %d %v", w.Code, body)
	}
	payload := strings.ReplaceAll(click(h, "hb:2", "/pulse acme green", "U0002", "foreign"), team, foreign)
	h.interaction(payload)
	if got := h.api.next(t, "response_url"); !strings.Contains(str(got.JSON, "text"), "not served") {
		t.Errorf("click from a foreign team told %v", got.JSON)
	}
	h.event(`{"type":"event_callback","team_id":"`+foreign+`","event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"<@UBOT> acme","channel":"C1","ts":"1.2"}}`, nil)
	if calls := exec.calls(); len(calls) != 0 {
		t.Errorf("executor called for a foreign team: %+v", calls)
	}
	// Nothing changed: not even the event id was recorded as processed.
	if n := countRows(t, store, &models.ProcessedEvent{}); n != 0 {
		t.Errorf("%d processed_events rows after refused requests, want 0", n)
	}
	if n := countRows(t, store, &models.Pulse{}); n != 0 {
		t.Errorf("%d pulses after refused requests, want 0", n)
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

// TestServedTeamFromAuthTest: without SLACK_TEAM_IDS the bot token's own
// workspace is served; if auth.test fails, none is.
func TestServedTeamFromAuthTest(t *testing.T) {
	api := newFakeSlack(t)
	a, err := slackbot.New(slackbot.Config{SigningSecret: secret, BotToken: "xoxb-test", APIURL: strings.TrimSuffix(api.APIURL(), "/")}, newFakeExec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got := a.Teams(); len(got) != 1 || got[0] != team {
		t.Errorf("teams = %v, want [%s] from auth.test (API URL without trailing slash)", got, team)
	}

	api.failWith("auth.test", "invalid_auth")
	exec := newFakeExec()
	b, _ := slackbot.New(slackbot.Config{SigningSecret: secret, BotToken: "xoxb-bad", APIURL: api.APIURL()}, exec, slog.New(slog.DiscardHandler))
	defer b.Close()
	b.Now = func() time.Time { return clock }
	mux := http.NewServeMux()
	b.Mount(mux)
	h := &harness{mux: mux}
	w := h.do(signed("/slack/commands", "application/x-www-form-urlencoded", commandBody(team, "/health", "acme"), clock))
	if !strings.Contains(w.Body.String(), "not served") || len(exec.calls()) != 0 {
		t.Errorf("with auth.test failing, a command got %q and ran %d times", w.Body, len(exec.calls()))
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
		"SLACK_API_URL": "http://127.0.0.1:9/api", "SLACK_TEAM_IDS": " T1, ,T2 ",
	}
	c := slackbot.ConfigFromEnv(func(k string) string { return env[k] })
	if c.SigningSecret != "s" || c.BotToken != "xoxb-1" || c.AppToken != "xapp-1" || c.APIURL != "http://127.0.0.1:9/api" ||
		strings.Join(c.TeamIDs, "|") != "T1|T2" || !c.Enabled() {
		t.Errorf("config = %+v", c)
	}
	if slackbot.ConfigFromEnv(func(string) string { return "" }).Enabled() {
		t.Error("empty environment enables Slack")
	}
}

// TestPoster: Post and Update speak chat.postMessage / chat.update, and
// Slack's failures come back classified for the outbox worker.
func TestPoster(t *testing.T) {
	h := newHarness(t, newFakeExec())
	ctx := context.Background()
	var p bot.Poster = h.a
	if p.Platform() != "slack" {
		t.Errorf("platform %q", p.Platform())
	}
	ts, err := p.Post(ctx, "C0042", atRiskCard(t))
	if err != nil || ts != "1741944600.000200" {
		t.Fatalf("Post = %q, %v", ts, err)
	}
	sent := h.api.next(t, "chat.postMessage")
	if sent.Form.Get("channel") != "C0042" || !strings.Contains(sent.Form.Get("text"), "Paper Street Soap") {
		t.Errorf("chat.postMessage %v", sent.Form)
	}
	checkLimits(t, []byte(sent.Form.Get("blocks")), slackbot.MaxMessageBlocks)

	if err := p.Update(ctx, "C0042", ts, healthyCard(t)); err != nil {
		t.Fatal(err)
	}
	if up := h.api.next(t, "chat.update"); up.Form.Get("ts") != ts || up.Form.Get("channel") != "C0042" {
		t.Errorf("chat.update %v", up.Form)
	}

	h.api.failWith("chat.postMessage", "ratelimited")
	_, err = p.Post(ctx, "C0042", healthyCard(t))
	if ra, ok := errors.AsType[*bot.RetryAfterError](err); !ok || ra.After != 7*time.Second {
		t.Errorf("429: err = %v, want RetryAfterError after 7s", err)
	}
	for code, permanent := range map[string]bool{"channel_not_found": true, "not_in_channel": true, "invalid_auth": true, "is_archived": true, "internal_error": false} {
		h.api.failWith("chat.update", code)
		err := p.Update(ctx, "C0042", ts, healthyCard(t))
		if _, ok := errors.AsType[*bot.PermanentError](err); ok != permanent || err == nil {
			t.Errorf("%s: err = %v, permanent = %v, want %v", code, err, ok, permanent)
		}
	}
}
