package commands

// Reply is a platform-neutral message. Adapters render it as Slack Block
// Kit, a Discord embed with components, or terminal text. Its text is
// plain: adapters add their own emphasis and escaping. The one piece of
// markup it carries is a Mention of a user or channel, written by
// Mention.String in the "<@ID>" / "<#ID>" form Slack and Discord share and
// read back by Spans, which each adapter renders its own way (the console
// as a name).
type Reply struct {
	Ephemeral bool   // only the caller sees it
	Replace   bool   // update the message the action came from instead of posting anew
	Colour    string // status colour: "green" Healthy, "yellow" Stable, "orange" At-risk, "red" Critical, "grey" no data / neutral
	Title     string // header line, e.g. "Acme Corp — 72 Stable ▲3 (7d)"
	Text      string // lead paragraph
	Sections  []Section
	Context   []string // small secondary lines (latest pulse, last touch, …)
	Buttons   []Button
	Form      *Form // when set, the platform asks the user for input (a modal)
	// Charts are pictures that go with the answer to a command. Each
	// platform draws them (bot/chart) and shows them its own way: shared
	// in the channel through Slack's file upload, attached to the message
	// on Discord, written to files the console names. (Queued messages
	// carry their one picture as the outbox row's attachment instead.)
	// Left out of the JSON when empty, so queued payloads read as before.
	Charts []Chart `json:",omitempty"`
}

// Section is a titled block of text and fields, with the buttons that
// act on what it shows (a task's Done, Snooze…), which adapters draw
// beside it where the platform can and after the whole message where it
// cannot (Discord), so their labels name what they act on.
type Section struct {
	Title   string
	Text    string
	Fields  []Field
	Buttons []Button `json:",omitempty"` // omitted, payloads stored before sections had buttons read the same
}

// AllButtons lists every button of the reply in the order it is shown:
// each section's, then the reply's own. A platform that numbers buttons
// (the console) numbers them in this order.
func (r Reply) AllButtons() []Button {
	var out []Button
	for _, s := range r.Sections {
		out = append(out, s.Buttons...)
	}
	return append(out, r.Buttons...)
}

// Field is a label and its value, e.g. "usage" / "weekly active · 67 · 20.1 pts".
type Field struct {
	Label string
	Value string
}

// Button styles.
const (
	StyleDefault = ""
	StylePrimary = "primary"
	StyleDanger  = "danger"
)

// Button is an action the user can press. Action is a command line in the
// chat grammar (e.g. "/pulse acme green"): pressing it runs the same
// handler as typing it, so a click and a typed command share one path.
type Button struct {
	Label  string
	Style  string
	Action string
}

// Form field kinds.
const (
	FieldSelect   = "select"
	FieldText     = "text"
	FieldCheckbox = "checkbox"
)

// Form asks the user for input (a Slack modal, a Discord modal, prompts on
// the console). Submitting it yields the values by field Name, which
// FormCommand turns back into a Command.
type Form struct {
	ID      string // "pulse" or "touch"
	Title   string
	Submit  string
	Account string            // the account slug the form is about
	Hidden  map[string]string // values carried through unchanged (e.g. colour)
	Fields  []FormField
}

// FormField is one input of a Form.
type FormField struct {
	Name        string
	Label       string
	Kind        string // FieldSelect, FieldText, FieldCheckbox
	Options     []Option
	Required    bool
	Placeholder string
	MaxLength   int
}

// Option is one choice of a select field.
type Option struct {
	Value string
	Label string
}
