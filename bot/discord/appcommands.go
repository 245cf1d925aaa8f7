package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/commands"
)

// Option names, fixed by the interface spec.
const (
	optAccount = "account"
	optColor   = "color"
	optReason  = "reason"
	optKind    = "kind"
	optExec    = "exec"
	optNote    = "note"
	optStatus  = "status"
	optHandle  = "handle"
	optUser    = "user"
	optChannel = "channel"
)

// adminHelp is the sub-command of the admin group that explains it: a
// group cannot be run bare, as the typed "/health admin" is.
const adminHelp = "help"

// ApplicationCommands are the slash commands healthbot registers:
//
//	/health show account  · /health mine · /health list [status]
//	/health summary       · /health help
//	/health iam handle
//	/health admin csm handle user     · /health admin channel account [channel]
//	/health admin owner account handle · /health admin help
//	/pulse account color [reason] [note]
//	/touch account kind [exec] [note]
//
// Discord does not allow a command with sub-commands to take options of its
// own, so the typed "/health ACCOUNT" is "/health show account:…" here, the
// bare "/health" is "/health mine" and the bare "/health admin" is
// "/health admin help". The admin commands take Discord's user and channel
// pickers, so ids arrive as the typed mentions would give them.
func ApplicationCommands() []*discordgo.ApplicationCommand {
	account := func(desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionString, Name: optAccount, Description: desc,
			Required: true, Autocomplete: true, MaxLength: 200,
		}
	}
	note := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optNote, Description: "A note to keep with it", MaxLength: 2000,
	}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	return []*discordgo.ApplicationCommand{
		{
			Name: commands.VerbHealth, Description: "Customer health: an account's card, your accounts, lists, the summary",
			Options: []*discordgo.ApplicationCommandOption{
				sub(commands.HealthShow, "An account's card: score, trend, components, what would raise it",
					account("The account: slug, name or the start of one")),
				sub(commands.HealthMine, "Your accounts, worst first (everyone's when you own none)"),
				sub(commands.HealthList, "Accounts in a status, worst first, with MRR",
					&discordgo.ApplicationCommandOption{
						Type: discordgo.ApplicationCommandOptionString, Name: optStatus, Description: "Only this status (all when empty)",
						Choices: choices("healthy", "stable", "at-risk", "critical"),
					}),
				sub(commands.HealthSummary, "The weekly health summary, now"),
				sub(commands.HealthHelp, "The commands and how to use them"),
				sub(commands.HealthIAm, "Say which CSM you are, so /health mine lists your accounts",
					&discordgo.ApplicationCommandOption{
						Type: discordgo.ApplicationCommandOptionString, Name: optHandle, Required: true, MaxLength: 64,
						Description: "Your CSM handle: the name in your accounts' owner column",
					}),
				adminGroup(account),
			},
		},
		{
			Name: commands.VerbPulse, Description: "Record your read of an account: red, yellow or green",
			Options: []*discordgo.ApplicationCommandOption{
				account("The account"),
				{Type: discordgo.ApplicationCommandOptionString, Name: optColor, Description: "Your read", Required: true, Choices: choices("red", "yellow", "green")},
				{Type: discordgo.ApplicationCommandOptionString, Name: optReason, Description: "Reason code (a red pulse needs one)", MaxLength: 64},
				note,
			},
		},
		{
			Name: commands.VerbTouch, Description: "Log a touch with an account",
			Options: []*discordgo.ApplicationCommandOption{
				account("The account"),
				{Type: discordgo.ApplicationCommandOptionString, Name: optKind, Description: "What kind of touch", Required: true, Choices: choices("call", "email", "meeting", "chat", "qbr", "other")},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: optExec, Description: "The executive sponsor was there"},
				note,
			},
		},
	}
}

// adminGroup is "/health admin …", the configuration commands; anyone sees
// them, the commands layer lets only HEALTHBOT_ADMINS run them (Discord's
// permissions apply to a whole command, not to one sub-command).
func adminGroup(account func(desc string) *discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	handle := func(desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: optHandle, Description: desc, Required: true, MaxLength: 64}
	}
	return &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: commands.HealthAdmin,
		Description: "Admins: map CSMs to users, route alerts, set owners",
		Options: []*discordgo.ApplicationCommandOption{
			sub(commands.AdminCSM, "Admins: this Discord user is the CSM with this handle (created when new)",
				handle("The CSM handle, as in the accounts' owner column"),
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionUser, Name: optUser, Description: "The Discord user", Required: true}),
			sub(commands.AdminChannel, "Admins: where the account's alerts go on Discord",
				account("The account"),
				&discordgo.ApplicationCommandOption{
					Type: discordgo.ApplicationCommandOptionChannel, Name: optChannel,
					Description:  "The channel; leave it out to go back to the default routing",
					ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews},
				}),
			sub(commands.AdminOwner, "Admins: the account's owner CSM",
				account("The account"),
				handle("The owner's CSM handle (created when new), or none")),
			sub(adminHelp, "The admin commands, and whether you may run them"),
		},
	}
}

