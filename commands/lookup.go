package commands

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

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
	TooLong     int              // the query's length in characters when over MaxAccountQuery; nothing was matched
}

// MaxAccountQuery is the longest query looked up, in characters: the
// longest account name ingestion accepts (256; slugs are at most 128).
// A longer query cannot name an account, and its cost would grow with its
// length: an edit distance is quadratic in it. Discord already caps an
// option at 200 characters; Slack sends a command's text as typed.
const MaxAccountQuery = 256

// maxCandidates bounds the names listed in an ambiguous or unknown reply.
const (
	maxCandidates  = 8
	maxSuggestions = 3
)

// maxTypos caps how many edits a suggestion may be away from the query
// (otherwise a third of its length): a name ten edits away is no longer a
// typo of it, and the cap bounds the work per account whatever the
// query's length.
const maxTypos = 10

// LookupAccount matches query against accounts, trying in turn: the slug,
// the name (any case), the name as a slug ("acme corp" → "acme-corp"), a
// unique prefix of slug or name, and a unique prefix of a word of the name.
// The first step with any match decides: one match wins, several are
// ambiguous. With none, Suggestions holds the closest names by edit distance.
func LookupAccount(accounts []models.Account, query string) Lookup {
	l := Lookup{Query: strings.TrimSpace(query)}
	if n := utf8.RuneCountInString(l.Query); n > MaxAccountQuery {
		l.TooLong = n
		return l
	}
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
	case l.TooLong > 0:
		// Not echoed: it is no name, and could fill the screen.
		return fmt.Sprintf("That account name is %d characters long; names and slugs have at most %d. Give the account's name or slug, for example %s.",
			l.TooLong, MaxAccountQuery, exampleHealth)
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
// keeps the n nearest that are near enough to be a plausible typo (a
// third of the query's length, at most maxTypos edits). A
// whole-name match ranks half a step ahead of an equally close prefix
// match. Its cost is linear in accounts: each distance is bounded by the
// worst of the n kept so far and stops as soon as it exceeds it.
func closest(accounts []models.Account, q string, n int) []models.Account {
	type cand struct {
		a    models.Account
		name string
		dist int // doubled, so the half-step fits in an int
	}
	rq := []rune(q)
	limit := 2 * min(len(rq)/3+1, maxTypos)
	var best []cand // the n nearest so far, by (dist, name), in account order on ties
	var osa osaTable
	for _, a := range accounts {
		bound := limit
		if len(best) == n {
			bound = best[n-1].dist // a tie may still rank first by name
		}
		name := strings.ToLower(a.Name)
		rn := []rune(name)
		d := 2 * osa.distance(rq, rn, bound/2)
		d = min(d, 2*osa.distance(rq, []rune(strings.ToLower(a.Slug)), bound/2))
		if bound > 0 {
			d = min(d, 2*osa.distance(rq, rn[:min(len(rn), len(rq))], (bound-1)/2)+1)
		}
		if d > bound {
			continue
		}
		c := cand{a, name, d}
		i := sort.Search(len(best), func(i int) bool {
			return best[i].dist > d || best[i].dist == d && best[i].name > name
		})
		if i == n {
			continue
		}
		best = slices.Insert(best, i, c)
		if len(best) > n {
			best = best[:n]
		}
	}
	out := make([]models.Account, 0, len(best))
	for _, c := range best {
		out = append(out, c.a)
	}
	return out
}

// boundedDistance is the optimal-string-alignment distance between a and
// b (insertions, deletions, substitutions and swaps of two neighbours, the
// commonest typo, each cost one) when it is at most k, and k+1 otherwise.
// Only the band of cells within k of the diagonal is computed, and it
// stops at the first row whose every cell exceeds k (a row's minimum never
// decreases), so it costs O(min(len) * k) rather than O(len(a) * len(b)).
func boundedDistance(a, b []rune, k int) int {
	var t osaTable
	return t.distance(a, b, k)
}

// osaTable holds the three rows boundedDistance works in, reused from one
// account to the next.
type osaTable struct{ rows [3][]int }

// distance is boundedDistance(a, b, k) in t's rows.
func (t *osaTable) distance(a, b []rune, k int) int {
	if len(a) > len(b) {
		a, b = b, a // the distance is symmetric
	}
	n, m := len(a), len(b)
	if m-n > k {
		return k + 1
	}
	if n == 0 {
		return m
	}
	over := k + 1 // stands for every value past the bound, outside the band too
	for r := range t.rows {
		if cap(t.rows[r]) < m+1 {
			t.rows[r] = make([]int, m+1)
		}
	}
	prev2, prev, cur := t.rows[0][:m+1], t.rows[1][:m+1], t.rows[2][:m+1]
	for j := range prev {
		prev[j] = min(j, over)
	}
	for i := 1; i <= n; i++ {
		lo, hi := max(1, i-k), min(m, i+k)
		cur[0] = min(i, over)
		rowMin := cur[0]
		if lo > 1 {
			cur[lo-1] = over
			rowMin = over
		}
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			v = min(v, over)
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if hi < m {
			cur[hi+1] = over // read by the next row, whose band reaches one further
		}
		if rowMin > k {
			return over
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
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
