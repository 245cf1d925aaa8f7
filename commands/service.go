package commands

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// Service executes commands against the store with the health model.
type Service struct {
	Store  *models.Store
	Config scoring.Config
	Now    func() time.Time // injected clock; days are taken in Store.Location()
	Log    *slog.Logger

	// Admins may run /health admin (HEALTHBOT_ADMINS); empty turns the
	// configuration commands off.
	Admins []ChatUser

	// OnRescore, when set, runs inside the transaction that writes a
	// rescore's snapshots (daily, or one account after a pulse, touch or
	// ingested batch), so alert decisions commit with the scores they
	// were made from. Alert evaluation and the outbox hook in here.
	OnRescore func(ctx context.Context, tx *models.Store, day time.Time, scored []Scored) error
}

// Scored is one account's fresh result beside its previous snapshot (the
// latest one before day, nil when there is none). After a full Rescore the
// previous snapshot is its head only (models.PreviousSnapshotHeads: no
// Subscores or Details); Alerter loads the full ones its messages show.
type Scored struct {
	Account  models.Account
	Result   scoring.Result
	Previous *models.Snapshot
}

// Run parses a command line in the chat grammar and executes it. A line the
// grammar rejects yields an ephemeral Reply that says what is wrong, not an
// error; errors are internal failures only.
func (s *Service) Run(ctx context.Context, caller Caller, line string) (Reply, error) {
	// Alert buttons (acknowledge, snooze) are actions on an alert, not
	// commands a person types, so they bypass the chat grammar.
	if IsAlertAction(line) {
		return s.HandleAlertAction(ctx, caller, line)
	}
	cmd, err := Parse(line)
	if err != nil {
		return Reply{Ephemeral: true, Text: err.Error()}, nil
	}
	return s.Execute(ctx, caller, cmd)
}

// Execute runs a parsed command. As with Run, a request the user can fix
// (unknown account, missing reason) is an ephemeral Reply, not an error;
// an error comes with a Reply the adapter may show as it is.
func (s *Service) Execute(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	if msg := cmd.unstorableText(); msg != "" {
		return userError(msg), nil
	}
	reply, err := s.execute(ctx, caller, cmd)
	if err != nil {
		s.logger().ErrorContext(ctx, "command failed", "verb", cmd.Verb, "sub", cmd.Sub, "account", cmd.Account,
			"platform", caller.Platform, "user", caller.UserID, "err", err)
		return Reply{Ephemeral: true, Colour: "grey", Text: "Sorry, that failed on my side. Please try again in a minute; if it keeps failing, tell whoever runs healthbot."}, err
	}
	return reply, nil
}

// execute runs the row of the command table that cmd names: its handler,
// after the admin check for an admin-only row.
func (s *Service) execute(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	row, ok := SpecOf(cmd)
	if !ok {
		return s.unknown(ctx, caller, cmd), nil
	}
	if row.AdminOnly {
		if refusal, refused := s.refuseAdmin(ctx, caller, cmd); refused {
			return refusal, nil
		}
	}
	return row.run(s, ctx, caller, cmd)
}

// unknown answers a command the table does not have. An action missing
// from an admin-only group is refused to non-admins before it is named,
// as its actions are.
func (s *Service) unknown(ctx context.Context, caller Caller, cmd Command) Reply {
	switch {
	case len(rowsOf(cmd.Verb)) == 0:
		return userError(fmt.Sprintf("I don't know the command %q. %s", cmd.Verb, helpHint))
	case !isGroup(cmd.Verb, cmd.Sub):
		return userError(fmt.Sprintf("/%s has no sub-command %q. %s", cmd.Verb, cmd.Sub, helpHint))
	}
	if refusal, refused := s.refuseAdmin(ctx, caller, cmd); refused {
		return refusal
	}
	return userError(fmt.Sprintf("/%s %s has no action %q: use %s. %s", cmd.Verb, cmd.Sub, cmd.Admin, orList(groupActions(cmd.Verb, cmd.Sub)), helpHint))
}

const helpHint = "/health help lists the commands."

// userError is the reply to a request the user can correct.
func userError(text string) Reply {
	return Reply{Ephemeral: true, Text: text}
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) location() *time.Location {
	if loc := s.Store.Location(); loc != nil {
		return loc
	}
	return time.UTC
}

// today is the organisation's current calendar day as midnight UTC, the
// representation scoring and the store use for days.
func (s *Service) today() time.Time {
	return dayAt(s.now(), s.location())
}

func dayAt(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
