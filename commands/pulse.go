package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// duplicateWindow is how close a repeat of the same record by the same
// person must be to count as a double click rather than a new record.
const duplicateWindow = 60 * time.Second

// maxNote is the longest note the store keeps (Pulse.Note, Touch.Note).
const maxNote = 2000

// maxReason is the longest reason the store keeps (Pulse.Reason).
const maxReason = 64

// pulse answers "/pulse ACCOUNT COLOUR [REASON] [NOTE…]": it records the
// pulse, rescores the account and says what was recorded and the new score.
// A red pulse without a reason is answered with a form asking for one.
func (s *Service) pulse(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	colour := strings.ToLower(cmd.Colour)
	if !slices.Contains(pulseColours, colour) {
		return userError("/pulse needs a colour: red, yellow or green. Example: " + examplePulse), nil
	}
	day := s.today()
	acc, reply, err := resolveAny(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	if churned, ok := churnDay(*acc, day); ok {
		return churnedReply(*acc, churned, "pulse"), nil
	}
	reason, note, refusal := s.pulseReason(*acc, colour, cmd)
	if refusal != nil {
		return *refusal, nil
	}
	if len([]rune(note)) > maxNote {
		return userError(fmt.Sprintf("That note is too long: keep it under %d characters.", maxNote)), nil
	}
	if colour == scoring.Red && reason == "" {
		return Reply{
			Ephemeral: true,
			Text:      fmt.Sprintf("A red pulse for %s needs a reason. Pick one, or type it: /pulse %s red REASON [NOTE…]", acc.Name, acc.Slug),
			Form:      s.pulseForm(*acc, colour),
		}, nil
	}

	now := s.now()
	p := models.Pulse{AccountID: acc.ID, At: now, Colour: colour, Reason: reason, Note: note, By: recordedBy(caller), ByID: recordedByID(caller)}
	return record(ctx, s, *acc, day, now, recording[models.Pulse]{
		op:       "pulse",
		rec:      &p,
		latest:   (*models.Store).LatestPulse,
		write:    (*models.Store).RecordPulse,
		stamp:    func(p models.Pulse) (time.Time, string, string) { return p.At, p.By, p.ByID },
		same:     func(last, p models.Pulse) bool { return last.Colour == p.Colour },
		describe: describePulse,
		by:       actorOf(caller),
		audit: func(p models.Pulse) (string, []models.Change) {
			return models.AuditPulse, setFields("colour", p.Colour, "reason", p.Reason, "note", p.Note)
		},
	})
}

// pulseReason reads the reason and the note of a pulse from cmd.Reason
// (the words after the colour, or the reason a form or an option gave)
// and cmd.Note (a note given apart from them): the reason code it names,
// exactly or, on a red pulse, by a unique prefix, with the words after it
// leading the note. A red pulse whose words name no code, or could name
// several, is refused with the reply that says so (nothing is recorded);
// a red pulse without any words gets the form (reason ""). A yellow or
// green pulse whose words do not start with a code keeps them all as its
// note. With no reason codes configured, a red pulse's first word is its
// reason.
func (s *Service) pulseReason(acc models.Account, colour string, cmd Command) (reason, note string, refusal *Reply) {
	text := strings.TrimSpace(cmd.Reason)
	codes := s.configOf(acc).ReasonCodes // a profile may restate them
	red := colour == scoring.Red
	m := matchReason(text, codes, red)
	switch {
	case m.Code != "":
		reason, note = m.Code, m.Note
	case text == "":
		note = ""
	case len(m.Maybe) > 0:
		r := userError(fmt.Sprintf("'%s' could be %s: type more of it. Example: /pulse %s %s %s %s",
			firstWord(text), orList(m.Maybe), acc.Slug, colour, m.Maybe[0], restAfterFirst(text)))
		return "", "", &r
	case red && len(codes) > 0:
		r := userError(fmt.Sprintf("'%s' is not a reason code, and a red pulse starts with one: %s (the start of one will do). The words after the code are kept as the note, e.g. /pulse %s red %s %s",
			firstWord(text), strings.Join(codes, ", "), acc.Slug, codes[0], text))
		return "", "", &r
	case red:
		reason, note = strings.ToLower(firstWord(text)), restAfterFirst(text)
		if len(reason) > maxReason {
			r := userError(fmt.Sprintf("A reason is one word of at most %d characters, then the note. Example: /pulse %s red budget %s", maxReason, acc.Slug, text))
			return "", "", &r
		}
	default:
		note = text
	}
	if extra := strings.TrimSpace(cmd.Note); extra != "" {
		note = strings.TrimSpace(note + " " + extra)
	}
	return reason, note, nil
}

// firstWord is the first word of text, as typed.
func firstWord(text string) string {
	if w := splitWords(text); len(w) > 0 {
		return w[0].text
	}
	return ""
}

// restAfterFirst is text after its first word, verbatim.
func restAfterFirst(text string) string {
	w := splitWords(text)
	if len(w) < 2 {
		return ""
	}
	return strings.TrimSpace(text[w[1].start:])
}

// setFields are the changes of a record created: each named field with its
// value, those left empty left out. pairs is field, value, field, value….
func setFields(pairs ...string) []models.Change {
	var out []models.Change
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, models.Change{Field: pairs[i], New: pairs[i+1]})
		}
	}
	return out
}

