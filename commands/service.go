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

	// OnRescore, when set, runs inside the transaction that writes a
	// rescore's snapshots (daily, or one account after a pulse, touch or
	// ingested batch), so alert decisions commit with the scores they
	// were made from. Alert evaluation and the outbox hook in here.
	OnRescore func(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) error
}

// Scored is one account's fresh result beside its previous snapshot (the
// latest one before day, nil when there is none).
type Scored struct {
	Account  models.Account
	Result   scoring.Result
	Previous *models.Snapshot
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
