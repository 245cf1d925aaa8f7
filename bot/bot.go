// Package bot is healthbot's runtime and its contact with the outside world:
// the platform adapters (bot/slack, bot/discord, bot/console), the HTTP
// server, the scheduler and the outbox worker.
package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/commands"
)

// Executor runs chat commands. *commands.Service implements it; adapters
// depend on this narrow interface so their tests can use a slow or failing
// stand-in where needed, and hand it to commands.RunPress for presses.
type Executor = commands.Executor

// Poster delivers messages to one platform's channels. The Slack and
// Discord adapters implement it; the outbox worker uses it.
type Poster interface {
	// Platform is one of commands.Platforms.
	Platform() string
	// Post sends r to channel and returns a reference (Slack ts, Discord
	// message id) that Update can use later.
	Post(ctx context.Context, channel string, r commands.Reply) (ref string, err error)
	// Update replaces a message sent earlier.
	Update(ctx context.Context, channel, ref string, r commands.Reply) error
}

// RetryAfterError is returned by a Poster when the platform rate-limited the
// call (Slack 429 Retry-After, Discord retry_after): try again after After.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.After, e.Err)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }

// PermanentError is returned by a Poster when retrying cannot help
// (channel not found, not in channel, invalid auth).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent delivery failure: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// SorryText answers a command that failed on healthbot's side and came
// back without a Reply of its own; every platform says the same.
const SorryText = "Sorry, that failed on my side. Please try again in a minute; if it keeps failing, tell whoever runs healthbot."
