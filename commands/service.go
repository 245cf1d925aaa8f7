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
	Store *models.Store
	// Model is the health model with its profiles: each account is scored
	// with Model.For(its segment, its plan). nil scores every account with
	// Config alone (scoring.ModelOf(Config)).
	Model *scoring.Model
	// Config is the top level of the model: what applies to the whole
	// organisation (alert rules, channels, reason codes, targets); with
	// Model set it is Model.Default.Config.
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
	// PrefetchRescore, when set, is called by the daily rescore where it
	// reads before its write transaction (PostgreSQL), with the store's
	// pool: it starts the reads of OnRescore that need not wait for the
	// day's snapshots (Alerter.Prefetch) and returns the context that
	// carries them to OnRescore.
	PrefetchRescore func(ctx context.Context, store *models.Store) context.Context
	// PlanRescore, when set, is called by the daily rescore where it
	// reads first (PostgreSQL) beside its snapshots' COPY, with the
	// store's pool and the scored accounts, their Previous set: it
	// evaluates what OnRescore will write (Alerter.Plan) and returns the
	// context that carries it to OnRescore.
	PlanRescore func(ctx context.Context, store *models.Store, day time.Time, scored []Scored) (context.Context, error)

	// Planner brings a task's messages up to date when someone closes,
	// snoozes or reassigns it (the Alerter's Planner); nil leaves them
	// as they were sent.
	Planner *Planner
}

// Scored is one account's fresh result beside its previous snapshot (the
// latest one before day, nil when there is none). After a full Rescore the
// previous snapshot is its head only (models.PreviousSnapshotHeads: no
// Subscores or Details); Alerter loads the full ones its messages show.
type Scored struct {
	Account  models.Account
	Result   scoring.Result
	Previous *models.Snapshot
	// Recency is what the plays' state triggers read beyond the result,
	// taken from the signals the result was scored from.
	Recency Recency
	// Config is the config of the account's profile, which it was scored
	// with: what the plays' state triggers, the red-pulse alert and the
	// stale pulses of /health home judge it by (nil: the top level's).
	Config *scoring.Config
}

// Recency is when an account was last touched and pulsed.
type Recency struct {
	LastTouch        *time.Time // day of the latest touch; nil when never touched
	LastPulse        *time.Time // day of the latest pulse; nil when never pulsed
	TouchesConnected bool       // some touch is stored for the organisation
}

// scoredOf scores an account from its signals with its profile's model,
// keeping their recency.
func scoredOf(eff *scoring.Effective, acc models.Account, sig scoring.Signals) Scored {
	sc := Scored{Account: acc, Result: eff.Score(sig), Config: &eff.Config}
	sc.Recency = Recency{LastTouch: sig.LastTouch, TouchesConnected: sig.Sources.Touches}
	if sig.LatestPulse != nil {
		d := sig.LatestPulse.Day
		sc.Recency.LastPulse = &d
	}
	return sc
}

