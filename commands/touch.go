package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
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
	acc, reply, err := resolve(ctx, s.Store, day, cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	if kind == "" {
		return Reply{
			Ephemeral: true,
			Text:      fmt.Sprintf("What kind of touch with %s? Pick one, or type it: /touch %s call|email|meeting|chat|qbr|other [--exec] [NOTE…]", acc.Name, acc.Slug),
			Form:      touchForm(*acc),
		}, nil
	}

	now := s.now()
	t := models.Touch{AccountID: acc.ID, At: now, Kind: kind, Exec: cmd.Exec, Note: strings.TrimSpace(cmd.Note), By: recordedBy(caller), ByID: recordedByID(caller)}
	var (
		res scoring.Result
		dup *models.Touch
	)
	err = s.Store.WithTx(ctx, func(tx *models.Store) error {
		if err := lockAccount(ctx, tx, acc.ID); err != nil {
			return err
		}
		last, err := tx.LastTouch(ctx, acc.ID)
		switch {
		case err == nil && sameAuthor(last.ByID, last.By, t.ByID, t.By) && last.Kind == t.Kind && within(now, last.At, duplicateWindow):
			dup = &last
			res, err = s.scoreNow(ctx, tx, *acc, day)
			return err
		case err != nil && !errors.Is(err, models.ErrNotFound):
			return err
		}
		if err := tx.RecordTouch(ctx, &t); err != nil {
			return err
		}
		res, err = s.rescoreAccount(ctx, tx, *acc, day)
		return err
	})
	if err != nil {
		return Reply{}, fmt.Errorf("touch %s: %w", acc.Slug, err)
	}
	if dup != nil {
		return Reply{
			Ephemeral: true,
			Colour:    resultColour(res),
			Text: fmt.Sprintf("Already recorded %s: %s. Score now %s.",
				fmtAgo(now, dup.At), describeTouch(*dup, acc.Name), scoreSentence(res)),
		}, nil
	}
	return Reply{
		Colour: resultColour(res),
		Text:   fmt.Sprintf("Recorded %s. Score now %s.", describeTouch(t, acc.Name), scoreSentence(res)),
	}, nil
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
		kind.Options = append(kind.Options, Option{Value: k, Label: kindLabels[k]})
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

// kindLabels are the touch kinds as a select shows them.
var kindLabels = map[string]string{
	"call": "Call", "email": "Email", "meeting": "Meeting", "chat": "Chat", "qbr": "QBR", "other": "Other",
}
