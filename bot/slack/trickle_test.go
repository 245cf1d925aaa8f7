package slack_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/bottest"
	slackbot "github.com/healthbot/healthbot/bot/slack"
)

// TestTrickledBodyTimesOut: a request body that does not arrive within
// the server's read timeout is answered 408 Request Timeout, not 413 (it
// is not too large) and not 401.
func TestTrickledBodyTimesOut(t *testing.T) {
	h := newHarness(t, newFakeExec())
	body := commandBody(team, "/health", "acme")
	ts := strconv.FormatInt(clock.Unix(), 10)
	header := http.Header{
		"Content-Type":              {"application/x-www-form-urlencoded"},
		"X-Slack-Request-Timestamp": {ts},
		"X-Slack-Signature":         {slackbot.Sign(secret, ts, body)},
	}
	if code := bottest.Trickle(t, h.mux, "/slack/commands", header, body, 200*time.Millisecond, 20*time.Millisecond); code != http.StatusRequestTimeout {
		t.Errorf("trickled body answered %d, want 408", code)
	}
}