func choices(values ...string) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, len(values))
	for i, v := range values {
		out[i] = &discordgo.ApplicationCommandOptionChoice{Name: v, Value: v}
	}
	return out
}

// CommandFromOptions turns a slash command's name and typed options into
// the neutral Command, the same struct the chat grammar yields; ok is false
// for a command healthbot does not know (registered by an older version).
func CommandFromOptions(d discordgo.ApplicationCommandInteractionData) (cmd commands.Command, ok bool) {
	opts := d.Options
	str := func(name string) string {
		for _, o := range opts {
			if o.Name == name {
				if s, ok := o.Value.(string); ok {
					return strings.TrimSpace(s)
				}
			}
		}
		return ""
	}
	switch d.Name {
	case commands.VerbHealth:
		if len(opts) == 0 {
			return commands.Command{Verb: commands.VerbHealth, Sub: commands.HealthMine}, true
		}
		switch opts[0].Type {
		case discordgo.ApplicationCommandOptionSubCommand:
		case discordgo.ApplicationCommandOptionSubCommandGroup:
			if opts[0].Name != commands.HealthAdmin || len(opts[0].Options) == 0 {
				return commands.Command{}, false
			}
			action := opts[0].Options[0]
			opts = action.Options
			return adminCommand(action.Name, str)
		default:
			return commands.Command{Verb: commands.VerbHealth, Sub: commands.HealthMine}, true
		}
		sub := opts[0].Name
		opts = opts[0].Options
		if sub == commands.HealthIAm {
			return commands.Command{Verb: commands.VerbHealth, Sub: commands.HealthIAm, Handle: handleOf(str(optHandle))}, true
		}
		return commands.Command{Verb: commands.VerbHealth, Sub: sub, Account: str(optAccount), Status: str(optStatus)}, true
	case commands.VerbPulse:
		return commands.Command{Verb: commands.VerbPulse, Account: str(optAccount), Colour: str(optColor), Reason: str(optReason), Note: str(optNote)}, true
	case commands.VerbTouch:
		exec := false
		for _, o := range opts {
			if o.Name == optExec {
				exec, _ = o.Value.(bool)
			}
		}
		return commands.Command{Verb: commands.VerbTouch, Account: str(optAccount), Kind: str(optKind), Exec: exec, Note: str(optNote)}, true
	}
	return commands.Command{}, false
}

// adminCommand is "/health admin ACTION …" from the group's options, the
// Command the grammar yields for the typed line: a USER option's value is
// the user id, as in "<@id>"; a CHANNEL option's the channel id, as in
// "<#id>"; no channel is "default".
func adminCommand(action string, str func(name string) string) (commands.Command, bool) {
	cmd := commands.Command{Verb: commands.VerbHealth, Sub: commands.HealthAdmin}
	switch action {
	case adminHelp:
		return cmd, true
	case commands.AdminCSM:
		cmd.Handle, cmd.User = handleOf(str(optHandle)), str(optUser)
	case commands.AdminChannel:
		cmd.Account, cmd.Channel = str(optAccount), str(optChannel)
	case commands.AdminOwner:
		cmd.Account = str(optAccount)
		// A mention typed in the handle box names the CSM by chat user,
		// as it does in the typed line.
		if h := str(optHandle); commands.UserRef(h) != handleOf(h) {
			cmd.User = commands.UserRef(h)
		} else {
			cmd.Handle = handleOf(h)
		}
	default:
		return commands.Command{}, false
	}
	cmd.Admin = action
	return cmd, true
}

// handleOf is a handle as typed, without the "@" people put before names.
func handleOf(s string) string { return strings.TrimSpace(strings.TrimLeft(s, "@")) }

// focusedOption finds the option being typed in an autocomplete
// interaction, looking inside a sub-command.
func focusedOption(opts []*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range opts {
		if o.Focused {
			return o
		}
		if f := focusedOption(o.Options); f != nil {
			return f
		}
	}
	return nil
}
