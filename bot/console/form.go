package console

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/healthbot/healthbot/commands"
)

// cancelWord abandons a form being filled in.
const cancelWord = "/cancel"

// ask fills a form field by field: a select offers numbered options, a
// checkbox takes y/n, a text field takes the line as typed. A required field
// left empty is asked again. ok is false when the user cancelled or the
// input ended.
func (s *Session) ask(ctx context.Context, f commands.Form) (values map[string]string, ok bool, err error) {
	title := f.Title
	if title == "" {
		title = "Form"
	}
	if err := s.say(title + " (type " + cancelWord + " to stop)"); err != nil {
		return nil, false, err
	}
	values = make(map[string]string, len(f.Hidden)+len(f.Fields))
	for k, v := range f.Hidden {
		values[k] = v
	}
	for _, field := range f.Fields {
		v, ok, err := s.askField(ctx, field)
		if err != nil || !ok {
			if err == nil {
				err = s.say("Cancelled: nothing was recorded.")
			}
			return nil, false, err
		}
		values[field.Name] = v
	}
	return values, true, nil
}

// askField asks one field until its answer is acceptable.
func (s *Session) askField(ctx context.Context, field commands.FormField) (string, bool, error) {
	label := field.Label
	if label == "" {
		label = field.Name
	}
	if !field.Required && field.Kind != commands.FieldCheckbox {
		label += " (optional)"
	}
	for {
		if err := s.say(label + fieldHint(field)); err != nil {
			return "", false, err
		}
		line, ok := s.next(ctx, "  > ")
		if !ok || strings.EqualFold(line, cancelWord) {
			return "", false, nil
		}
		v, problem := parseAnswer(field, line)
		if problem == "" {
			return v, true, nil
		}
		if err := s.say(problem); err != nil {
			return "", false, err
		}
	}
}

// fieldHint lists a select's options or a checkbox's y/n after its label.
func fieldHint(field commands.FormField) string {
	switch field.Kind {
	case commands.FieldSelect:
		var b strings.Builder
		b.WriteString(":")
		for i, o := range field.Options {
			fmt.Fprintf(&b, "\n  %d) %s", i+1, optionLabel(o))
		}
		return b.String()
	case commands.FieldCheckbox:
		return " [y/n]:"
	default:
		if field.Placeholder != "" {
			return " — " + field.Placeholder
		}
		return ":"
	}
}

func optionLabel(o commands.Option) string {
	if o.Label == "" || o.Label == o.Value {
		return o.Value
	}
	return o.Label
}

// parseAnswer turns a typed line into the field's value, or says what is wrong.
func parseAnswer(field commands.FormField, line string) (value, problem string) {
	switch field.Kind {
	case commands.FieldSelect:
		if line == "" {
			if field.Required {
				return "", "Please choose one: type its number."
			}
			return "", ""
		}
		if n, err := strconv.Atoi(line); err == nil {
			if n >= 1 && n <= len(field.Options) {
				return field.Options[n-1].Value, ""
			}
			return "", fmt.Sprintf("Type a number from 1 to %d.", len(field.Options))
		}
		for _, o := range field.Options {
			if strings.EqualFold(line, o.Value) || strings.EqualFold(line, o.Label) {
				return o.Value, ""
			}
		}
		return "", "That is not one of the choices: type its number."
	case commands.FieldCheckbox:
		switch strings.ToLower(line) {
		case "y", "yes", "true":
			return "true", ""
		case "n", "no", "false", "":
			if line == "" && field.Required {
				return "", "Please answer y or n."
			}
			return "false", ""
		}
		return "", "Please answer y or n."
	default:
		if line == "" && field.Required {
			return "", "This one is required: please type a value."
		}
		if field.MaxLength > 0 && len([]rune(line)) > field.MaxLength {
			return "", fmt.Sprintf("That is too long: at most %d characters.", field.MaxLength)
		}
		return line, ""
	}
}
