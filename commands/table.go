package commands

import (
	"context"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/commands/connector"
)

// The command table: every command a person can run, one row each. The
// typed grammar (Parse), the dispatch (Service.Execute), the help text,
// the commands registered on platforms that declare them (SlashCommands,
// for Discord), which answers are private, which need an admin and which
// presses redraw a card are all read from it, so a command is described
// once.
//
// # Adding a command
//
// A command is one row here and one handler file. For example
// "/health ACCOUNT why [DAYS]" (what moved the score over DAYS days):
//
//	// in table, with the other /health rows:
//	{Verb: VerbHealth, Sub: "why", Words: "why", AfterAccount: true,
//		Usage: "/health ACCOUNT why [DAYS]", Help: "what moved the score, and why",
//		Slash: "What moved an account's score over the last days",
//		Params: []Param{accountParam("The account"), daysParam},
//		Private: true, parse: parseDays, run: (*Service).why},
//
//	// health_why.go: the handler, and what the row's parse and options use.
//	func (s *Service) why(ctx context.Context, caller Caller, cmd Command) (Reply, error) { … }
//
// The parser then reads "/health acme why 30" as Command{Verb: "health",
// Sub: "why", Account: "acme", Days: 30}, Discord registers
// "/health why account days" and builds the same Command from it, the help
// lists the usage line, and Execute runs why. A sub-command with words of
// its own sets Words ("renewals" for "/health renewals 60"; "tasks mine"
// for "/health tasks mine"); an admin action is a row with Sub HealthAdmin,
// its Action set and AdminOnly ("/health admin map …"). table_test.go adds
// such rows and checks every place they reach.
var table []Spec

// Spec is one row of the command table: a command, or a heading that
// describes a verb or a group of sub-commands on platforms that register
// commands (Discord shows the description of /health and of /health admin).
type Spec struct {
	// Verb is the slash command: VerbHealth, VerbPulse, VerbTouch.
	Verb string
	// Sub and Action place the row in its verb as Command.Sub and
	// Command.Admin hold it: Sub "list" is /health list; Sub "admin" with
	// Action "csm" is /health admin csm. A verb without sub-commands
	// (/pulse) has one row with neither.
	Sub, Action string

	// Words are the keywords typed after the verb that choose the row
	// ("list", "admin csm"), or after the account with AfterAccount
	// (/health ACCOUNT why). A verb's rows without Words are its bare form
	// (no parse: "/health") and the form that reads every word
	// ("/health ACCOUNT", "/pulse ACCOUNT COLOUR …").
	Words        string
	AfterAccount bool

	// Usage and Help are the row's line in /health help: "Usage — Help".
	// A row without Help is left out of it.
	Usage, Help string
	// Slash describes the row where commands are registered (Discord; at
	// most 100 characters). SlashName is its name there when that is
	// neither Action nor Sub: "help" for a group's bare row, since
	// Discord cannot run a group by itself as "/health admin" is typed.
	Slash, SlashName string
	// Params are the row's arguments as typed options (Discord), the
	// required ones first.
	Params []Param

	Private   bool // only the caller sees the answer
	AdminOnly bool // only healthbot admins (HEALTHBOT_ADMINS) may run it
	Redraw    bool // pressed on a card, a successful answer redraws the account's card (Press)
	Heading   bool // describes a verb or group; runs nothing

	// parse reads the typed arguments into cmd, which already names the
	// row. nil: the row takes no arguments, and matches only when no word
	// follows its Words.
	parse func(cmd *Command, in typed) error
	run   handler
}

// handler runs a parsed command.
type handler func(s *Service, ctx context.Context, caller Caller, cmd Command) (Reply, error)

// ParamType is what an option holds, as platforms with typed options
// (Discord) offer it.
type ParamType int

// Param types.
const (
	ParamString  ParamType = iota + 1 // text
	ParamInteger                      // a whole number
	ParamBool                         // yes or no
	ParamUser                         // a chat user, picked from a list: the value is the user id
	ParamChannel                      // a text channel, picked from a list: the value is the channel id
)

