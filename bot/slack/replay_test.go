package slack_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestReplayedRequestsNotExecutedAgain: a signed slash command and a
// signed click, captured and sent again while their signatures are still
// valid (90 s, 4 min 59 s later), to the replica that took them or to
// another one sharing the database, are not executed again. The
// double-record check of pulses covers only 60 s; this covers Slack's
// whole 5-minute signature window.
func TestReplayedRequestsNotExecutedAgain(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		exec := newFakeExec()
		exec.replies["/pulse acme green"] = commands.Reply{Text: "Recorded a green pulse for Acme Corp."}
		one, two := newHarness(t, exec), newHarness(t, exec)
		one.a.EventStore, two.a.EventStore = s, s
		at := func(h *harness, d time.Duration) { h.a.Now = func() time.Time { return clock.Add(d) } }

		cmd := commandBody(team, "/pulse", "acme green")
		clickBody := []byte(url.Values{"payload": {click(one, "hb:2", "/pulse acme green", "U0002", "click-1")}}.Encode())
		const form = "application/x-www-form-urlencoded"
		send := func(h *harness, path string, body []byte) {
			t.Helper()
			if w := h.do(signed(path, form, body, clock)); w.Code != http.StatusOK {
				t.Fatalf("%s answered %d", path, w.Code)
			}
		}

		pulses := func() int {
			n := 0
			for _, c := range exec.calls() {
				if c.Line == "/pulse acme green" {
					n++
				}
			}
			return n
		}

		send(one, "/slack/commands", cmd)
		send(one, "/slack/interactions", clickBody)
		one.api.next(t, "response_url") // the click's answer went out
		if n := pulses(); n != 2 {
			t.Fatalf("%d pulses recorded for a command and a click, want 2", n)
		}

		at(two, 90*time.Second) // past the 60 s double-record window, on another replica
		send(two, "/slack/commands", cmd)
		send(two, "/slack/interactions", clickBody)
		at(one, 5*time.Minute-time.Second) // the last second of the signature window, same replica
		send(one, "/slack/commands", cmd)
		at(two, 5*time.Minute-time.Second)
		send(two, "/slack/interactions", clickBody)
		_, _ = one.a.Close(), two.a.Close() // wait for anything they started
		if n := pulses(); n != 2 {
			t.Errorf("%d pulses recorded after the replays, want still 2", n)
		}

		// A new request (its own timestamp and signature) is executed.
		fresh := newHarness(t, exec)
		fresh.a.EventStore = s
		if w := fresh.do(signed("/slack/commands", form, cmd, clock.Add(time.Second))); w.Code != http.StatusOK {
			t.Fatalf("fresh command answered %d", w.Code)
		}
		if n := pulses(); n != 3 {
			t.Errorf("%d pulses recorded after a fresh command, want 3", n)
		}
	})
}
