package commands

import (
	"strings"
)

// reasonMatch is what the words of a pulse say about its reason.
type reasonMatch struct {
	Code  string   // the reason code named; "" when none is
	Note  string   // the words after the code, as typed; all of them when no code is named
	Maybe []string // the codes an ambiguous prefix could be (and Code is "")
}

// matchReason reads text, the words of a pulse after its colour, against
// the configured reason codes (lower-case, words joined by hyphens). The
// code may be typed with hyphens or spaces ("champion-left", "champion
// left", any case); with prefixes, a unique prefix names it too ("champ"),
// which is how a red pulse, whose reason is required, reads it. The
// longest run of leading words that names a code wins; the rest of text
// is the note, verbatim. When no run names a code, Note is all of text.
func matchReason(text string, codes []string, prefixes bool) reasonMatch {
	text = strings.TrimSpace(text)
	words := splitWords(text)
	for k := min(len(words), maxCodeWords(codes)); k >= 1; k-- {
		typed := codeOf(words[:k])
		if typed == "" {
			continue
		}
		var hits []string
		for _, c := range codes {
			if c == typed {
				hits = []string{c}
				break
			}
			if prefixes && strings.HasPrefix(c, typed) {
				hits = append(hits, c)
			}
		}
		switch {
		case len(hits) == 1:
			note := ""
			if k < len(words) {
				note = strings.TrimSpace(text[words[k].start:])
			}
			return reasonMatch{Code: hits[0], Note: note}
		case len(hits) > 1:
			return reasonMatch{Note: text, Maybe: hits}
		}
	}
	return reasonMatch{Note: text}
}

// codeOf is words as a reason code would spell them: lower case, joined
// by hyphens, a quoted word's spaces made hyphens too.
func codeOf(words []cmdWord) string {
	parts := make([]string, 0, len(words))
	for _, w := range words {
		parts = append(parts, strings.Fields(strings.ToLower(w.text))...)
	}
	return strings.Join(parts, "-")
}

// maxCodeWords is the most words a code spells when typed with spaces.
func maxCodeWords(codes []string) int {
	n := 1
	for _, c := range codes {
		n = max(n, strings.Count(c, "-")+1)
	}
	return n
}
