package commands_test

import (
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
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