// Param names shared by several commands.
const (
	ParamAccount = "account"
	paramNote    = "note"
	paramHandle  = "handle"
)

// Param is one argument of a command where arguments are typed options.
// Param names are part of the interface: people type them.
type Param struct {
	Name        string
	Type        ParamType
	Description string // at most 100 characters
	Required    bool
	Choices     []string // the only values allowed, offered as a list
	Accounts    bool     // account names are suggested as it is typed
	MaxLength   int      // of text; 0 leaves the platform's limit

	// set puts a value, as the platform sends it (a string, a bool, a
	// number), into the Command.
	set func(cmd *Command, v any)
}

func init() {
	table = []Spec{
		{Verb: VerbHealth, Heading: true, Slash: "Customer health: an account's card, your accounts, lists, the summary"},
		{Verb: VerbHealth, Sub: HealthShow, Usage: "/health ACCOUNT",
			Help:    "the account's card: score, trend, components, what would raise it",
			Slash:   "An account's card: score, trend, components, what would raise it",
			Params:  []Param{accountParam("The account: slug, name or the start of one")},
			Private: true, parse: parseShow, run: (*Service).healthShow},
		{Verb: VerbHealth, Sub: HealthMine, Usage: "/health",
			Help:    "your accounts, worst first (everyone's when you own none)",
			Slash:   "Your accounts, worst first (everyone's when you own none)",
			Private: true, run: (*Service).healthMine},
		{Verb: VerbHealth, Sub: HealthList, Words: HealthList, Usage: "/health list [" + strings.Join(statusWords, "|") + "]",
			Help:  "accounts in a status, worst first, with MRR",
			Slash: "Accounts in a status, worst first, with MRR",
			Params: []Param{{Name: "status", Type: ParamString, Description: "Only this status (all when empty)",
				Choices: statusWords, set: setText(func(c *Command) *string { return &c.Status })}},
			Private: true, parse: parseList, run: (*Service).healthList},
		{Verb: VerbHealth, Sub: HealthSummary, Words: HealthSummary, Usage: "/health summary",
			Help: "the weekly summary, now", Slash: "The weekly health summary, now",
			run: func(s *Service, ctx context.Context, caller Caller, _ Command) (Reply, error) {
				return s.Summary(ctx, caller)
			}},
		{Verb: VerbHealth, Sub: HealthHelp, Words: HealthHelp, Usage: "/health help",
			Help: "this list", Slash: "The commands and how to use them",
			Private: true, run: (*Service).help},
		{Verb: VerbPulse, Usage: "/pulse ACCOUNT " + strings.Join(pulseColours, "|") + " [REASON] [NOTE…]",
			Help:  "record your read of the account; red asks for a reason",
			Slash: "Record your read of an account: red, yellow or green",
			Params: []Param{
				accountParam("The account"),
				{Name: "color", Type: ParamString, Description: "Your read", Required: true, Choices: pulseColours,
					set: setText(func(c *Command) *string { return &c.Colour })},
				{Name: "reason", Type: ParamString, Description: "Reason code (a red pulse needs one)", MaxLength: 64,
					set: setText(func(c *Command) *string { return &c.Reason })},
				noteParam,
			},
			Redraw: true, parse: parsePulse, run: (*Service).pulse},
		{Verb: VerbTouch, Usage: "/touch ACCOUNT " + strings.Join(touchKindWords, "|") + " [--exec] [NOTE…]",
			Help:  "log a touch; --exec: the executive sponsor was there",
			Slash: "Log a touch with an account",
			Params: []Param{
				accountParam("The account"),
				{Name: "kind", Type: ParamString, Description: "What kind of touch", Required: true, Choices: touchKindWords,
					set: setText(func(c *Command) *string { return &c.Kind })},
				{Name: "exec", Type: ParamBool, Description: "The executive sponsor was there",
					set: func(c *Command, v any) { c.Exec, _ = v.(bool) }},
				noteParam,
			},
			Redraw: true, parse: parseTouch, run: (*Service).touch},
		{Verb: VerbHealth, Sub: HealthIAm, Words: HealthIAm, Usage: "/health iam HANDLE",
			Help:  "say which CSM you are (the handle in your accounts' owner column), so /health lists your accounts",
			Slash: "Say which CSM you are, so /health mine lists your accounts",
			Params: []Param{{Name: paramHandle, Type: ParamString, Required: true, MaxLength: 64,
				Description: "Your CSM handle: the name in your accounts' owner column", set: setHandle}},
			Private: true, parse: parseIAm, run: (*Service).iam},

		{Verb: VerbHealth, Sub: HealthAdmin, Heading: true, Slash: "Admins: map CSMs to users, route alerts, set owners"},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminCSM, Words: "admin csm", Usage: "/health admin csm HANDLE @user",
			Help:  "admins: map a chat user to a CSM (created when new); slack:ID or discord:ID maps another platform's user",
			Slash: "Admins: this Discord user is the CSM with this handle (created when new)",
			Params: []Param{
				handleParam("The CSM handle, as in the accounts' owner column", setHandle),
				{Name: "user", Type: ParamUser, Description: "The Discord user", Required: true,
					set: setText(func(c *Command) *string { return &c.User })},
			},
			Private: true, AdminOnly: true, parse: parseAdminCSM, run: (*Service).adminCSM},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminChannel, Words: "admin channel", Usage: "/health admin channel ACCOUNT #channel|default",
			Help:  "admins: where the account's alerts go on this platform",
			Slash: "Admins: where the account's alerts go on Discord",
			Params: []Param{
				accountParam("The account"),
				// Left out, it is "default", as typed.
				{Name: "channel", Type: ParamChannel, Description: "The channel; leave it out to go back to the default routing",
					set: setText(func(c *Command) *string { return &c.Channel })},
			},
			Private: true, AdminOnly: true, parse: parseAdminChannel, run: (*Service).adminChannel},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminOwner, Words: "admin owner", Usage: "/health admin owner ACCOUNT HANDLE|@user|none",
			Help:  "admins: the account's owner CSM",
			Slash: "Admins: the account's owner CSM",
			Params: []Param{
				accountParam("The account"),
				handleParam("The owner's CSM handle (created when new), or none", setOwner),
			},
			Private: true, AdminOnly: true, parse: parseAdminOwner, run: (*Service).adminOwner},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminMap, Words: "admin map", Usage: "/health admin map ACCOUNT SOURCE ID",
			Help:  "admins: map a connector's id for a customer (" + strings.Join(connector.Sources, ", ") + ") to the account, and apply its waiting events",
			Slash: "Admins: map a Stripe, Segment, Zendesk, HubSpot or Intercom id to an account",
			Params: []Param{
				accountParam("The account"),
				{Name: "source", Type: ParamString, Description: "The connector", Required: true, Choices: connector.Sources,
					set: setText(func(c *Command) *string { return &c.Source })},
				{Name: "id", Type: ParamString, Description: "The source's id for the customer (cus_…, a company id)", Required: true, MaxLength: 255,
					set: setText(func(c *Command) *string { return &c.SourceID })},
			},
			Private: true, AdminOnly: true, parse: parseAdminMap, run: (*Service).adminMap},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminUnmapped, Words: "admin unmapped", Usage: "/health admin unmapped",
			Help: "admins: connector events waiting for a mapping, per source and id", Slash: "Admins: connector events waiting for a mapping",
			Private: true, AdminOnly: true, run: (*Service).adminUnmapped},
		{Verb: VerbHealth, Sub: HealthAdmin, Words: HealthAdmin, Usage: "/health admin",
			SlashName: "help", Slash: "The admin commands, and whether you may run them",
			Private: true, run: (*Service).adminHelp},
	}
}

