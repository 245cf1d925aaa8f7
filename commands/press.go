package commands

import "context"

// Executor runs chat commands: *Service does, and adapter tests put a
// slow or failing stand-in in its place.
type Executor interface {
	// Run parses a command line in the chat grammar and executes it.
	Run(ctx context.Context, caller Caller, line string) (Reply, error)
	// Execute runs an already-parsed command (Discord options, form submissions).
	Execute(ctx context.Context, caller Caller, cmd Command) (Reply, error)
}

// Press is a button pressed on a message healthbot sent, or a submitted
// form (which a button or a command opened).
type Press struct {
	// Action is the pressed button's Action line.
	Action string
	// Form is the command a submitted form gave (FormCommand), in place
	// of Action.
	Form *Command
	// OnCard says the press came from one of healthbot's cards that the
	// platform can replace in place. The console, which cannot change
	// what it has printed, leaves it false.
	OnCard bool
}

// Pressed is what a press answers.
type Pressed struct {
	// Reply is the press's own answer: a confirmation, a form to fill,
	// an error, or (Reply.Replace) the alert it changed, to show in place
	// of the message pressed on.
	Reply Reply
	// Card is set when the press recorded something on an account from
	// its card: the card drawn afresh (new score, latest pulse), to
	// replace the card pressed on, led by Reply.Text.
	Card *Reply
}

// Replace reports whether the answer replaces the message pressed on.
func (p Pressed) Replace() bool { return p.Card != nil || p.Reply.Replace }

// Press runs a button press or a submitted form with the service; see
// RunPress.
func (s *Service) Press(ctx context.Context, caller Caller, p Press) (Pressed, error) {
	return RunPress(ctx, s, caller, p)
}

// RunPress runs a press with x: the button's line (or the form's command),
// then, when it recorded something on an account (a row that Redraws)
// and was pressed on a card, that account's card drawn afresh. An answer
// only the presser sees (a double click, an error) leaves the card alone,
// as does a card that cannot be drawn. Every adapter answers presses
// through here, so a click means the same on each.
func RunPress(ctx context.Context, x Executor, caller Caller, p Press) (Pressed, error) {
	var (
		reply  Reply
		err    error
		cmd    Command
		parsed bool
	)
	if p.Form != nil {
		cmd, parsed = *p.Form, true
		reply, err = x.Execute(ctx, caller, cmd)
	} else {
		reply, err = x.Run(ctx, caller, p.Action)
		if c, perr := Parse(p.Action); perr == nil {
			cmd, parsed = c, true
		}
	}
	out := Pressed{Reply: reply}
	if err != nil || !p.OnCard || !parsed || cmd.Account == "" || reply.Form != nil || reply.Replace || reply.Ephemeral {
		return out, err
	}
	if row, ok := SpecOf(cmd); !ok || !row.Redraw {
		return out, nil
	}
	card, err := x.Execute(ctx, caller, Command{Verb: VerbHealth, Sub: HealthShow, Account: cmd.Account})
	if err != nil || card.Title == "" || card.Form != nil {
		// The confirmation alone; Execute has logged what failed.
		return out, nil
	}
	out.Card = &card
	return out, nil
}
