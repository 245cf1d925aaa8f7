package commands

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/healthbot/healthbot/models"
)

// Lookup is the outcome of matching what a user typed against the active
// accounts: exactly one of Account, Candidates (ambiguous) or "none"
// (with Suggestions, possibly empty) holds.
type Lookup struct {
	Query       string
	Account     *models.Account  // the single match
	Candidates  []models.Account // several accounts match equally well
	Suggestions []models.Account // nothing matched: the closest names
}

// maxCandidates bounds the names listed in an ambiguous or unknown reply.
const (
	maxCandidates  = 8
	maxSuggestions = 3
)

// LookupAccount matches query against accounts, trying in turn: the slug,
// the name (any case), the name as a slug ("acme corp" → "acme-corp"), a
// unique prefix of slug or name, and a unique prefix of a word of the name.
// The first step with any match decides: one match wins, several are
// ambiguous. With none, Suggestions holds the closest names by edit distance.
func LookupAccount(accounts []models.Account, query string) Lookup {
	l := Lookup{Query: strings.TrimSpace(query)}
	q := strings.ToLower(l.Query)
	if q == "" {
		return l
	}
	qslug := lookupSlug(q)
	steps := []func(a models.Account) bool{
		func(a models.Account) bool { return strings.ToLower(a.Slug) == q },
		func(a models.Account) bool { return strings.ToLower(a.Name) == q },
		func(a models.Account) bool { return qslug != "" && strings.ToLower(a.Slug) == qslug },
		func(a models.Account) bool {
			return strings.HasPrefix(strings.ToLower(a.Slug), q) || strings.HasPrefix(strings.ToLower(a.Name), q) ||
				(qslug != "" && strings.HasPrefix(strings.ToLower(a.Slug), qslug))
		},
		func(a models.Account) bool {
			for _, w := range strings.FieldsFunc(strings.ToLower(a.Name), notAlnumRune) {
				if strings.HasPrefix(w, q) {
					return true
				}
			}
			return false
		},
	}
	for _, match := range steps {
		var hits []models.Account
		for _, a := range accounts {
			if match(a) {
				hits = append(hits, a)
			}
		}
		switch {
		case len(hits) == 1:
			l.Account = &hits[0]
			return l
		case len(hits) > 1:
			sortByName(hits)
			l.Candidates = hits
			return l
		}
	}
	l.Suggestions = closest(accounts, q, maxSuggestions)
	return l
}

// Message is the user's sentence for a lookup that found no single
// account; it is empty when one matched.
func (l Lookup) Message() string {
	switch {
	case l.Account != nil:
		return ""
	case l.Query == "":
		return "Which account? Give its name or slug, for example " + exampleHealth + "."
	case len(l.Candidates) > 0:
		names := accountNames(l.Candidates, maxCandidates)
		return fmt.Sprintf("'%s' matches %d accounts: %s. Type more of the name, or use the slug.", l.Query, len(l.Candidates), names)
	case len(l.Suggestions) > 0:
		return fmt.Sprintf("No account matches '%s'. Did you mean: %s?", l.Query, accountNames(l.Suggestions, maxSuggestions))
	}
	return fmt.Sprintf("No account matches '%s'. /health list shows every account.", l.Query)
}

// accountNames lists names, with the slug beside names that repeat, so
// the user can tell them apart, and "… and N more" past limit.
func accountNames(accs []models.Account, limit int) string {
	seen := map[string]int{}
	for _, a := range accs {
		seen[strings.ToLower(a.Name)]++
	}
	var parts []string
	for i, a := range accs {
		if i == limit {
			parts = append(parts, fmt.Sprintf("… and %d more", len(accs)-limit))
			break
		}
		if seen[strings.ToLower(a.Name)] > 1 {
			parts = append(parts, fmt.Sprintf("%s (%s)", a.Name, a.Slug))
		} else {
			parts = append(parts, a.Name)
		}
	}
	return strings.Join(parts, ", ")
}

// closest ranks accounts by how far query is from the name, the slug, or
// the name's start of the same length (so "acem" finds "Acme Corp"), and
// keeps those near enough to be a plausible typo. A whole-name match ranks
// half a step ahead of an equally close prefix match.
func closest(accounts []models.Account, q string, n int) []models.Account {
	type cand struct {
		a    models.Account
		dist int // doubled, so the half-step fits in an int
	}
	limit := 2 * (len([]rune(q))/3 + 1)
	var cs []cand
	for _, a := range accounts {
		name, slug := strings.ToLower(a.Name), strings.ToLower(a.Slug)
		d := min(2*editDistance(q, name), 2*editDistance(q, slug), 2*editDistance(q, runePrefix(name, len([]rune(q))))+1)
		if d <= limit {
			cs = append(cs, cand{a, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].dist != cs[j].dist {
			return cs[i].dist < cs[j].dist
		}
		return strings.ToLower(cs[i].a.Name) < strings.ToLower(cs[j].a.Name)
	})
	var out []models.Account
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].a)
	}
	return out
}

func runePrefix(s string, n int) string {
	rs := []rune(s)
	if n < len(rs) {
		rs = rs[:n]
	}
	return string(rs)
}

// editDistance is the optimal-string-alignment distance between a and b in
// runes: insertions, deletions, substitutions and swaps of two neighbours
// (the commonest typo) each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// lookupSlug lowercases s and joins its letter-and-digit runs with hyphens,
// the usual shape of a slug.
func lookupSlug(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), notAlnumRune), "-")
}

func notAlnumRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

func sortByName(accs []models.Account) {
	sort.SliceStable(accs, func(i, j int) bool {
		return strings.ToLower(accs[i].Name) < strings.ToLower(accs[j].Name)
	})
}
