package commands

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// CONTRACT SKELETON: the commands work fills these in; the signatures are
// what bot/* adapters and cmd/healthbot build against.

// Service executes commands against the store with the health model.
type Service struct {
	Store  *models.Store
	Config scoring.Config
	Now    func() time.Time // injected clock; days are taken in Store.Location()
	Log    *slog.Logger
}

// Run parses a command line in the chat grammar and executes it. A line the
// grammar rejects yields an ephemeral Reply that says what is wrong, not an
// error; errors are internal failures only.
func (s *Service) Run(ctx context.Context, caller Caller, line string) (Reply, error) {
	cmd, err := Parse(line)
	if err != nil {
		return Reply{Ephemeral: true, Text: err.Error()}, nil
	}
	return s.Execute(ctx, caller, cmd)
}

// Execute runs a parsed command.
func (s *Service) Execute(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	return Reply{}, errors.New("not implemented yet")
}

// Parse turns a command line ("/health acme", "/pulse acme red budget …")
// into a Command. Its error message is a sentence for the user.
func Parse(line string) (Command, error) {
	return Command{}, errors.New("not implemented yet")
}

// FormCommand turns a submitted Form's values back into a Command.
func FormCommand(f Form, values map[string]string) (Command, error) {
	return Command{}, errors.New("not implemented yet")
}
