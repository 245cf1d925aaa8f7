package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
)

// touch answers "/touch ACCOUNT KIND [--exec] [NOTE…]": it records the
// touch, rescores the account and says what was recorded and the new
// score. Without a kind it answers with a form asking for one.
func (s *Service) touch(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	kind := strings.ToLower(cmd.Kind)
	if kind != "" && !slices.Contains(touchKindWords, kind) {
		return userError(fmt.Sprintf("'%s' is not a kind of touch. Use one of: %s. Example: %s", cmd.Kind, orList(touchKindWords), exampleTouch)), nil
	}
	if len([]rune(cmd.Note)) > maxNote {
		return userError(fmt.Sprintf("That note is too long: keep it under %d characters.", maxNote)), nil
	}
	day := s.today()
	acc, reply, err := resolveAny(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	if churned, ok := churnDay(*acc, day); ok {
		return churnedReply(*acc, churned, "touch"), nil
	}
	if kind == "" {
		return Reply{
			Ephemeral: true,
			Text:      fmt.Sprintf("What kind of touch with %s? Pick one, or type it: /touch %s %s [--exec] [NOTE…]", acc.Name, acc.Slug, strings.Join(touchKindWords, "|")),
			Form:      touchForm(*acc),
		}, nil
	}

	now := s.now()
	t := models.Touch{AccountID: acc.ID, At: now, Kind: kind, Exec: cmd.Exec, Note: strings.TrimSpace(cmd.Note), By: recordedBy(caller), ByID: recordedByID(caller)}
	return record(ctx, s, *acc, day, now, recording[models.Touch]{
		op:       "touch",
		rec:      &t,
		latest:   (*models.Store).LastTouch,
		write:    (*models.Store).RecordTouch,
		stamp:    func(t models.Touch) (time.Time, string, string) { return t.At, t.By, t.ByID },
		same:     func(last, t models.Touch) bool { return last.Kind == t.Kind },
		describe: describeTouch,
		by:       actorOf(caller),
		audit: func(t models.Touch) (string, []models.Change) {
			exec := ""
			if t.Exec {
				exec = "yes"
			}
			return models.AuditTouch, setFields("kind", t.Kind, "exec sponsor", exec, "note", t.Note)
		},
	})
}

// describeTouch is "a call with Acme Corp (executive sponsor present; note: "…") by Maria".
func describeTouch(t models.Touch, account string) string {
	noun := t.Kind
	switch t.Kind {
	case "other":
		noun = "touch"
	case "qbr":
		noun = "QBR"
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		article = "an"
	}
	s := fmt.Sprintf("%s %s with %s", article, noun, account)
	var details []string
	if t.Exec {
		details = append(details, "executive sponsor present")
	}
	if t.Note != "" {
		details = append(details, fmt.Sprintf("note: %q", t.Note))
	}
	if len(details) > 0 {
		s += " (" + strings.Join(details, "; ") + ")"
	}
	if t.By != "" {
		s += " by " + t.By
	}
	return s
}

// touchForm asks for the kind of a touch, the sponsor flag and a note.
func touchForm(acc models.Account) *Form {
	kind := FormField{Name: "kind", Label: "Kind", Kind: FieldSelect, Required: true}
	for _, k := range touchKindWords {
		kind.Options = append(kind.Options, Option{Value: k, Label: kindLabel(k)})
	}
	return &Form{
		ID:      FormTouch,
		Title:   "Log touch: " + truncateRunes(acc.Name, 13),
		Submit:  "Log",
		Account: acc.Slug,
		Fields: []FormField{
			kind,
			{Name: "exec", Label: "Executive sponsor present", Kind: FieldCheckbox},
			{Name: "note", Label: "Note", Kind: FieldText, Placeholder: "What was discussed?", MaxLength: maxNote},
		},
	}
}

// kindLabel is a touch kind (models.TouchKinds) as a select shows it:
// capitalised, and the one acronym in capitals.
func kindLabel(kind string) string {
	if kind == "qbr" {
		return "QBR"
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}
