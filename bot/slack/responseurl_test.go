package slack_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/bottest"
	slackbot "github.com/healthbot/healthbot/bot/slack"
)

// TestResponseURLOnlyToSlack: a signed click whose response_url points
// anywhere but Slack (or SLACK_API_URL's host) is executed, but nothing is
// posted to that address, and the refusal is logged.
func TestResponseURLOnlyToSlack(t *testing.T) {
	var stolen atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	defer elsewhere.Close()

	exec := newFakeExec()
	h := newHarness(t, exec)
	logs := &bottest.SyncBuffer{}
	cfg := slackbot.Config{SigningSecret: secret, BotToken: "xoxb-test", APIURL: h.api.APIURL(), TeamIDs: []string{team}}
	a, err := slackbot.New(cfg, exec, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = h.a.Now
	h.a, h.mux = a, http.NewServeMux()
	a.Mount(h.mux)

	payload := strings.Replace(click(h, "hb:2", "/pulse acme green", "U0002", "x"), h.api.ResponseURL("x"), elsewhere.URL+"/collect", 1)
	if w := h.interaction(payload); w.Code != http.StatusOK {
		t.Fatalf("click answered %d", w.Code)
	}
	// The answer goes out in the background: wait until it was posted
	// or refused (a guard against a hang, not a timing check).
	for deadline := time.Now().Add(10 * time.Second); stolen.Load() == 0 && !strings.Contains(logs.String(), "response_url"); {
		if time.Now().After(deadline) {
			t.Fatal("the click's answer was neither posted nor refused")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = a.Close()
	if n := stolen.Load(); n != 0 {
		t.Errorf("%d posts to a response_url outside Slack", n)
	}
	if len(exec.calls()) == 0 {
		t.Error("the signed click was not executed")
	}
	if !strings.Contains(logs.String(), "response_url") || !strings.Contains(logs.String(), strings.TrimPrefix(elsewhere.URL, "http://")) {
		t.Errorf("the refusal is not logged with the host: %s", logs.String())
	}
}

func TestResponseURLAllowed(t *testing.T) {
	slackOnly := slackbot.Config{}
	withAPI := slackbot.Config{APIURL: "http://127.0.0.1:8099/api/"}
	for _, tt := range []struct {
		cfg  slackbot.Config
		url  string
		want bool
	}{
		{slackOnly, "https://hooks.slack.com/commands/T1/1/abc", true},
		{slackOnly, "https://hooks.slack.com/actions/T1/1/abc", true},
		{slackOnly, "https://hooks.slack.com/app/T111/123/xyz", true},
		{slackOnly, "https://acme.enterprise.slack.com/x", true},
		{slackOnly, "http://hooks.slack.com/commands/T1/1/abc", false}, // not TLS
		{slackOnly, "https://hooks.slack.com:8443/commands/x", false},
		{slackOnly, "https://hooks.slack.com.evil.example/commands/x", false},
		{slackOnly, "https://evilslack.com/x", false},
		{slackOnly, "https://user@evil.example/@hooks.slack.com/", false},
		{slackOnly, "https://169.254.169.254/latest/meta-data/", false},
		{slackOnly, "http://127.0.0.1:8099/response/1", false},
		{slackOnly, "/relative", false},
		{slackOnly, "", false},
		{withAPI, "http://127.0.0.1:8099/response/1", true},
		{withAPI, "http://127.0.0.1:8100/response/1", false},
		{withAPI, "https://hooks.slack.com/commands/T1/1/abc", true},
	} {
		if got := slackbot.ResponseURLAllowed(tt.cfg, tt.url); got != tt.want {
			t.Errorf("ResponseURLAllowed(API %q, %q) = %v, want %v", tt.cfg.APIURL, tt.url, got, tt.want)
		}
	}
}
