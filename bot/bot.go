// Package bot is healthbot's runtime and its contact with the outside world:
// the platform adapters (bot/slack, bot/discord, bot/console), the HTTP
// server, the scheduler and the outbox worker.
package bot

import (
	"context"

	"github.com/healthbot/healthbot/commands"
)

// Executor runs chat commands. *commands.Service implements it; adapters
// depend on this narrow interface so their tests can use a slow or failing
// stand-in where needed.
type Executor interface {
	// Run parses a command line in the chat grammar and executes it.
	Run(ctx context.Context, caller commands.Caller, line string) (commands.Reply, error)
	// Execute runs an already-parsed command (Discord options, form submissions).
	Execute(ctx context.Context, caller commands.Caller, cmd commands.Command) (commands.Reply, error)
}
