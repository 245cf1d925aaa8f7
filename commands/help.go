package commands

import (
	"context"
	"strings"
)

// helpLines are the help's lines for the commands of the table, one a
// command as the user types it: the configuration commands (admin) or
// the others, in table order.
func helpLines(admin bool) []string {
	var lines []string
	for _, r := range table {
		if r.Help != "" && (r.need() == RoleAdmin) == admin {
			lines = append(lines, r.usage()+" — "+r.Help)
		}
	}
	return lines
}

// help answers "/health help".
func (s *Service) help(_ context.Context, caller Caller, _ Command) (Reply, error) {
	text := strings.Join(append(helpLines(false), helpLines(true)...), "\n")
	notes := []string{
		"ACCOUNT is a slug, a name in any case, or the start of one; quote names with spaces when a keyword follows: /pulse \"Red Hat\" green.",
		"Examples: " + exampleHealth + " · " + examplePulse + " · " + exampleTouch,
		"Answers that show MRR are shown to you alone; add public to post one for the channel: /health summary public.",
		"Roles: viewers read (scores, no MRR); CSMs and managers also record pulses and touches; admins also configure (those named in HEALTHBOT_ADMINS, and the console's user). Until an admin gives anyone a role, everyone is a CSM. Yours: " + string(caller.Role) + ".",
	}
	if len(s.Config.ReasonCodes) > 0 {
		notes = append(notes, "Reason codes: "+strings.Join(s.Config.ReasonCodes, ", ")+".")
	}
	return Reply{Ephemeral: true, Colour: "grey", Title: "healthbot commands", Text: text, Context: notes}, nil
}