// describePulse is "a red pulse for Acme Corp (reason: budget; note: "…") by Maria".
func describePulse(p models.Pulse, account string) string {
	s := fmt.Sprintf("a %s pulse for %s", p.Colour, account)
	var details []string
	if p.Reason != "" {
		details = append(details, "reason: "+p.Reason)
	}
	if p.Note != "" {
		details = append(details, fmt.Sprintf("note: %q", p.Note))
	}
	if len(details) > 0 {
		s += " (" + strings.Join(details, "; ") + ")"
	}
	if p.By != "" {
		s += " by " + p.By
	}
	return s
}

// pulseForm asks for the reason (and a note) of a red pulse. Titles stay
// within 24 characters, the shortest limit (Slack modals).
func (s *Service) pulseForm(acc models.Account, colour string) *Form {
	reason := FormField{Name: "reason", Label: "Reason", Kind: FieldSelect, Required: true}
	for _, c := range s.configOf(acc).ReasonCodes {
		reason.Options = append(reason.Options, Option{Value: c, Label: c})
	}
	if len(reason.Options) == 0 {
		reason.Kind, reason.MaxLength, reason.Placeholder = FieldText, 64, "one word, e.g. budget"
	}
	return &Form{
		ID:      FormPulse,
		Title:   "Red pulse: " + truncateRunes(acc.Name, 13),
		Submit:  "Record",
		Account: acc.Slug,
		Hidden:  map[string]string{"colour": colour},
		Fields: []FormField{
			reason,
			{Name: "note", Label: "Note", Kind: FieldText, Placeholder: "What is going on?", MaxLength: maxNote},
		},
	}
}

// scoreNow scores an account for day without writing anything, for replies
// that record nothing new.
func (s *Service) scoreNow(ctx context.Context, store *models.Store, acc models.Account, day time.Time) (scoring.Result, error) {
	r, _, err := s.score(ctx, store, acc, day)
	if err != nil {
		return scoring.Result{}, fmt.Errorf("score %s: %w", acc.Slug, err)
	}
	return r, nil
}

// sameAuthor reports whether two records were made by the same person: by
// platform user id when the new one has one (two people may share a
// display name, and one person may rename), by display name otherwise.
func sameAuthor(lastID, lastName, id, name string) bool {
	if id != "" {
		return lastID == id
	}
	return lastID == "" && lastName == name
}

// within reports whether t is less than d away from now, either side (a
// clock that stepped back must not let a double click through).
func within(now, t time.Time, d time.Duration) bool {
	diff := now.Sub(t)
	return diff < d && diff > -d
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