// Run parses a command line in the chat grammar and executes it. A line the
// grammar rejects yields an ephemeral Reply that says what is wrong, not an
// error; errors are internal failures only.
func (s *Service) Run(ctx context.Context, caller Caller, line string) (Reply, error) {
	// Alert buttons (acknowledge, snooze) are actions on an alert, not
	// commands a person types, so they bypass the chat grammar.
	if IsAlertAction(line) {
		if refusal, ok, err := s.Require(ctx, caller, RoleCSM, "acknowledge or snooze an alert"); !ok || err != nil {
			return refusal, err
		}
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

// execute runs the row of the command table that cmd names: it checks
// the caller's role against the row's (Spec.Role), runs the handler with
// the caller's Role set, and keeps an answer that may show MRR private
// unless the caller asked for it in public (Spec.MRR).
func (s *Service) execute(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	row, ok := SpecOf(cmd)
	if !ok {
		return s.unknown(ctx, caller, cmd)
	}
	role, err := s.RoleOf(ctx, caller)
	if err != nil {
		return Reply{}, fmt.Errorf("role of %s:%s: %w", caller.Platform, caller.UserID, err)
	}
	caller.Role = role
	if refusal, ok, err := s.Require(ctx, caller, row.need(), row.doing()); !ok || err != nil {
		return refusal, err
	}
	reply, err := row.run(s, ctx, caller, cmd)
	if err != nil {
		return reply, err
	}
	reply.Buttons = pressable(reply.Buttons, role)
	for i := range reply.Sections {
		reply.Sections[i].Buttons = pressable(reply.Sections[i].Buttons, role)
	}
	return row.private(reply, cmd), nil
}

// pressable keeps the buttons role may press: a viewer's card has no
// pulse buttons, which would only answer that they may not.
func pressable(buttons []Button, role Role) []Button {
	var keep []Button
	for _, b := range buttons {
		need := RoleCSM // alert actions record something
		if !IsAlertAction(b.Action) {
			c, err := Parse(b.Action)
			row, ok := SpecOf(c)
			if err == nil && ok {
				need = row.need()
			}
		}
		if role.AtLeast(need) {
			keep = append(keep, b)
		}
	}
	return keep
}

// unknown answers a command the table does not have. An action missing
// from a group is refused, before its actions are named, to whoever may
// run none of them (non-admins, in /health admin).
func (s *Service) unknown(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	switch {
	case len(rowsOf(cmd.Verb)) == 0:
		return userError(fmt.Sprintf("I don't know the command %q. %s", cmd.Verb, helpHint)), nil
	case !isGroup(cmd.Verb, cmd.Sub):
		return userError(fmt.Sprintf("/%s has no sub-command %q. %s", cmd.Verb, cmd.Sub, helpHint)), nil
	}
	if refusal, ok, err := s.Require(ctx, caller, groupNeed(cmd.Verb, cmd.Sub), "use /"+cmd.Verb+" "+cmd.Sub); !ok || err != nil {
		return refusal, err
	}
	return userError(fmt.Sprintf("/%s %s has no action %q: use %s. %s", cmd.Verb, cmd.Sub, cmd.Action, orList(groupActions(cmd.Verb, cmd.Sub)), helpHint)), nil
}

const helpHint = "/health help lists the commands."

// userError is the reply to a request the user can correct.
func userError(text string) Reply {
	return Reply{Ephemeral: true, Text: text}
}

// model is the health model the service scores with: Model, or Config
// alone when Model is nil.
func (s *Service) model() *scoring.Model {
	if s.Model != nil {
		return s.Model
	}
	m := scoring.ModelOf(s.Config)
	return &m
}

// configOf is the config of acc's profile: its reason codes, windows and
// bands.
func (s *Service) configOf(acc models.Account) *scoring.Config {
	return &s.model().For(acc.Segment, acc.Plan).Config
}

// configOr is sc's profile config, or top when it has none.
func (sc Scored) configOr(top *scoring.Config) *scoring.Config {
	if sc.Config != nil {
		return sc.Config
	}
	return top
}

// scoreAccount scores one account as of day with its profile's model,
// inside store (the service's store or a transaction of it), and returns
// the signals it was scored from.
func (s *Service) scoreAccount(ctx context.Context, store *models.Store, acc models.Account, day time.Time) (Scored, scoring.Signals, error) {
	eff := s.model().For(acc.Segment, acc.Plan)
	sig, err := store.Signals(ctx, eff.Config, acc.ID, day)
	if err != nil {
		return Scored{}, sig, err
	}
	return scoredOf(eff, acc, sig), sig, nil
}

// score is scoreAccount's result.
func (s *Service) score(ctx context.Context, store *models.Store, acc models.Account, day time.Time) (scoring.Result, scoring.Signals, error) {
	sc, sig, err := s.scoreAccount(ctx, store, acc, day)
	return sc.Result, sig, err
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
