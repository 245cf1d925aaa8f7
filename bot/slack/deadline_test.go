package slack_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/commands"
)

// sleepyExec answers every command after delay.
type sleepyExec struct{ delay time.Duration }

func (e sleepyExec) Run(context.Context, commands.Caller, string) (commands.Reply, error) {
	time.Sleep(e.delay)
	return commands.Reply{Text: "the card"}, nil
}

func (e sleepyExec) Execute(ctx context.Context, c commands.Caller, _ commands.Command) (commands.Reply, error) {
	return e.Run(ctx, c, "")
}

// The inline wait counts from the request's arrival: a replay check that
// took most of it (a busy database) leaves the command only the rest, so
// the acknowledgement still comes within InlineWait, not after the check
// plus a whole InlineWait (past Slack's 3 seconds at the defaults).
func TestInlineWaitCountsFromArrival(t *testing.T) {
	h := newHarness(t, sleepyExec{delay: 600 * time.Millisecond})
	h.a.InlineWait = time.Second
	h.a.EventStore = bottest.SlowEvents{Delay: 800 * time.Millisecond}
	start := time.Now()
	w := h.commandWithURL("/health", "acme", "deadline")
	elapsed := time.Since(start)
	body := decode(t, w.Body.Bytes())
	if str(body, "text") != "Working on it…" || elapsed >= 1300*time.Millisecond {
		t.Errorf("answered %q after %v; want \"Working on it…\" within the 1s inline wait", str(body, "text"), elapsed.Round(time.Millisecond))
	}
	got := h.api.next(t, "response_url")
	if str(got.JSON, "text") != "the card" {
		t.Errorf("follow-up = %v", got.JSON)
	}
}
