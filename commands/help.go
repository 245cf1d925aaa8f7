package commands

import "strings"

// helpLines is the grammar, one command per line, as the user types it.
var helpLines = []string{
	"/health ACCOUNT — the account's card: score, trend, components, what would raise it",
	"/health — your accounts, worst first (everyone's when you own none)",
	"/health list [healthy|stable|at-risk|critical] — accounts in a status, worst first, with MRR",
	"/health summary — the weekly summary, now",
	"/health help — this list",
	"/pulse ACCOUNT red|yellow|green [REASON] [NOTE…] — record your read of the account; red asks for a reason",
	"/touch ACCOUNT call|email|meeting|chat|qbr|other [--exec] [NOTE…] — log a touch; --exec: the executive sponsor was there",
}

// help answers "/health help".
func (s *Service) help() Reply {
	text := strings.Join(helpLines, "\n")
	notes := []string{
		"ACCOUNT is a slug, a name in any case, or the start of one; quote names with spaces when a keyword follows: /pulse \"Red Hat\" green.",
		"Examples: " + exampleHealth + " · " + examplePulse + " · " + exampleTouch,
	}
	if len(s.Config.ReasonCodes) > 0 {
		notes = append(notes, "Reason codes: "+strings.Join(s.Config.ReasonCodes, ", ")+".")
	}
	return Reply{Ephemeral: true, Colour: "grey", Title: "healthbot commands", Text: text, Context: notes}
}
