package commands_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

func TestLookupAccount(t *testing.T) {
	accs := []models.Account{
		{ID: 1, Name: "Acme Corp", Slug: "acme-corp"},
		{ID: 2, Name: "Acne Labs", Slug: "acne-labs"},
		{ID: 3, Name: "Globex", Slug: "globex"},
		{ID: 4, Name: "Globex Europe", Slug: "globex-eu"},
		{ID: 5, Name: "Initech", Slug: "initech"},
		{ID: 6, Name: "Umbrella Health", Slug: "umbrella"},
		{ID: 7, Name: "Stark Industries", Slug: "stark"},
		{ID: 8, Name: "Wayne Enterprises", Slug: "wayne"},
	}
	tests := []struct {
		query      string
		want       uint   // the single match, 0 for none
		candidates []uint // ambiguous
		message    string // substring of Message when no single match
	}{
		{query: "acme-corp", want: 1},
		{query: "ACME-CORP", want: 1},
		{query: "Acme Corp", want: 1},
		{query: "acme corp", want: 1},
		{query: "  acme corp ", want: 1},
		{query: "acme", want: 1},
		{query: "acn", want: 2},
		{query: "globex", want: 3},        // exact slug beats being a prefix of "Globex Europe"
		{query: "globex europe", want: 4}, // name, any case
		{query: "globex-e", want: 4},      // unique slug prefix
		{query: "init", want: 5},          // name prefix
		{query: "umbrella health", want: 6},
		{query: "health", want: 6}, // prefix of a word of the name
		{query: "ind", want: 7},    // prefix of a word of the name
		{query: "ac", candidates: []uint{1, 2}, message: "'ac' matches 2 accounts: Acme Corp, Acne Labs"},
		{query: "glob", candidates: []uint{3, 4}, message: "Globex, Globex Europe"},
		{query: "acem", message: "No account matches 'acem'. Did you mean: Acme Corp"},
		{query: "acme crop", message: "Did you mean: Acme Corp?"},
		{query: "initek", message: "Did you mean: Initech?"},
		{query: "zzzzzzzz", message: "No account matches 'zzzzzzzz'. /health list shows every account."},
		{query: "", message: "Which account?"},
	}
	for _, tt := range tests {
		l := commands.LookupAccount(accs, tt.query)
		var got uint
		if l.Account != nil {
			got = l.Account.ID
		}
		if got != tt.want {
			t.Errorf("LookupAccount(%q) = account %d, want %d (message %q)", tt.query, got, tt.want, l.Message())
		}
		var cands []uint
		for _, c := range l.Candidates {
			cands = append(cands, c.ID)
		}
		if !sameIDs(cands, tt.candidates) {
			t.Errorf("LookupAccount(%q) candidates = %v, want %v", tt.query, cands, tt.candidates)
		}
		if msg := l.Message(); !strings.Contains(msg, tt.message) || (tt.message == "") != (msg == "") {
			t.Errorf("LookupAccount(%q).Message() = %q, want it to contain %q", tt.query, msg, tt.message)
		}
	}
}

func TestLookupSuggestionsClosestFirst(t *testing.T) {
	accs := []models.Account{
		{ID: 1, Name: "Acme Corp", Slug: "acme-corp"},
		{ID: 2, Name: "Acne Labs", Slug: "acne-labs"},
		{ID: 3, Name: "Ace Hardware", Slug: "ace"},
		{ID: 4, Name: "Zeta", Slug: "zeta"},
	}
	l := commands.LookupAccount(accs, "acmx")
	want := "No account matches 'acmx'. Did you mean: Acme Corp, Ace Hardware?"
	if got := l.Message(); got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
}

func TestLookupDuplicateNamesShowSlugs(t *testing.T) {
	accs := []models.Account{
		{ID: 1, Name: "Acme", Slug: "acme-us"},
		{ID: 2, Name: "Acme", Slug: "acme-eu"},
	}
	l := commands.LookupAccount(accs, "acme")
	want := "'acme' matches 2 accounts: Acme (acme-us), Acme (acme-eu). Type more of the name, or use the slug."
	if got := l.Message(); got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
}

