package discord_test

import (
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestInteractionOnceAcrossReplicas: two replicas on one gateway shard
// both receive the same INTERACTION_CREATE; with the shared database
// only one runs the command and answers.
func TestInteractionOnceAcrossReplicas(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		exec := &fakeExec{}
		one, two := newEnv(t, exec, guildID), newEnv(t, exec, guildID)
		one.a.EventStore, two.a.EventStore = s, s
		body := click("b2|pulse acme green")
		if cb := one.gateway(body); cb == nil {
			t.Fatal("the first replica did not answer")
		}
		one.a.Wait()
		calls := len(exec.Calls()) // a click may run more than one command (the pulse, then the card)
		if cb := two.gateway(body); cb != nil {
			t.Errorf("the second replica answered too: %v", cb)
		}
		two.a.Wait()
		if n := len(exec.Calls()); n != calls || calls == 0 {
			t.Errorf("%d executor calls after both replicas, %d after the first; want no more", n, calls)
		}
	})
}
