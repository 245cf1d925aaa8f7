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
)

// ApplicationCommands are the slash commands healthbot registers:
//
//	/health show account  · /health mine · /health list [status]
//	/health summary       · /health help
//	/pulse account color [reason] [note]
//	/touch account kind [exec] [note]
//
// Discord does not allow a command with sub-commands to take options of its
// own, so the typed "/health ACCOUNT" is "/health show account:…" here and
// the bare "/health" is "/health mine".
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
		if len(opts) == 0 || opts[0].Type != discordgo.ApplicationCommandOptionSubCommand {
			return commands.Command{Verb: commands.VerbHealth, Sub: commands.HealthMine}, true
		}
		sub := opts[0].Name
		opts = opts[0].Options
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