func sameIDs(a, b []uint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLookupOverlongQuery: a query longer than any account name can be is
// answered at once with a sentence that says so and how to ask instead,
// without echoing the query back.
func TestLookupOverlongQuery(t *testing.T) {
	accs := []models.Account{{ID: 1, Name: "Acme Corp", Slug: "acme-corp"}}
	q := strings.Repeat("acme-", 8000) // 40,000 characters
	msg := commands.LookupAccount(accs, q).Message()
	want := "That account name is 40000 characters long; names and slugs have at most 256. Give the account's name or slug, for example /health acme."
	if msg != want {
		t.Errorf("Message() = %.200q…, want %q", msg, want)
	}
	// The longest name an account can have is still looked up.
	long := strings.Repeat("n", commands.MaxAccountQuery)
	l := commands.LookupAccount([]models.Account{{ID: 2, Name: long, Slug: "long"}}, long)
	if l.Account == nil || l.Account.ID != 2 {
		t.Errorf("a %d-character name was not found: %q", len(long), l.Message())
	}
}

// TestHealthOverlongAccountQuery: the same through /health, on a real
// store: a clear sentence, not an apology or a 40,000-character echo.
func TestHealthOverlongAccountQuery(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		r := runLine(t, svc, callerMaria, "/health "+strings.Repeat("x", 40000))
		if !strings.HasPrefix(r.Text, "That account name is 40000 characters long") || len(r.Text) > 300 || !r.Ephemeral {
			t.Errorf("reply %.300q (ephemeral %v)", r.Text, r.Ephemeral)
		}
	})
}

// TestBoundedDistanceMatchesFull: the banded distance with early exit
// agrees with the full optimal-string-alignment table whenever the
// distance is within the bound, and reports bound+1 otherwise.
func TestBoundedDistanceMatchesFull(t *testing.T) {
	words := []string{"", "a", "ab", "ba", "acme", "acem", "amce", "acme corp", "acme crop", "initech", "initek",
		"globex europe", "globex", "umbrella health", "ca", "abc", "cab", "bca", "éclair", "eclair", "zzzzzzzz"}
	for _, a := range words {
		for _, b := range words {
			full := fullOSA(a, b)
			for k := 0; k <= 16; k++ {
				want := min(full, k+1)
				if got := commands.BoundedDistance([]rune(a), []rune(b), k); got != want {
					t.Errorf("BoundedDistance(%q, %q, %d) = %d, want %d (full %d)", a, b, k, got, want, full)
				}
			}
		}
	}
}

// fullOSA is the textbook optimal-string-alignment distance, the
// reference for the banded one.
func fullOSA(a, b string) int {
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

// BenchmarkLookupSuggestions is the cost of an unknown account name at
// 1,000 accounts: a typo, the longest query looked up (MaxAccountQuery
// characters, against names as long), and a 40,000-character query, which
// used to cost 49 s of CPU and is now refused by its length.
func BenchmarkLookupSuggestions(b *testing.B) {
	const n = 1000
	short := make([]models.Account, n)
	long := make([]models.Account, n)
	for i := range n {
		name := fmt.Sprintf("Customer %04d Holdings", i)
		short[i] = models.Account{ID: uint(i + 1), Name: name, Slug: fmt.Sprintf("customer-%04d", i)}
		ln := strings.Repeat(fmt.Sprintf("%04d", i), commands.MaxAccountQuery/4)
		long[i] = models.Account{ID: uint(i + 1), Name: ln, Slug: ln}
	}
	for _, bc := range []struct {
		name  string
		accs  []models.Account
		query string
	}{
		{"typo", short, "custmer 0420 holdngs"},
		{"longest-query", long, strings.Repeat("9", commands.MaxAccountQuery)},
		{"40000-chars", short, strings.Repeat("x", 40000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				commands.LookupAccount(bc.accs, bc.query)
			}
		})
	}
}
