package discord_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func buttons(slug string) []commands.Button {
	return []commands.Button{
		{Label: "Pulse red", Style: commands.StyleDanger, Action: "/pulse " + slug + " red"},
		{Label: "Pulse yellow", Style: commands.StyleDefault, Action: "/pulse " + slug + " yellow"},
		{Label: "Pulse green", Style: commands.StylePrimary, Action: "/pulse " + slug + " green"},
		{Label: "Log touch", Style: commands.StyleDefault, Action: "/touch " + slug},
	}
}

// The three cards of the issue, laid out as the commands layer lays them out.
var goldenCards = map[string]commands.Reply{
	"healthy": {
		Colour: "green",
		Title:  "Acme Corp — 86 Healthy ▲4 (7d)",
		Text:   "+4 over 7 days, +9 over 30 days.\nSuggested action: look for expansion and ask for a reference.",
		Sections: []commands.Section{
			{Title: "Components", Fields: []commands.Field{
				{Label: "usage", Value: "High · 92/100 · 27.6 of 30 pts · 41 of 45 seats weekly"},
				{Label: "support", Value: "Good · 85/100 · 17 of 20 pts · 1 open ticket"},
				{Label: "relationship", Value: "Strong · 90/100 · 18 of 20 pts · exec QBR 12 days ago"},
				{Label: "financial", Value: "Good · 80/100 · 12 of 15 pts · no overdue invoices"},
				{Label: "sentiment", Value: "Good · 75/100 · 7.5 of 10 pts · NPS 9"},
			}},
			{Title: "What would raise it", Fields: []commands.Field{
				{Label: "sentiment", Value: "Good costs 2.5 pts"},
				{Label: "financial", Value: "Good costs 3 pts"},
			}},
		},
		Context: []string{"Pulse: green by Maria, 3 days ago", "Last touch: qbr with the executive sponsor by Maria, 12 days ago", "Open tickets: 1", "Overdue invoices: none", "Renewal: 2025-09-30 (in 200 days)", "MRR: $12,400.00 · Owner: maria · Healthy for 41 days"},
		Buttons: buttons("acme"),
	},
	"at-risk-override": {
		Colour: "orange",
		Title:  "Globex — 45 At-risk ▼12 (7d) (capped, computed 68)",
		Text:   "−12 over 7 days, −20 over 30 days.\nCapped at 45 from 68: executive sponsor departed.\nSuggested action: call the account owner this week and agree a recovery plan.\nPulse red (budget) by Sam: CFO froze all new spend until Q3.",
		Sections: []commands.Section{
			{Title: "Components", Fields: []commands.Field{
				{Label: "usage", Value: "Medium · 60/100 · 18 of 30 pts · 22 of 50 seats weekly"},
				{Label: "support", Value: "Poor · 40/100 · 8 of 20 pts · 4 open tickets, 2 escalated"},
				{Label: "relationship", Value: "Weak · 30/100 · 6 of 20 pts · sponsor departed"},
				{Label: "financial", Value: "At risk · 50/100 · 7.5 of 15 pts · 1 invoice 21 days overdue"},
				{Label: "sentiment", Value: "Poor · 20/100 · 2 of 10 pts · NPS 3"},
			}},
			{Title: "What would raise it", Fields: []commands.Field{
				{Label: "relationship", Value: "Weak costs 14 pts"},
				{Label: "support", Value: "Poor costs 12 pts"},
				{Label: "usage", Value: "Medium costs 12 pts"},
			}},
		},
		Context: []string{"Pulse: red (budget) by Sam, 2 days ago: CFO froze all new spend until Q3.", "Last touch: call by Sam, 9 days ago", "Open tickets: 4 (2 escalated)", "Overdue invoices: 1, $3,100.00 in total, oldest 21 days past due", "Renewal: 2025-05-01 (in 48 days)", "MRR: $8,900.00 · Owner: sam · At-risk for 6 days"},
		Buttons: buttons("globex"),
	},
	"no-data": {
		Colour:   "grey",
		Title:    "Initech — no data",
		Text:     "No connected source has data for this account yet, so it has no score (no data, not 0). Connect usage, tickets, touches or invoices, or record a pulse.",
		Sections: []commands.Section{{Title: "Components", Text: "No data: usage, support, relationship, financial, sentiment."}},
		Context:  []string{"Pulse: none recorded", "Last touch: never", "Open tickets: 0", "Overdue invoices: none", "MRR: $0.00"},
		Buttons:  buttons("initech"),
	},
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test -run %s -update and review the diff.\ngot:\n%s", path, t.Name(), got)
	}
}

