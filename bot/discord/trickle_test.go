package discord_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/bottest"
)

// TestTrickledBodyTimesOut: an interaction whose body does not arrive
// within the server's read timeout is answered 408 Request Timeout, not
// 413 (it is not too large).
func TestTrickledBodyTimesOut(t *testing.T) {
	e := newEnv(t, nil)
	body := interaction(discordgo.InteractionPing, nil, nil)
	ts := strconv.FormatInt(now.Unix(), 10)
	header := http.Header{
		"Content-Type":          {"application/json"},
		"X-Signature-Ed25519":   {sign(e.priv, ts, body)},
		"X-Signature-Timestamp": {ts},
	}
	if code := bottest.Trickle(t, e.handler, "/discord/interactions", header, body, 200*time.Millisecond, 20*time.Millisecond); code != http.StatusRequestTimeout {
		t.Errorf("trickled body answered %d, want 408", code)
	}
}
