// Package commands is what a person can ask of healthbot: the command
// table (table.go) from which the chat grammar, the help, the commands
// Discord registers and the dispatch are all derived; handlers that turn a
// Command and its Caller into a platform-neutral Reply; button presses
// (RunPress), answered the same on every platform; and what healthbot
// knows of each platform (platform.go). Records from CSV files and the
// HTTP API are validated and written by its sub-package ingestion. It
// never imports slack-go, discordgo or gorm.
package commands

// Command verbs.
const (
	VerbHealth = "health"
	VerbPulse  = "pulse"
	VerbTouch  = "touch"
)

// Sub-commands of /health. What each takes, says and does is its row in
// the command table (table.go).
const (
	HealthShow     = "show"     // /health ACCOUNT
	HealthMine     = "mine"     // /health
	HealthList     = "list"     // /health list [status]
	HealthSummary  = "summary"  // /health summary
	HealthHelp     = "help"     // /health help
	HealthAdmin    = "admin"    // /health admin csm|channel|owner|role|manager … (Command.Action)
	HealthIAm      = "iam"      // /health iam HANDLE
	HealthChart    = "chart"    // /health ACCOUNT chart
	HealthWhy      = "why"      // /health ACCOUNT why [DAYS]
	HealthHistory  = "history"  // /health ACCOUNT history [N]
	HealthTasks    = "tasks"    // /health tasks [mine|all|overdue], /health tasks done|snooze|reassign TASK (Command.Action)
	HealthRenew    = "renewals" // /health renewals [DAYS]
	HealthHome     = "home"     // /health home
	HealthBacktest = "backtest" // /health backtest
)

// Actions of /health tasks, kept in Command.Action; "" is the group's
// bare form, the caller's own tasks.
const (
	TasksAll      = "all"      // /health tasks all
	TasksOverdue  = "overdue"  // /health tasks overdue
	TasksDone     = "done"     // /health tasks done TASK
	TasksSnooze   = "snooze"   // /health tasks snooze TASK
	TasksReassign = "reassign" // /health tasks reassign TASK [HANDLE|@user]
)

// Actions of /health admin, kept in Command.Action.
const (
	AdminCSM     = "csm"     // /health admin csm HANDLE USER
	AdminChannel = "channel" // /health admin channel ACCOUNT CHANNEL
	AdminOwner   = "owner"   // /health admin owner ACCOUNT HANDLE
	AdminRole    = "role"    // /health admin role USER ROLE
	AdminManager = "manager" // /health admin manager CSM MANAGER
	AdminHistory = "history" // /health admin history [N]
)

// Command is one parsed chat command. The same struct comes from typed text,
// a button's Action, a submitted Form, or Discord's typed options.
type Command struct {
	Verb    string // VerbHealth, VerbPulse, VerbTouch
	Sub     string // for VerbHealth
	Account string // as typed: slug, name or prefix
	Status  string // list filter: healthy, stable, at-risk, critical ("" = all)
	Colour  string // pulse: red, yellow, green
	Reason  string // pulse: the words after the colour (typed), or the reason given (form, option): a reason code, maybe shortened, then words of a note
	Kind    string // touch: one of models.TouchKinds
	Exec    bool   // touch: executive sponsor present
	Note    string // a touch's note; a pulse's note given apart from its reason (form, option)
	Days    int    // a number of days a command takes (/health ACCOUNT why DAYS, /health renewals DAYS); 0 = its default
	Count   int    // how many entries a history shows; 0 = its default
	Task    uint   // a task's number: /health tasks done|snooze|reassign TASK
	// Public asks for an answer that shows MRR to be posted where everyone
	// sees it (a trailing "public"); such answers are private otherwise.
	Public bool

	// Action is the action in a group of sub-commands: AdminCSM,
	// AdminChannel, AdminOwner for /health admin; TasksAll, TasksDone, …
	// for /health tasks. "" is the group's bare form (/health admin
	// explains the group, /health tasks lists the caller's tasks).
	Action string

	// /health admin, /health iam and /health tasks reassign. User and
	// Channel hold ids decoded from chat mentions (<@U123|name> → U123,
	// <#C1|x> → C1), or the text typed when it was no mention.
	Handle  string // CSM handle: admin csm, admin owner, iam, tasks reassign
	User    string // admin csm: the chat user
	Channel string // admin channel: the channel; "" = back to the default routing
	Role    string // admin role: the role as typed; "none" takes it away
	Manager string // admin manager: the manager as typed (a handle or a mention); "none" takes it away

	// /health admin map: the connector (stripe, segment, …) and its id for
	// the customer (a Stripe customer, a HubSpot company, …).
	Source   string
	SourceID string
}

// Caller is who sent a command, from where.
type Caller struct {
	Platform  string // Slack, Discord or Console
	TeamID    string // Slack team / Discord guild
	UserID    string // platform user id
	UserName  string // display name, for replies and the "who" of records
	ChannelID string

	// Role is what the caller may do. Execute sets it from the store
	// (Service.RoleOf) before a handler runs; whatever an adapter put
	// there is replaced.
	Role Role
}
