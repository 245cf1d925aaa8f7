package commands

import (
	"slices"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

func TestMatchReason(t *testing.T) {
	codes := scoring.Default().ReasonCodes // budget, champion-left, product-gaps, competitor, poor-support, low-adoption, merger, other
	for _, tt := range []struct {
		text     string
		prefixes bool // a red pulse's reading
		code     string
		note     string
		maybe    []string
	}{
		// Exactly, with hyphens or spaces, in any case.
		{"budget", true, "budget", "", nil},
		{"Budget cut by 30%", true, "budget", "cut by 30%", nil},
		{"champion-left", true, "champion-left", "", nil},
		{"champion left", true, "champion-left", "", nil},
		{"Champion Left CFO moved on", true, "champion-left", "CFO moved on", nil},
		{`"champion left" CFO moved on`, true, "champion-left", "CFO moved on", nil},
		{"CHAMPION-LEFT", false, "champion-left", "", nil},
		{"champion left", false, "champion-left", "", nil},
		// The note is kept verbatim: its spacing and quotes.
		{"budget   cut  “by” 30%  ", true, "budget", "cut  “by” 30%", nil},
		{`budget "quoted note"`, true, "budget", `"quoted note"`, nil},
		// A unique prefix names a code when prefixes count.
		{"champ", true, "champion-left", "", nil},
		{"champ gone to a rival", true, "champion-left", "gone to a rival", nil},
		{"champion le", true, "champion-left", "", nil},
		{"comp", true, "competitor", "", nil},
		{"low adop usage fell", true, "low-adoption", "usage fell", nil},
		{"champ", false, "", "champ", nil},
		// An ambiguous prefix names every code it could be.
		{"c", true, "", "c", []string{"champion-left", "competitor"}},
		{"p gaps", true, "", "p gaps", []string{"product-gaps", "poor-support"}},
		{"pro", true, "product-gaps", "", nil},
		// No code: all of the text is the note.
		{"great QBR", false, "", "great QBR", nil},
		{"great QBR", true, "", "great QBR", nil},
		{"follow-up done", false, "", "follow-up done", nil},
		{"", true, "", "", nil},
		{"   ", false, "", "", nil},
		// The longest run of words that names a code wins.
		{"other happy now", false, "other", "happy now", nil},
		{"merger talks", false, "merger", "talks", nil},
		{"merge done", false, "", "merge done", nil},
		{"merge done", true, "merger", "done", nil},
	} {
		got := matchReason(tt.text, codes, tt.prefixes)
		if got.Code != tt.code || got.Note != tt.note || !slices.Equal(got.Maybe, tt.maybe) {
			t.Errorf("matchReason(%q, prefixes %v) = %+v; want code %q, note %q, maybe %q", tt.text, tt.prefixes, got, tt.code, tt.note, tt.maybe)
		}
	}
	// Codes of several words, and one that is the start of another.
	codes = []string{"budget", "budget-cut", "went-with-a-rival"}
	for _, tt := range []struct{ text, code, note string }{
		{"budget cut by 30%", "budget-cut", "by 30%"},
		{"budget freeze", "budget", "freeze"},
		{"went with a rival last week", "went-with-a-rival", "last week"},
		{"went with us", "went-with-a-rival", "us"}, // words that start a code name it, on a red pulse
		{"left", "", "left"},
	} {
		if got := matchReason(tt.text, codes, true); got.Code != tt.code || got.Note != tt.note {
			t.Errorf("matchReason(%q) = %+v; want %q, %q", tt.text, got, tt.code, tt.note)
		}
	}
}