// statusWords are the statuses /health list filters on, in the order
// they are offered.
var statusWords = []string{"healthy", "stable", "at-risk", "critical"}

func accountParam(description string) Param {
	return Param{Name: ParamAccount, Type: ParamString, Description: description, Required: true, Accounts: true, MaxLength: 200,
		set: setText(func(c *Command) *string { return &c.Account })}
}

var noteParam = Param{Name: paramNote, Type: ParamString, Description: "A note to keep with it", MaxLength: maxNote,
	set: setText(func(c *Command) *string { return &c.Note })}

func handleParam(description string, set func(*Command, any)) Param {
	return Param{Name: paramHandle, Type: ParamString, Description: description, Required: true, MaxLength: 64, set: set}
}

// setText makes the setter of a text option stored in the field at.
func setText(at func(*Command) *string) func(*Command, any) {
	return func(c *Command, v any) { *at(c) = paramText(v) }
}

// paramText is a text option's value, trimmed; "" when it is not text.
func paramText(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// setHandle reads a handle option as the grammar reads a typed handle.
func setHandle(c *Command, v any) { c.Handle = handleWord(paramText(v)) }

// setOwner reads the owner's handle option: a mention typed in the box
// names the CSM by chat user, as it does in the typed line.
func setOwner(c *Command, v any) {
	if h := paramText(v); UserRef(h) != handleWord(h) {
		c.User = UserRef(h)
	} else {
		c.Handle = handleWord(h)
	}
}

// command is the Command that names the row, before its arguments.
func (r Spec) command() Command {
	return Command{Verb: r.Verb, Sub: r.Sub, Admin: r.Action}
}

// bare reports whether the row is its verb's bare form: no words, no
// arguments ("/health").
func (r Spec) bare() bool { return r.Words == "" && r.parse == nil }

// rowsOf lists the commands of verb (headings left out), in table order.
func rowsOf(verb string) []Spec {
	var out []Spec
	for _, r := range table {
		if r.Verb == verb && !r.Heading {
			out = append(out, r)
		}
	}
	return out
}

// isGroup reports whether sub is a group of verb: a sub-command holding
// sub-commands of its own (/health admin).
func isGroup(verb, sub string) bool {
	for _, r := range table {
		if r.Heading && r.Verb == verb && r.Sub == sub && sub != "" {
			return true
		}
	}
	return false
}

// hasSubs reports whether verb has sub-commands (/health), rather than
// being one command (/pulse).
func hasSubs(verb string) bool {
	for _, r := range rowsOf(verb) {
		if r.Sub != "" {
			return true
		}
	}
	return false
}

// slashVerbs are the verbs as typed: "/health", "/pulse", "/touch".
func slashVerbs() []string {
	var out []string
	for _, r := range table {
		if v := "/" + r.Verb; !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// SpecOf finds the row that runs cmd. A verb without sub-commands ignores
// Sub; an empty Sub is the verb's bare form ("/health" is /health mine);
// inside a group Admin names the row, "" being the group's bare row.
func SpecOf(cmd Command) (Spec, bool) {
	rows := rowsOf(cmd.Verb)
	if !hasSubs(cmd.Verb) {
		if len(rows) == 1 {
			return rows[0], true
		}
		return Spec{}, false
	}
	for _, r := range rows {
		switch {
		case cmd.Sub == "":
			if r.bare() {
				return r, true
			}
		case r.Sub == cmd.Sub && (r.Action == cmd.Admin || !isGroup(r.Verb, r.Sub)):
			return r, true
		}
	}
	return Spec{}, false
}

// groupActions are the actions of a group, as typed after its word.
func groupActions(verb, sub string) []string {
	var out []string
	for _, r := range rowsOf(verb) {
		if r.Sub == sub && r.Action != "" {
			out = append(out, r.Action)
		}
	}
	return out
}
