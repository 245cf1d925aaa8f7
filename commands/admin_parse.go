package commands

import "strings"

// Examples of the configuration commands, quoted by errors and the help.
const (
	exampleAdminCSM     = "/health admin csm maria @maria"
	exampleAdminChannel = "/health admin channel acme #cs-acme"
	exampleAdminOwner   = "/health admin owner acme maria"
	exampleIAm          = "/health iam maria"
)

// adminActions are the words after "/health admin".
var adminActions = []string{AdminCSM, AdminChannel, AdminOwner}

// channelDefaultWords put an account back on the default routing.
var channelDefaultWords = []string{"default", "none", "-"}

// parseHealthConfig recognises "/health admin …" and "/health iam …"; ok
// is false when args are something else (an account named "Admin Tools").
func parseHealthConfig(args []cmdWord) (cmd Command, ok bool, err error) {
	if len(args) == 0 || args[0].quoted {
		return Command{}, false, nil
	}
	switch strings.ToLower(args[0].text) {
	case HealthAdmin:
		if len(args) == 1 {
			return Command{Verb: VerbHealth, Sub: HealthAdmin}, true, nil
		}
		if args[1].quoted || !isKeyword(args[1], adminActions) {
			return Command{}, false, nil
		}
		cmd, err := parseAdmin(strings.ToLower(args[1].text), args[2:])
		return cmd, true, err
	case HealthIAm:
		cmd, err := parseIAm(args[1:])
		return cmd, true, err
	}
	return Command{}, false, nil
}

func parseAdmin(action string, args []cmdWord) (Command, error) {
	cmd := Command{Verb: VerbHealth, Sub: HealthAdmin, Admin: action}
	switch action {
	case AdminCSM:
		if len(args) < 2 {
			return Command{}, inputError("/health admin csm needs a CSM handle and a chat user. Example: " + exampleAdminCSM)
		}
		cmd.Handle = handleWord(args[0].text)
		cmd.User = UserRef(joinTokens(args[1:]))
		if strings.ContainsAny(cmd.User, " \t") {
			return Command{}, inputErrorf("/health admin csm maps one chat user; got %q. Example: %s", joinTokens(args[1:]), exampleAdminCSM)
		}
	case AdminChannel:
		if len(args) < 2 {
			return Command{}, inputError("/health admin channel needs an account and a channel (or \"default\"). Example: " + exampleAdminChannel)
		}
		last := args[len(args)-1]
		cmd.Account = joinTokens(args[:len(args)-1])
		cmd.Channel = ChannelRef(last.text)
		if !last.quoted && isKeyword(last, channelDefaultWords) {
			cmd.Channel = ""
		}
	case AdminOwner:
		if len(args) < 2 {
			return Command{}, inputError("/health admin owner needs an account and a CSM handle. Example: " + exampleAdminOwner)
		}
		cmd.Account = joinTokens(args[:len(args)-1])
		last := args[len(args)-1].text
		if isMention(last) {
			// A mention names the CSM by chat user; the handler looks it up.
			cmd.User = UserRef(last)
		} else {
			cmd.Handle = handleWord(last)
		}
	}
	if cmd.Handle == "" && cmd.User == "" && action != AdminChannel {
		return Command{}, inputError("Give a CSM handle, for example maria.")
	}
	return cmd, nil
}

func parseIAm(args []cmdWord) (Command, error) {
	if len(args) != 1 {
		return Command{}, inputError("/health iam takes your CSM handle, the name in the accounts' owner column. Example: " + exampleIAm + ". For an account named \"iam\", quote it: /health \"iam\".")
	}
	if isMention(args[0].text) {
		return Command{}, inputError("/health iam takes your CSM handle (the name in the accounts' owner column), not a mention. Example: " + exampleIAm)
	}
	h := handleWord(args[0].text)
	if h == "" {
		return Command{}, inputError("/health iam needs your CSM handle. Example: " + exampleIAm)
	}
	return Command{Verb: VerbHealth, Sub: HealthIAm, Handle: h}, nil
}
