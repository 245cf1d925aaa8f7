package discord_test

import (
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// realCards are the real cards (the real commands.Service on seeded
// SQLite: Healthy, capped At-risk, no data) as a Discord caller sees them.
func realCards(t testing.TB) commandstest.Cards { return commandstest.RealCards(t, "discord", now) }

func healthyCard(t testing.TB) commands.Reply { return realCards(t).Healthy }
func atRiskCard(t testing.TB) commands.Reply  { return realCards(t).AtRisk }
