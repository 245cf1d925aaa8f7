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

// pulse answers "/pulse ACCOUNT COLOUR [REASON] [NOTE…]": it records the
// pulse, rescores the account and says what was recorded and the new score.
// A red pulse without a reason is answered with a form asking for one.
func (s *Service) pulse(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	colour := strings.ToLower(cmd.Colour)
	if !slices.Contains(pulseColours, colour) {
		return userError("/pulse needs a colour: red, yellow or green. Example: " + examplePulse), nil
	}
	if len([]rune(cmd.Note)) > maxNote {
		return userError(fmt.Sprintf("That note is too long: keep it under %d characters.", maxNote)), nil
	}
	day := s.today()
	acc, reply, err := resolve(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	reason := strings.ToLower(strings.TrimSpace(cmd.Reason))
	codes := s.Config.ReasonCodes
	if reason != "" && len(codes) > 0 && !slices.Contains(codes, reason) {
		return userError(fmt.Sprintf("'%s' is not a reason code. Use one of: %s (any words after the code are kept as a note). Example: /pulse %s %s %s",
			cmd.Reason, strings.Join(codes, ", "), acc.Slug, colour, codes[0])), nil
	}
	if colour == scoring.Red && reason == "" {
		return Reply{
			Ephemeral: true,
			Text:      fmt.Sprintf("A red pulse for %s needs a reason. Pick one, or type it: /pulse %s red REASON [NOTE…]", acc.Name, acc.Slug),
			Form:      s.pulseForm(*acc, colour),
		}, nil
	}

	now := s.now()
	p := models.Pulse{AccountID: acc.ID, At: now, Colour: colour, Reason: reason, Note: strings.TrimSpace(cmd.Note), By: recordedBy(caller), ByID: recordedByID(caller)}
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
	for _, c := range s.Config.ReasonCodes {
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
	sig, err := store.Signals(ctx, s.Config, acc.ID, day)
	if err != nil {
		return scoring.Result{}, fmt.Errorf("score %s: %w", acc.Slug, err)
	}
	return scoring.Score(s.Config, sig), nil
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
