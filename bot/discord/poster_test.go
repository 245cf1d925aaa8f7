package discord_test

import (
	"errors"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
)

func TestPosterPostAndUpdate(t *testing.T) {
	e := newEnv(t, nil, guildID)
	if e.a.Platform() != "discord" {
		t.Errorf("Platform = %q", e.a.Platform())
	}
	card := atRiskCard(t)
	ref, err := e.a.Post(t.Context(), "555", card)
	if err != nil || ref != "msg-1" {
		t.Fatalf("Post = %q, %v", ref, err)
	}
	if err := e.a.Update(t.Context(), "555", ref, healthyCard(t)); err != nil {
		t.Fatal(err)
	}
	reqs := e.rest.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %+v", reqs)
	}
	if r := reqs[0]; r.Method != "POST" || r.Path != "/api/v10/channels/555/messages" || r.Auth != "Bot bot-token" ||
		get(r.Body, "embeds", 0, "title") != card.Title || get(r.Body, "components", 0, "components", 0, "custom_id") != "b0|pulse paper-street red" {
		t.Errorf("post = %s %s %v", r.Method, r.Path, r.Body)
	}
	if r := reqs[1]; r.Method != "PATCH" || r.Path != "/api/v10/channels/555/messages/msg-1" || get(r.Body, "embeds", 0, "title") != healthyCard(t).Title {
		t.Errorf("update = %s %s %v", r.Method, r.Path, r.Body)
	}
}

func TestPosterErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		retry     time.Duration // want *bot.RetryAfterError with After
		permanent bool
	}{
		{"rate limited", 429, `{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}`, 1500 * time.Millisecond, false},
		{"missing access", 403, `{"message": "Missing Access", "code": 50001}`, 0, true},
		{"unknown channel", 404, `{"message": "Unknown Channel", "code": 10003}`, 0, true},
		{"server error", 500, `{"message": "Internal Server Error", "code": 0}`, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, guildID)
			e.rest.fail["POST /api/v10/channels/555/messages"] = failure{status: tc.status, body: tc.body}
			e.rest.fail["PATCH /api/v10/channels/555/messages/m9"] = failure{status: tc.status, body: tc.body}
			_, postErr := e.a.Post(t.Context(), "555", commands.Reply{Text: "hi"})
			updateErr := e.a.Update(t.Context(), "555", "m9", commands.Reply{Text: "hi"})
			for _, err := range []error{postErr, updateErr} {
				if err == nil {
					t.Fatal("no error")
				}
				var ra *bot.RetryAfterError
				var pe *bot.PermanentError
				if got := errors.As(err, &ra); got != (tc.retry > 0) || (got && ra.After != tc.retry) {
					t.Errorf("%v: RetryAfterError %v, want after %s", err, got, tc.retry)
				}
				if got := errors.As(err, &pe); got != tc.permanent {
					t.Errorf("%v: PermanentError %v, want %v", err, got, tc.permanent)
				}
			}
		})
	}
}
