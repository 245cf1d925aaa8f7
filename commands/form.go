package commands

import (
	"slices"
	"strconv"
	"strings"
)

// Form IDs, as set on Form.ID and read back by FormCommand.
const (
	FormPulse    = "pulse"
	FormTouch    = "touch"
	FormReassign = "reassign" // a task's new owner; Hidden "task" is its number
)

// FormCommand turns a submitted Form's values back into a Command. f is the
// form as sent (its ID, Account and Hidden values travel with it through
// the platform); values are the submitted inputs by field name. Its error
// is a sentence for the user. Reason codes are checked by the handler,
// which knows the configuration.
func FormCommand(f Form, values map[string]string) (Command, error) {
	get := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(values[n]); v != "" {
				return v
			}
			if v := strings.TrimSpace(f.Hidden[n]); v != "" {
				return v
			}
		}
		return ""
	}
	if strings.TrimSpace(f.Account) == "" {
		return Command{}, inputError("This form lost track of its account; start again from the account's card.")
	}
	note := get("note")
	if len([]rune(note)) > maxNote {
		return Command{}, inputErrorf("That note is too long: keep it under %d characters.", maxNote)
	}
	switch f.ID {
	case FormPulse:
		colour := strings.ToLower(get("colour", "color"))
		if !slices.Contains(pulseColours, colour) {
			return Command{}, inputError("Pick a colour: red, yellow or green.")
		}
		reason := strings.ToLower(get("reason"))
		if colour == "red" && reason == "" {
			return Command{}, inputError("A red pulse needs a reason: pick one.")
		}
		return Command{Verb: VerbPulse, Account: f.Account, Colour: colour, Reason: reason, Note: note}, nil
	case FormTouch:
		kind := strings.ToLower(get("kind"))
		if !slices.Contains(touchKindWords, kind) {
			return Command{}, inputErrorf("Pick a kind of touch: %s.", orList(touchKindWords))
		}
		return Command{Verb: VerbTouch, Account: f.Account, Kind: kind, Exec: truthy(get("exec")), Note: note}, nil
	case FormReassign:
		id, err := strconv.ParseUint(strings.TrimPrefix(get("task"), "#"), 10, 32)
		if err != nil || id == 0 {
			return Command{}, inputError("This form lost track of its task; start again from the task's message.")
		}
		who := get("handle")
		if who == "" {
			return Command{}, inputError("Name the task's new owner: a CSM handle.")
		}
		cmd := Command{Verb: VerbHealth, Sub: HealthTasks, Action: TasksReassign, Task: uint(id)}
		setOwner(&cmd, who)
		return cmd, nil
	}
	return Command{}, inputErrorf("I don't know the form %q; start again from the account's card.", f.ID)
}

// truthy reads a checkbox value as platforms send it.
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "yes", "1", "exec", "checked", "y":
		return true
	}
	return false
}
