package commands

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeCommandTable keeps the README's chat command table in step
// with the command table: one line per command that /health help lists,
// its usage written as the table writes it, in the table's order.
func TestReadmeCommandTable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	at := strings.Index(readme, "\n## Chat commands\n")
	if at < 0 {
		t.Fatal("README has no section \"Chat commands\"")
	}
	section := readme[at+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var got []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(section, -1) {
		got = append(got, strings.ReplaceAll(m[1], `\|`, "|"))
	}
	var want []string
	for _, r := range table {
		if r.Help != "" {
			want = append(want, r.Usage)
		}
	}
	if slices.Equal(got, want) {
		return
	}
	for _, u := range want {
		if !slices.Contains(got, u) {
			t.Errorf("README's chat command table lacks %q", u)
		}
	}
	for _, u := range got {
		if !slices.Contains(want, u) {
			t.Errorf("README's chat command table has %q, which is not a command of the table", u)
		}
	}
	if !t.Failed() {
		t.Errorf("README's chat command table is out of the table's order:\n got %q\nwant %q", got, want)
	}
}