// messageJSON is the message as Discord receives it.
func messageJSON(t *testing.T, m discord.Message) []byte {
	t.Helper()
	msg := map[string]any{"content": m.Content, "embeds": m.Embeds, "components": m.Components, "ephemeral": m.Ephemeral}
	if m.AllowedMentions != nil {
		msg["allowed_mentions"] = m.AllowedMentions
	}
	b, err := json.MarshalIndent(msg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestGoldenCards(t *testing.T) {
	wantColour := map[string]int{"healthy": 0x2EB67D, "at-risk-override": 0xE8912D, "no-data": 0x9AA0A6}
	for name, r := range goldenCards {
		t.Run(name, func(t *testing.T) {
			m := discord.Render(r)
			if err := discord.Validate(m); err != nil {
				t.Fatalf("over Discord's limits: %v", err)
			}
			if m.Embeds[0].Color != wantColour[name] {
				t.Errorf("colour %#x, want %#x", m.Embeds[0].Color, wantColour[name])
			}
			golden(t, "card-"+name+".golden.json", messageJSON(t, m))
		})
	}
}

func TestGoldenModals(t *testing.T) {
	forms := map[string]commands.Form{
		"pulse": {ID: commands.FormPulse, Title: "Red pulse: Acme Corp", Submit: "Record", Account: "acme", Hidden: map[string]string{"colour": "red"},
			Fields: []commands.FormField{
				{Name: "reason", Label: "Reason", Kind: commands.FieldSelect, Required: true, Options: []commands.Option{{Value: "budget"}, {Value: "champion"}, {Value: "product"}, {Value: "support"}, {Value: "competitor"}, {Value: "other"}}},
				{Name: "note", Label: "Note", Kind: commands.FieldText, Placeholder: "What is going on?", MaxLength: 2000},
			}},
		"touch": {ID: commands.FormTouch, Title: "Log touch: A Very Long Account Name That Goes On And On", Submit: "Log", Account: "acme",
			Fields: []commands.FormField{
				{Name: "kind", Label: "Kind", Kind: commands.FieldSelect, Required: true, Options: []commands.Option{{Value: "call"}, {Value: "email"}, {Value: "meeting"}, {Value: "chat"}, {Value: "qbr"}, {Value: "other"}}},
				{Name: "exec", Label: "Executive sponsor present", Kind: commands.FieldCheckbox},
				{Name: "note", Label: "Note", Kind: commands.FieldText, Placeholder: "What was discussed?", MaxLength: 2000},
			}},
	}
	for name, f := range forms {
		t.Run(name, func(t *testing.T) {
			data, long := discord.RenderModal(f)
			if err := discord.ValidateModal(data); err != nil {
				t.Fatal(err)
			}
			if long != nil {
				t.Errorf("a short form needed a remembered id: %v", long)
			}
			b, err := json.MarshalIndent(discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: data}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "modal-"+name+".golden.json", append(b, '\n'))
		})
	}
}

// TestRenderWithinLimits: oversized replies are cut to Discord's limits
// and say how much was left out.
func TestRenderWithinLimits(t *testing.T) {
	var many []commands.Field
	for i := range 40 {
		many = append(many, commands.Field{Label: fmt.Sprintf("account %02d", i), Value: strings.Repeat("x", 300)})
	}
	var lines []string
	for i := range 300 {
		lines = append(lines, fmt.Sprintf("Account %03d — 40 At-risk · MRR $1,000.00", i))
	}
	var lotsOfButtons []commands.Button
	for i := range 30 {
		lotsOfButtons = append(lotsOfButtons, commands.Button{Label: strings.Repeat("L", 100), Action: fmt.Sprintf("/pulse acct-%d green", i)})
	}
	r := commands.Reply{
		Title:    strings.Repeat("T", 300),
		Text:     strings.Join(lines, "\n"),
		Sections: []commands.Section{{Title: "Many", Text: strings.Join(lines, "\n"), Fields: many}},
		Context:  lines,
		Buttons:  lotsOfButtons,
	}
	m := discord.Render(r)
	if err := discord.Validate(m); err != nil {
		t.Fatalf("over the limits: %v", err)
	}
	e := m.Embeds[0]
	if n := utf8.RuneCountInString(e.Title); n != discord.MaxEmbedTitle || !strings.HasSuffix(e.Title, "…") {
		t.Errorf("title %d characters: %q", n, e.Title)
	}
	if !strings.Contains(e.Description, "more") || !strings.HasPrefix(e.Description, "Account 000") {
		t.Errorf("description does not say what it left out: …%s", e.Description[max(0, len(e.Description)-40):])
	}
	// 41 fields do not fit 25: the section becomes one list field, cut
	// at a line with an explicit …and N more.
	last := e.Fields[len(e.Fields)-1]
	if len(e.Fields) != 1 || last.Name != "Many" || !regexp.MustCompile(`\n…and \d+ more$`).MatchString(last.Value) {
		t.Errorf("%d fields, last %q ending %q, want one list ending …and N more", len(e.Fields), last.Name, last.Value[max(0, len(last.Value)-30):])
	}
	if len(m.Components) != discord.MaxRows || len(m.Components[0].(discordgo.ActionsRow).Components) != 5 {
		t.Errorf("%d rows", len(m.Components))
	}
	if l := m.Components[0].(discordgo.ActionsRow).Components[0].(discordgo.Button).Label; utf8.RuneCountInString(l) != discord.MaxButtonLabel {
		t.Errorf("button label %d characters", utf8.RuneCountInString(l))
	}
}

func TestTruncateLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc", 10, "a\nb\nc"},
		{"one\ntwo\nthree\nfour", 16, "one\n…and 3 more"},
		{"one\ntwo\nthree\nfour\nfive", 19, "one\ntwo\n…and 3 more"},
		{"a single long line", 8, "a singl…"},
		{"", 5, ""},
	} {
		if got := discord.TruncateLines(tc.in, tc.n); got != tc.want {
			t.Errorf("TruncateLines(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestFitFields(t *testing.T) {
	var fields []*discordgo.MessageEmbedField
	for i := range 30 {
		fields = append(fields, &discordgo.MessageEmbedField{Name: fmt.Sprint(i), Value: "vvvvvvvvvv"})
	}
	got := discord.FitFields(fields, 25, 6000)
	if len(got) != 25 || got[24].Name != "…and 6 more" || got[23].Name != "23" {
		t.Errorf("by count: %d fields, last %q", len(got), got[len(got)-1].Name)
	}
	got = discord.FitFields(fields[:10], 25, 100) // 11-12 runes each; the marker 61
	if got[len(got)-1].Name != fmt.Sprintf("…and %d more", 10-(len(got)-1)) {
		t.Errorf("by size: last %q of %d", got[len(got)-1].Name, len(got))
	}
	total := 0
	for _, f := range got {
		total += utf8.RuneCountInString(f.Name + f.Value)
	}
	if total > 100 {
		t.Errorf("%d characters, over the budget of 100", total)
	}
	if got := discord.FitFields(fields[:3], 25, 6000); len(got) != 3 {
		t.Errorf("fields that fit were changed: %d", len(got))
	}
}

// TestRenderPlainText: a reply with text only is message content.
func TestRenderPlainText(t *testing.T) {
	m := discord.Render(commands.Reply{Ephemeral: true, Text: "Recorded a green pulse for Acme Corp. Score now 72 Stable."})
	if m.Content != "Recorded a green pulse for Acme Corp. Score now 72 Stable." || len(m.Embeds) != 0 || !m.Ephemeral {
		t.Errorf("got %+v", m)
	}
}
