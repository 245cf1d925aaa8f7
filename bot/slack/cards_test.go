package slack_test

import (
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// realCards are the real cards (the real commands.Service on seeded
// SQLite: Healthy, capped At-risk, no data) as a Slack caller sees them.
func realCards(t testing.TB) commandstest.Cards { return commandstest.RealCards(t, "slack", clock) }

func healthyCard(t testing.TB) commands.Reply { return realCards(t).Healthy }
func atRiskCard(t testing.TB) commands.Reply  { return realCards(t).AtRisk }
