// Package commands is what a person can ask of healthbot: the chat grammar
// parsed by a pure function, handlers that turn a Command and its Caller into
// a platform-neutral Reply, and the validation of ingested records (one write
// path for chat, HTTP and CSV). It never imports slack-go, discordgo or gorm.
package commands

// Command verbs.
const (
	VerbHealth = "health"
	VerbPulse  = "pulse"
	VerbTouch  = "touch"
)

// Sub-commands of /health.
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

	// /health admin and /health iam. User and Channel hold ids decoded
	// from chat mentions (<@U123|name> → U123, <#C1|x> → C1), or the text
	// typed when it was no mention.
	Admin   string // AdminCSM, AdminChannel, AdminOwner ("" = explain the admin commands)
	Handle  string // CSM handle: admin csm, admin owner, iam
	User    string // admin csm: the chat user
	Channel string // admin channel: the channel; "" = back to the default routing
}

// Caller is who sent a command, from where.
type Caller struct {
	Platform  string // Slack, Discord or Console
	TeamID    string // Slack team / Discord guild
	UserID    string // platform user id
	UserName  string // display name, for replies and the "who" of records
	ChannelID string
}
