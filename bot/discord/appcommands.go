package discord

import (
	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/commands"
)

// ApplicationCommands are the slash commands healthbot registers, one per
// verb of the command table (commands.SlashCommands), with the table's
// sub-commands, groups and parameters as Discord's options.
//
// Discord does not allow a command with sub-commands to take options of its
// own, so the typed "/health ACCOUNT" is "/health show account:…" here, the
// bare "/health" is "/health mine" and the bare "/health admin" is
// "/health admin help". The admin commands take Discord's user and channel
// pickers, so ids arrive as the typed mentions would give them. Anyone
// sees the admin group; the commands layer lets only HEALTHBOT_ADMINS run
// it (Discord's permissions apply to a whole command, not to one
// sub-command).
func ApplicationCommands() []*discordgo.ApplicationCommand {
	var out []*discordgo.ApplicationCommand
	for _, c := range commands.SlashCommands() {
		ac := &discordgo.ApplicationCommand{Name: c.Name, Description: c.Description}
		if len(c.Subs) > 0 {
			ac.Options = subOptions(c.Subs)
		} else {
			ac.Options = paramOptions(c.Params)
		}
		out = append(out, ac)
	}
	return out
}

// subOptions are sub-commands and groups as options of their parent.
func subOptions(subs []commands.SlashCommand) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, s := range subs {
		o := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.Name, Description: s.Description}
		if s.Group {
			o.Type = discordgo.ApplicationCommandOptionSubCommandGroup
			o.Options = subOptions(s.Subs)
		} else {
			o.Options = paramOptions(s.Params)
		}
		out = append(out, o)
	}
	return out
}

// optionTypes are Discord's types for the table's parameter types.
var optionTypes = map[commands.ParamType]discordgo.ApplicationCommandOptionType{
	commands.ParamString:  discordgo.ApplicationCommandOptionString,
	commands.ParamInteger: discordgo.ApplicationCommandOptionInteger,
	commands.ParamBool:    discordgo.ApplicationCommandOptionBoolean,
	commands.ParamUser:    discordgo.ApplicationCommandOptionUser,
	commands.ParamChannel: discordgo.ApplicationCommandOptionChannel,
}

func paramOptions(params []commands.Param) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, p := range params {
		o := &discordgo.ApplicationCommandOption{
			Type: optionTypes[p.Type], Name: p.Name, Description: p.Description,
			Required: p.Required, Autocomplete: p.Accounts, MaxLength: p.MaxLength,
		}
		if p.Min != 0 || p.Max != 0 {
			lo := float64(p.Min)
			o.MinValue, o.MaxValue = &lo, float64(p.Max)
		}
		if p.Type == commands.ParamChannel {
			// Where alerts can be posted: text and announcement channels.
			o.ChannelTypes = []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}
		}
		for _, c := range p.Choices {
			o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
		}
		out = append(out, o)
	}
	return out
}

// CommandFromOptions finds the row of the command table a slash command
// names and builds its Command from the typed options, the same Command
// the chat grammar yields for the typed line; ok is false for a command
// healthbot does not know (registered by another version).
func CommandFromOptions(d discordgo.ApplicationCommandInteractionData) (row commands.Spec, cmd commands.Command, ok bool) {
	path := []string{d.Name}
	opts := d.Options
	// Sub-commands and groups come as the one option of their parent.
	for len(opts) > 0 && (opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup || opts[0].Type == discordgo.ApplicationCommandOptionSubCommand) {
		group := opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup
		path = append(path, opts[0].Name)
		opts = opts[0].Options
		if group && len(opts) == 0 {
			return commands.Spec{}, commands.Command{}, false
		}
		if !group {
			break
		}
	}
	row, ok = commands.SlashSpec(path...)
	if !ok {
		return commands.Spec{}, commands.Command{}, false
	}
	values := map[string]any{}
	for _, o := range opts {
		if _, seen := values[o.Name]; !seen {
			values[o.Name] = o.Value
		}
	}
	return row, row.FromParams(values), true
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
