package commands

import "strings"

// Examples of the configuration commands, quoted by errors and the help.
const (
	exampleAdminCSM     = "/health admin csm maria @maria"
	exampleAdminChannel = "/health admin channel acme #cs-acme"
	exampleAdminOwner   = "/health admin owner acme maria"
	exampleIAm          = "/health iam maria"
	exampleAdminRole    = "/health admin role @maria csm"
	exampleAdminManager = "/health admin manager maria lee"
)

// channelDefaultWords put an account back on the default routing.
var channelDefaultWords = []string{"default", "none", "-"}

// parseAdminCSM reads "/health admin csm HANDLE USER".
func parseAdminCSM(cmd *Command, in typed) error {
	args := in.rest
	if len(args) < 2 {
		return inputError("/health admin csm needs a CSM handle and a chat user. Example: " + exampleAdminCSM)
	}
	cmd.Handle = handleWord(args[0].text)
	cmd.User = UserRef(joinTokens(args[1:]))
	if strings.ContainsAny(cmd.User, " \t") {
		return inputErrorf("/health admin csm maps one chat user; got %q. Example: %s", joinTokens(args[1:]), exampleAdminCSM)
	}
	return needHandle(cmd)
}

// parseAdminChannel reads "/health admin channel ACCOUNT CHANNEL|default".
func parseAdminChannel(cmd *Command, in typed) error {
	args := in.rest
	if len(args) < 2 {
		return inputError("/health admin channel needs an account and a channel (or \"default\"). Example: " + exampleAdminChannel)
	}
	last := args[len(args)-1]
	cmd.Account = joinTokens(args[:len(args)-1])
	cmd.Channel = ChannelRef(last.text)
	if !last.quoted && isKeyword(last, channelDefaultWords) {
		cmd.Channel = ""
	}
	return nil
}

// parseAdminOwner reads "/health admin owner ACCOUNT HANDLE|@user|none".
func parseAdminOwner(cmd *Command, in typed) error {
	args := in.rest
	if len(args) < 2 {
		return inputError("/health admin owner needs an account and a CSM handle. Example: " + exampleAdminOwner)
	}
	cmd.Account = joinTokens(args[:len(args)-1])
	last := args[len(args)-1].text
	if isMention(last) {
		// A mention names the CSM by chat user; the handler looks it up.
		cmd.User = UserRef(last)
	} else {
		cmd.Handle = handleWord(last)
	}
	return needHandle(cmd)
}

// needHandle refuses a command that names its CSM neither by handle nor
// by chat user ("/health admin owner acme @").
func needHandle(cmd *Command) error {
	if cmd.Handle == "" && cmd.User == "" {
		return inputError("Give a CSM handle, for example maria.")
	}
	return nil
}

// parseIAm reads "/health iam HANDLE".
func parseIAm(cmd *Command, in typed) error {
	args := in.rest
	if len(args) != 1 {
		return inputError("/health iam takes your CSM handle, the name in the accounts' owner column. Example: " + exampleIAm + ". For an account named \"iam\", quote it: /health \"iam\".")
	}
	if isMention(args[0].text) {
		return inputError("/health iam takes your CSM handle (the name in the accounts' owner column), not a mention. Example: " + exampleIAm)
	}
	cmd.Handle = handleWord(args[0].text)
	if cmd.Handle == "" {
		return inputError("/health iam needs your CSM handle. Example: " + exampleIAm)
	}
	return nil
}

// parseAdminRole reads "/health admin role USER ROLE"; the handler checks
// both, as it does for Discord's options.
func parseAdminRole(cmd *Command, in typed) error {
	args := in.rest
	if len(args) != 2 {
		return inputErrorf("/health admin role needs a chat user and a role (%s). Example: %s", orList(roleWords()), exampleAdminRole)
	}
	cmd.User = UserRef(args[0].text)
	cmd.Role = strings.ToLower(args[1].text)
	return nil
}

// parseAdminManager reads "/health admin manager CSM MANAGER|none", each a
// handle or a mention.
func parseAdminManager(cmd *Command, in typed) error {
	args := in.rest
	if len(args) != 2 {
		return inputError("/health admin manager needs the CSM and their manager (or none), each a handle or a mention. Example: " + exampleAdminManager)
	}
	setOwner(cmd, args[0].text)
	cmd.Manager = args[1].text
	return needHandle(cmd)
}
