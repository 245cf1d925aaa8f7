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
		if r.Help != "" && r.AdminOnly == admin {
			lines = append(lines, r.Usage+" — "+r.Help)
		}
	}
	return lines
}

// help answers "/health help".
func (s *Service) help(context.Context, Caller, Command) (Reply, error) {
	text := strings.Join(append(helpLines(false), helpLines(true)...), "\n")
	notes := []string{
		"ACCOUNT is a slug, a name in any case, or the start of one; quote names with spaces when a keyword follows: /pulse \"Red Hat\" green.",
		"Examples: " + exampleHealth + " · " + examplePulse + " · " + exampleTouch,
		"Admins are the chat users named in HEALTHBOT_ADMINS; /health admin tells whether you are one.",
	}
	if len(s.Config.ReasonCodes) > 0 {
		notes = append(notes, "Reason codes: "+strings.Join(s.Config.ReasonCodes, ", ")+".")
	}
	return Reply{Ephemeral: true, Colour: "grey", Title: "healthbot commands", Text: text, Context: notes}, nil
}
