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
// for Discord), which answers are private, who may run each command (the
// least Role: a typed command, a Discord option and a button press are
// all checked against its row) and which presses redraw a card are all
// read from it, so a command is described once.
//
// # Adding a command
//
// A command is one row here and one handler file. For example
// "/health ACCOUNT why [DAYS]" (what moved the score over DAYS days):
//
//	// in table, with the other /health rows:
//	{Verb: VerbHealth, Sub: HealthWhy, Words: HealthWhy, AfterAccount: true,
//		Usage: "/health ACCOUNT why [DAYS]", Help: "what moved the score …",
//		Slash: "What moved an account's score over the last days, …",
//		Params: []Param{accountParam("The account"), daysParam("How many days back …")},
//		Role: RoleViewer, Private: true, parse: parseDays, run: (*Service).why},
//
//	// health_why.go: the handler, and what it alone uses.
//	func (s *Service) why(ctx context.Context, caller Caller, cmd Command) (Reply, error) { … }
//
// The parser then reads "/health acme why 30" as Command{Verb: "health",
// Sub: "why", Account: "acme", Days: 30}, Discord registers
// "/health why account days" and builds the same Command from it, the help
// lists the usage line, and Execute runs why. A sub-command with words of
// its own sets Words ("renewals" for "/health renewals 60"; "tasks mine"
// for "/health tasks mine"); an admin action is a row with Sub HealthAdmin,
// its Action set and Role RoleAdmin ("/health admin map …"). Every row
// names its Role: RoleViewer for what reads, RoleCSM for what records
// (with Doing, for the refusal: "record a pulse"), RoleAdmin for
// configuration; a row that names none is for admins only. A row whose
// answer may show MRR sets MRR: the answer is private unless the caller
// adds "public", and a viewer's shows no MRR (the handler reads
// caller.Role.SeesMRR()). table_test.go adds such rows and checks every
// place they reach.
var table []Spec

// Spec is one row of the command table: a command, or a heading that
// describes a verb or a group of sub-commands on platforms that register
// commands (Discord shows the description of /health and of /health admin).
type Spec struct {
	// Verb is the slash command: VerbHealth, VerbPulse, VerbTouch.
	Verb string
	// Sub and Action place the row in its verb as Command.Sub and
	// Command.Action hold it: Sub "list" is /health list; Sub "admin" with
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

	// Role is the least role that may run the row (RoleViewer for what
	// reads, RoleCSM for what records, RoleAdmin for configuration); ""
	// is admins only. Doing says what the row does, for the refusal
	// ("Only CSMs, managers and admins can record a pulse; …").
	Role  Role
	Doing string

	Private bool // only the caller sees the answer
	// MRR says the answer may show MRR: it is private unless the caller
	// asks for it in public (a trailing "public"; Discord's public
	// option), and handlers leave MRR out for a caller who may not see
	// it (caller.Role.SeesMRR).
	MRR     bool
	Redraw  bool // pressed on a card, a successful answer redraws the account's card (Press)
	Heading bool // describes a verb or group; runs nothing

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
	// Min and Max bound a number where the platform checks it as it is
	// typed (Discord); 0 and 0: no bounds. The handler checks them again.
	Min, Max int

	// set puts a value, as the platform sends it (a string, a bool, a
	// number), into the Command.
	set func(cmd *Command, v any)
}

