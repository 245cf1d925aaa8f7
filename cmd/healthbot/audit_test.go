package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The health model's version is recorded once per change, however many
// times healthbot starts with it, and a CSV import is recorded as the
// shell user's, with its file; an admin reads both in /health admin
// history.
func TestModelAndImportAreAudited(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		p.mustRun("", "migrate")
		p.mustRun("", "migrate")
		cfg := filepath.Join(t.TempDir(), "healthbot.yaml")
		if err := os.WriteFile(cfg, []byte("weights: {usage: 40}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p.env["HEALTHBOT_CONFIG"] = cfg
		p.mustRun("", "migrate")
		csv := filepath.Join(t.TempDir(), "accounts.csv")
		if err := os.WriteFile(csv, []byte("external_id,name,owner\nA-1,Umbrella,carol\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p.mustRun("", "import", "accounts", csv)
		out := p.mustRun("/health admin history\n", "console").stdout
		lines := strings.Split(out, "\n")
		var entries []string
		for _, l := range lines {
			if strings.HasPrefix(l, "  20") {
				entries = append(entries, l)
			}
		}
		if len(entries) != 3 {
			t.Fatalf("want 3 entries (two model versions, one import):\n%s", out)
		}
		for i, want := range []string{
			"dana (command line)",
			"config (" + cfg + ")",
			"config (built-in defaults)",
		} {
			if !strings.Contains(entries[i], want) {
				t.Errorf("entry %d: %q, want %q", i, entries[i], want)
			}
		}
		for i, want := range []string{
			"Ingestion batch accounts — records 1 · inserted 1 · updated 0 · unchanged 0 · source /",
			"Health model — version ",
			"Health model — version ",
		} {
			if !strings.Contains(entries[i], want) {
				t.Errorf("entry %d: %q, want %q", i, entries[i], want)
			}
		}
		if !strings.Contains(entries[1], " → ") || strings.Contains(entries[2], " → ") {
			t.Errorf("versions: a change, then the first:\n%s\n%s", entries[1], entries[2])
		}
	})
}
