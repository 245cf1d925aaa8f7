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
	HealthShow    = "show"    // /health ACCOUNT
	HealthMine    = "mine"    // /health
	HealthList    = "list"    // /health list [status]
	HealthSummary = "summary" // /health summary
	HealthHelp    = "help"    // /health help
	HealthAdmin   = "admin"   // /health admin csm|channel|owner … (Command.Admin)
	HealthIAm     = "iam"     // /health iam HANDLE
)

// Actions of /health admin, kept in Command.Admin.
const (
	AdminCSM     = "csm"     // /health admin csm HANDLE USER
	AdminChannel = "channel" // /health admin channel ACCOUNT CHANNEL
	AdminOwner   = "owner"   // /health admin owner ACCOUNT HANDLE
)

// Command is one parsed chat command. The same struct comes from typed text,
// a button's Action, a submitted Form, or Discord's typed options.
type Command struct {
	Verb    string // VerbHealth, VerbPulse, VerbTouch
	Sub     string // for VerbHealth
	Account string // as typed: slug, name or prefix
	Status  string // list filter: healthy, stable, at-risk, critical ("" = all)
	Colour  string // pulse: red, yellow, green
	Reason  string // pulse reason code (and free words after it go to Note)
	Kind    string // touch: call, email, meeting, chat, qbr, other
	Exec    bool   // touch: executive sponsor present
	Note    string
	Days    int // a number of days a command takes (none yet: /health ACCOUNT why DAYS will); 0 = its default

	// /health admin and /health iam. User and Channel hold ids decoded
	// from chat mentions (<@U123|name> → U123, <#C1|x> → C1), or the text
	// typed when it was no mention.
	Admin   string // the action in a group of sub-commands: AdminCSM, AdminChannel, AdminOwner for /health admin ("" = the group's bare form, which explains it)
	Handle  string // CSM handle: admin csm, admin owner, iam
	User    string // admin csm: the chat user
	Channel string // admin channel: the channel; "" = back to the default routing

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
}
