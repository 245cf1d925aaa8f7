package console_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// card is a reply shaped like the /health ACCOUNT card.
func card() commands.Reply {
	return commands.Reply{
		Colour: "yellow",
		Title:  "Acme Corp — 72 Stable ▲3 (7d)",
		Text:   "Stable for 12 days. 30-day change −4.",
		Sections: []commands.Section{
			{Title: "Components", Fields: []commands.Field{
				{Label: "usage", Value: "weekly active · 67 · 20.1 pts\nDAU 12.3 / MAU 40 = 0.31"},
				{Label: "adoption", Value: "most · 80 · 20.0 pts"},
				{Label: "support", Value: "neutral · 75 · 15.0 pts"},
				{Label: "engagement", Value: "medium · 67 · 10.1 pts"},
				{Label: "payment", Value: "minor issues · 70 · 7.0 pts"},
			}},
			{Title: "What would raise it", Text: "usage: 9.9 pts below daily active\nengagement: 4.9 pts"},
		},
		Context: []string{"latest pulse: green by dana, 3 days ago", "last touch: call, 9 days ago", "open tickets: 2"},
		Buttons: []commands.Button{
			{Label: "Pulse red", Style: commands.StyleDanger, Action: "/pulse acme-corp red"},
			{Label: "Pulse yellow", Action: "/pulse acme-corp yellow"},
			{Label: "Pulse green", Style: commands.StylePrimary, Action: "/pulse acme-corp green"},
			{Label: "Log touch", Action: "/touch acme-corp"},
		},
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name  string
		reply commands.Reply
	}{
		{"card", card()},
		{"critical", commands.Reply{Colour: "red", Title: "Globex — 31 Critical (computed 48)", Text: "Capped: executive sponsor left."}},
		{"nodata", commands.Reply{Colour: "grey", Title: "Newco — no data", Text: "No connected source has data yet."}},
		{"neutral", commands.Reply{Colour: "grey", Title: "healthbot commands", Text: "/health ACCOUNT  the account's card"}},
		{"plain", commands.Reply{Ephemeral: true, Text: "No account matches \"acm\". Did you mean: Acme Corp, Acmeo?"}},
		{"list", commands.Reply{Title: "At-risk accounts", Sections: []commands.Section{{Fields: []commands.Field{
			{Label: "Initech", Value: "52 At-risk · $4,200 MRR"},
			{Label: "Umbrella Holdings", Value: "58 At-risk · $12,000 MRR"},
		}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := console.Render(&buf, tt.reply); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", tt.name+".golden"), buf.Bytes())
		})
	}
}

func TestMarker(t *testing.T) {
	for colour, want := range map[string]string{
		"green": "[HEALTHY]", "yellow": "[STABLE]", "orange": "[AT-RISK]", "red": "[CRITICAL]", "grey": "[NO DATA]", "": "",
	} {
		if got := console.Marker(colour); got != want {
			t.Errorf("Marker(%q) = %q, want %q", colour, got, want)
		}
	}
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
