package commands

import (
	"slices"
	"strings"
)

// helpLines is the grammar, one command per line, as the user types it.
var helpLines = []string{
	"/health ACCOUNT — the account's card: score, trend, components, what would raise it",
	"/health — your accounts, worst first (everyone's when you own none)",
	"/health list [healthy|stable|at-risk|critical] — accounts in a status, worst first, with MRR",
	"/health summary — the weekly summary, now",
	"/health help — this list",
	"/pulse ACCOUNT red|yellow|green [REASON] [NOTE…] — record your read of the account; red asks for a reason",
	"/touch ACCOUNT call|email|meeting|chat|qbr|other [--exec] [NOTE…] — log a touch; --exec: the executive sponsor was there",
	"/health iam HANDLE — say which CSM you are (the handle in your accounts' owner column), so /health lists your accounts",
}

// adminHelpLines are the configuration commands, for healthbot admins
// only; "/health admin" shows them with whether the caller is one.
var adminHelpLines = []string{
	"/health admin csm HANDLE @user — admins: map a chat user to a CSM (created when new); slack:ID or discord:ID maps another platform's user",
	"/health admin channel ACCOUNT #channel|default — admins: where the account's alerts go on this platform",
	"/health admin owner ACCOUNT HANDLE|@user|none — admins: the account's owner CSM",
}

// help answers "/health help".
func (s *Service) help() Reply {
	text := strings.Join(append(slices.Clone(helpLines), adminHelpLines...), "\n")
	notes := []string{
		"ACCOUNT is a slug, a name in any case, or the start of one; quote names with spaces when a keyword follows: /pulse \"Red Hat\" green.",
		"Examples: " + exampleHealth + " · " + examplePulse + " · " + exampleTouch,
		"Admins are the chat users named in HEALTHBOT_ADMINS; /health admin tells whether you are one.",
	}
	if len(s.Config.ReasonCodes) > 0 {
		notes = append(notes, "Reason codes: "+strings.Join(s.Config.ReasonCodes, ", ")+".")
	}
	return Reply{Ephemeral: true, Colour: "grey", Title: "healthbot commands", Text: text, Context: notes}
}