func init() {
	table = []Spec{
		{Verb: VerbHealth, Heading: true, Slash: "Customer health: cards, your accounts and day, tasks, renewals, the summary"},
		{Verb: VerbHealth, Sub: HealthShow, Usage: "/health ACCOUNT",
			Help:   "the account's card: score, trend, components, what would raise it",
			Slash:  "An account's card: score, trend, components, what would raise it",
			Params: []Param{accountParam("The account: slug, name or the start of one")},
			Role:   RoleViewer, MRR: true, parse: parseShow, run: (*Service).healthShow},
		{Verb: VerbHealth, Sub: HealthWhy, Words: HealthWhy, AfterAccount: true, Usage: "/health ACCOUNT why [DAYS]",
			Help:   "what moved the score over the last DAYS days (7 by default), component by component",
			Slash:  "What moved an account's score over the last days, component by component",
			Params: []Param{accountParam("The account"), daysParam("How many days back (7 when empty)")},
			Role:   RoleViewer, Private: true, parse: parseDays, run: (*Service).why},
		{Verb: VerbHealth, Sub: HealthChart, Words: HealthChart, AfterAccount: true, Usage: "/health ACCOUNT chart",
			Help:   "the account's score over 90 days as a picture: status bands, pulses, touches, alerts",
			Slash:  "An account's score over 90 days as a picture, with pulses, touches and alerts",
			Params: []Param{accountParam("The account")}, Role: RoleViewer, run: (*Service).healthChart},
		{Verb: VerbHealth, Sub: HealthMine, Usage: "/health",
			Help:  "your accounts, worst first (everyone's when you own none)",
			Slash: "Your accounts, worst first (everyone's when you own none)",
			Role:  RoleViewer, MRR: true, run: (*Service).healthMine},
		{Verb: VerbHealth, Sub: HealthList, Words: HealthList, Usage: "/health list [" + strings.Join(statusWords, "|") + "]",
			Help:  "accounts in a status, worst first, with MRR",
			Slash: "Accounts in a status, worst first, with MRR",
			Params: []Param{{Name: "status", Type: ParamString, Description: "Only this status (all when empty)",
				Choices: statusWords, set: setText(func(c *Command) *string { return &c.Status })}},
			Role: RoleViewer, MRR: true, parse: parseList, run: (*Service).healthList},
		{Verb: VerbHealth, Sub: HealthSummary, Words: HealthSummary, Usage: "/health summary",
			Help: "the weekly summary, now", Slash: "The weekly health summary, now",
			Role: RoleViewer, MRR: true, run: func(s *Service, ctx context.Context, caller Caller, _ Command) (Reply, error) {
				return s.Summary(ctx, caller)
			}},
		{Verb: VerbHealth, Sub: HealthHistory, Words: HealthHistory, AfterAccount: true, Usage: "/health ACCOUNT history [N]",
			Help:  "who changed what on the account, newest first (the last 20, or N)",
			Slash: "Who changed what on an account, newest first",
			Params: []Param{accountParam("The account"), {Name: "count", Type: ParamInteger, Description: "How many entries (default 20)",
				set: setCount}},
			Role: RoleViewer, Private: true, parse: parseCount, run: (*Service).healthHistory},
		{Verb: VerbHealth, Sub: HealthHelp, Words: HealthHelp, Usage: "/health help",
			Help: "this list", Slash: "The commands and how to use them",
			Role: RoleViewer, Private: true, run: (*Service).help},
		{Verb: VerbPulse, Usage: "/pulse ACCOUNT " + strings.Join(pulseColours, "|") + " [REASON] [NOTE…]",
			Help:  "record your read of the account; red asks for a reason",
			Slash: "Record your read of an account: red, yellow or green",
			Params: []Param{
				accountParam("The account"),
				{Name: "color", Type: ParamString, Description: "Your read", Required: true, Choices: pulseColours,
					set: setText(func(c *Command) *string { return &c.Colour })},
				{Name: "reason", Type: ParamString, Description: "A reason code, or the start of one (a red pulse needs one)", MaxLength: 64,
					set: setText(func(c *Command) *string { return &c.Reason })},
				noteParam,
			},
			Role: RoleCSM, Doing: "record a pulse", Redraw: true, parse: parsePulse, run: (*Service).pulse},
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
			Role: RoleCSM, Doing: "log a touch", Redraw: true, parse: parseTouch, run: (*Service).touch},
		{Verb: VerbHealth, Sub: HealthIAm, Words: HealthIAm, Usage: "/health iam HANDLE",
			Help:  "say which CSM you are (the handle in your accounts' owner column), so /health lists your accounts",
			Slash: "Say which CSM you are, so /health mine lists your accounts",
			Params: []Param{{Name: paramHandle, Type: ParamString, Required: true, MaxLength: 64,
				Description: "Your CSM handle: the name in your accounts' owner column", set: setHandle}},
			Role: RoleCSM, Doing: "say which CSM they are", Private: true, parse: parseIAm, run: (*Service).iam},
		{Verb: VerbHealth, Sub: HealthHome, Words: HealthHome, Usage: "/health home",
			Help:  "your day: your open tasks, your accounts worst first, renewals in 90 days, pulses to refresh",
			Slash: "Your day: open tasks, your accounts worst first, renewals, pulses to refresh",
			Role:  RoleViewer, MRR: true, run: (*Service).home},
		{Verb: VerbHealth, Sub: HealthRenew, Words: HealthRenew, Usage: "/health renewals [DAYS]",
			Help:   "accounts renewing in the next DAYS days (90): score, trend, status, MRR, owner, worst first",
			Slash:  "Accounts renewing soon, worst first, with score, trend, MRR and owner",
			Params: []Param{renewalDaysParam}, Role: RoleViewer, MRR: true, parse: parseRenewals, run: (*Service).renewals},
		{Verb: VerbHealth, Sub: HealthBacktest, Words: HealthBacktest, Usage: "/health backtest",
			Help:  "admins: how well the score predicted churn over the last year: AUC, churn rate per status, ROC curve",
			Slash: "Admins: how well the health score predicted churn over the last year, with pictures",
			Role:  RoleAdmin, Doing: "run a backtest", run: (*Service).healthBacktest},

		{Verb: VerbHealth, Sub: HealthTasks, Heading: true, Slash: "Tasks the plays opened: yours, everyone's, overdue; close, snooze or reassign one"},
		{Verb: VerbHealth, Sub: HealthTasks, Words: HealthTasks, SlashName: "mine", Usage: "/health tasks [mine]",
			Help:  "your open tasks, soonest due first, with buttons (everyone's when you have none)",
			Slash: "Your open tasks, soonest due first",
			Role:  RoleViewer, Private: true, parse: parseTasksMine, run: (*Service).tasksList},
		{Verb: VerbHealth, Sub: HealthTasks, Action: TasksAll, Words: "tasks all", Usage: "/health tasks all",
			Help: "every open task", Slash: "Every open task, soonest due first",
			Role: RoleViewer, Private: true, run: (*Service).tasksList},
		{Verb: VerbHealth, Sub: HealthTasks, Action: TasksOverdue, Words: "tasks overdue", Usage: "/health tasks overdue",
			Help: "open tasks past their due day", Slash: "Open tasks past their due day",
			Role: RoleViewer, Private: true, run: (*Service).tasksList},
		{Verb: VerbHealth, Sub: HealthTasks, Action: TasksDone, Words: "tasks done", Usage: "/health tasks done TASK",
			Help: "close a task", Slash: "Close a task",
			Params: []Param{taskParam}, Role: RoleCSM, Doing: "close a task", parse: parseTaskID, run: (*Service).taskDone},
		{Verb: VerbHealth, Sub: HealthTasks, Action: TasksSnooze, Words: "tasks snooze", Usage: "/health tasks snooze TASK",
			Help: "put a task off for 7 days", Slash: "Put a task off for 7 days",
			Params: []Param{taskParam}, Role: RoleCSM, Doing: "snooze a task", parse: parseTaskID, run: (*Service).taskSnooze},
		{Verb: VerbHealth, Sub: HealthTasks, Action: TasksReassign, Words: "tasks reassign", Usage: "/health tasks reassign TASK [HANDLE|@user]",
			Help:  "give a task to another CSM (asks who when left out)",
			Slash: "Give a task to another CSM",
			Params: []Param{taskParam, {Name: paramHandle, Type: ParamString, MaxLength: 64,
				Description: "The new owner's CSM handle (asked for when left out)", set: setOwner}},
			Role: RoleCSM, Doing: "reassign a task", parse: parseTaskReassign, run: (*Service).taskReassign},

		{Verb: VerbHealth, Sub: HealthAdmin, Heading: true, Slash: "Admins: map CSMs to users, route alerts, set owners"},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminCSM, Words: "admin csm", Usage: "/health admin csm HANDLE @user",
			Help:  "admins: map a chat user to a CSM (created when new); slack:ID or discord:ID maps another platform's user",
			Slash: "Admins: this Discord user is the CSM with this handle (created when new)",
			Params: []Param{
				handleParam("The CSM handle, as in the accounts' owner column", setHandle),
				{Name: "user", Type: ParamUser, Description: "The Discord user", Required: true,
					set: setText(func(c *Command) *string { return &c.User })},
			},
			Role: RoleAdmin, Private: true, parse: parseAdminCSM, run: (*Service).adminCSM},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminChannel, Words: "admin channel", Usage: "/health admin channel ACCOUNT #channel|default",
			Help:  "admins: where the account's alerts go on this platform",
			Slash: "Admins: where the account's alerts go on Discord",
			Params: []Param{
				accountParam("The account"),
				// Left out, it is "default", as typed.
				{Name: "channel", Type: ParamChannel, Description: "The channel; leave it out to go back to the default routing",
					set: setText(func(c *Command) *string { return &c.Channel })},
			},
			Role: RoleAdmin, Private: true, parse: parseAdminChannel, run: (*Service).adminChannel},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminOwner, Words: "admin owner", Usage: "/health admin owner ACCOUNT HANDLE|@user|none",
			Help:  "admins: the account's owner CSM",
			Slash: "Admins: the account's owner CSM",
			Params: []Param{
				accountParam("The account"),
				handleParam("The owner's CSM handle (created when new), or none", setOwner),
			},
			Role: RoleAdmin, Private: true, parse: parseAdminOwner, run: (*Service).adminOwner},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminRole, Words: "admin role", Usage: "/health admin role @user " + strings.Join(roleWords(), "|"),
			Help:  "admins: what a chat user may do (viewer: read, no MRR; csm and manager: also record; admin: also configure); none takes the role away",
			Slash: "Admins: what a Discord user may do in healthbot",
			Params: []Param{
				{Name: "user", Type: ParamUser, Description: "The Discord user", Required: true,
					set: setText(func(c *Command) *string { return &c.User })},
				{Name: "role", Type: ParamString, Description: "Their role; none takes it away", Required: true, Choices: roleWords(),
					set: setText(func(c *Command) *string { return &c.Role })},
			},
			Role: RoleAdmin, Private: true, parse: parseAdminRole, run: (*Service).adminRole},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminManager, Words: "admin manager", Usage: "/health admin manager HANDLE|@csm HANDLE|@manager|none",
			Help:  "admins: the CSM's manager, whom their overdue tasks escalate to",
			Slash: "Admins: a CSM's manager, whom their overdue tasks escalate to",
			Params: []Param{
				handleParam("The CSM: their handle, or a mention", setOwner),
				{Name: "manager", Type: ParamString, Description: "The manager: a CSM handle (created when new), a mention, or none",
					Required: true, MaxLength: 64, set: setText(func(c *Command) *string { return &c.Manager })},
			},
			Role: RoleAdmin, Private: true, parse: parseAdminManager, run: (*Service).adminManager},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminHistory, Words: "admin history", Usage: "/health admin history [N]",
			Help:   "admins: the latest changes of every kind (roles, mappings, imports, the model), newest first",
			Slash:  "Admins: the latest changes of every kind, newest first",
			Params: []Param{{Name: "count", Type: ParamInteger, Description: "How many entries (default 20)", set: setCount}},
			Role:   RoleAdmin, Private: true, parse: parseCount, run: (*Service).adminHistory},
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
			Role: RoleAdmin, Private: true, parse: parseAdminMap, run: (*Service).adminMap},
		{Verb: VerbHealth, Sub: HealthAdmin, Action: AdminUnmapped, Words: "admin unmapped", Usage: "/health admin unmapped",
			Help: "admins: connector events waiting for a mapping, per source and id", Slash: "Admins: connector events waiting for a mapping",
			Role: RoleAdmin, Private: true, run: (*Service).adminUnmapped},
		{Verb: VerbHealth, Sub: HealthAdmin, Words: HealthAdmin, Usage: "/health admin",
			SlashName: "help", Slash: "The admin commands, and whether you may run them",
			Role: RoleViewer, Private: true, run: (*Service).adminHelp},
	}
}

