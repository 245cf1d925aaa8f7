package discord_test

import (
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/commands"
)

// The ack deadline counts from the interaction's arrival: a replay check
// that took most of it leaves the command only the rest, so the deferred
// response still comes within AckDeadline, not after the check plus a
// whole AckDeadline (past Discord's 3 seconds at the defaults).
func TestAckDeadlineCountsFromArrival(t *testing.T) {
	exec := &fakeExec{reply: func(call) commands.Reply {
		time.Sleep(600 * time.Millisecond)
		return commands.Reply{Text: "the card"}
	}}
	e := newEnv(t, exec)
	e.a.AckDeadline = time.Second
	e.a.EventStore = bottest.SlowEvents{Delay: 800 * time.Millisecond}
	start := time.Now()
	rec := e.post(interaction(discordgo.InteractionApplicationCommand,
		slash("health", subcmd("show", opt("account", 3, "acme"))), nil))
	elapsed := time.Since(start)
	if typ := num(get(response(t, rec), "type")); typ != int(discordgo.InteractionResponseDeferredChannelMessageWithSource) || elapsed >= 1300*time.Millisecond {
		t.Errorf("response type %d after %v; want a deferred response within the 1s deadline", typ, elapsed.Round(time.Millisecond))
	}
	e.a.Wait()
}