// statusWords are the statuses /health list filters on, in the order
// they are offered.
var statusWords = []string{"healthy", "stable", "at-risk", "critical"}

func accountParam(description string) Param {
	return Param{Name: ParamAccount, Type: ParamString, Description: description, Required: true, Accounts: true, MaxLength: 200,
		set: setText(func(c *Command) *string { return &c.Account })}
}

// daysParam is an optional number of days, from 1 to maxDays.
func daysParam(description string) Param {
	return Param{Name: "days", Type: ParamInteger, Description: description, Min: 1, Max: maxDays, set: setDays}
}

// setDays reads a days option (Discord sends numbers as float64). A value
// out of range is kept out of range (below 1: -1), for the handler to
// refuse with the range rather than quietly use its default.
func setDays(c *Command, v any) {
	if f, ok := v.(float64); ok {
		switch {
		case f < 1:
			c.Days = -1
		case f > maxDays:
			c.Days = maxDays + 1
		default:
			c.Days = int(f)
		}
	}
}

// maxDays bounds a number of days typed: ten years of history.
const maxDays = 3650

// parseDays reads an optional number of days after the row's words, up
// to maxDays.
func parseDays(cmd *Command, in typed) error {
	n, err := optionalNumber(in, "days", "/health acme why 30")
	if err == nil && n > maxDays {
		err = inputErrorf("%d days is more than the history kept: give at most %d.", n, maxDays)
	}
	cmd.Days = n
	return err
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

// setCount reads a count option (Discord sends numbers as float64).
func setCount(c *Command, v any) {
	if f, ok := v.(float64); ok {
		c.Count = int(f)
	}
}

// roleWords are the roles an admin may give, least first, then "none".
func roleWords() []string {
	out := make([]string, 0, len(Roles)+1)
	for _, r := range Roles {
		out = append(out, string(r))
	}
	return append(out, "none")
}

// publicWord, typed last, asks for an answer that shows MRR in public.
const publicWord = "public"

// publicParam is the Discord option of every row with MRR.
var publicParam = Param{Name: publicWord, Type: ParamBool, Description: "Post the answer, MRR included, for the channel to see",
	set: func(c *Command, v any) { c.Public, _ = v.(bool) }}

// params are the row's parameters where commands are registered: its
// Params, and public for a row whose answer may show MRR.
func (r Spec) params() []Param {
	if r.MRR {
		return append(slices.Clone(r.Params), publicParam)
	}
	return r.Params
}

// usage is the row's usage as help shows it: " [public]" added for a row
// whose answer may show MRR.
func (r Spec) usage() string {
	if r.MRR {
		return r.Usage + " [" + publicWord + "]"
	}
	return r.Usage
}

// PrivateFor reports whether the answer to cmd is for its caller alone: a
// Private row's always, an MRR row's unless cmd asks for it in public.
// Adapters that must decide before the answer exists (Discord's deferred
// response) ask it.
func (r Spec) PrivateFor(cmd Command) bool { return r.Private || r.MRR && !cmd.Public }

// private applies the row's privacy to a handler's answer: an MRR row's
// answer goes to the caller alone unless cmd.Public (a handler's own
// private answers, such as errors, stay private). A public answer drops
// buttons that redraw a card: pressed by someone else, the card would be
// drawn afresh for them, in public, with what they may see.
func (r Spec) private(reply Reply, cmd Command) Reply {
	if !r.MRR {
		return reply
	}
	if !cmd.Public {
		reply.Ephemeral = true
		return reply
	}
	if !reply.Ephemeral {
		var keep []Button
		for _, b := range reply.Buttons {
			if c, err := Parse(b.Action); err == nil {
				if row, ok := SpecOf(c); ok && row.Redraw {
					continue
				}
			}
			keep = append(keep, b)
		}
		reply.Buttons = keep
	}
	return reply
}

// command is the Command that names the row, before its arguments.
func (r Spec) command() Command {
	return Command{Verb: r.Verb, Sub: r.Sub, Action: r.Action}
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
// inside a group Action names the row, "" being the group's bare row.
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
		case r.Sub == cmd.Sub && (r.Action == cmd.Action || !isGroup(r.Verb, r.Sub)):
			return r, true
		}
	}
	return Spec{}, false
}

// groupNeed is the least role that may run some action of a group (its
// bare row, which explains the group, left out): admin for /health admin.
func groupNeed(verb, sub string) Role {
	need := RoleAdmin
	for _, r := range rowsOf(verb) {
		if r.Sub == sub && r.Action != "" && !r.need().AtLeast(need) {
			need = r.need()
		}
	}
	return need
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
