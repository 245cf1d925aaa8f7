package discord_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	commandstest.Golden(t, filepath.Join("testdata", name), got, *update)
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

// TestGoldenCards renders the real cards (cards_test.go: the real Service
// on seeded SQLite) as embeds with buttons, checked against Discord's
// limits and the golden files.
func TestGoldenCards(t *testing.T) {
	cards := realCards(t)
	for _, tc := range []struct {
		name   string
		reply  commands.Reply
		colour int
		says   []string // what the message must say, whatever else changes
	}{
		{"healthy", cards.Healthy, 0x2EB67D, []string{"Acme Corp — 92 Healthy ▲3 7d", "Renewal:", "What would raise it"}},
		{"at-risk-override", cards.AtRisk, 0xE8912D, []string{
			"Paper Street Soap — 59 At-risk (capped; computed 68) ▼13 7d",
			"executive sponsor left", "red pulse", "resolve budget and record a new pulse",
			"Overdue invoices: 1, 4,200.50 in total, oldest 12 days past due",
		}},
		{"no-data", cards.NoData, 0x9AA0A6, []string{"Hooli — no data", "Open tickets: no data (tickets not connected)", "Overdue invoices: no data (invoices not connected)"}},
		{"churned", cards.Churned, 0x9AA0A6, []string{"Soylent Corp — churned 2025-03-04 · final score 31 Critical", "Final score 31 Critical on 2025-03-03", "Last 90 days", "Final components"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := discord.Render(tc.reply)
			if err := discord.Validate(m); err != nil {
				t.Fatalf("over Discord's limits: %v", err)
			}
			if m.Embeds[0].Color != tc.colour {
				t.Errorf("colour %#x, want %#x", m.Embeds[0].Color, tc.colour)
			}
			raw := messageJSON(t, m)
			golden(t, "card-"+tc.name+".golden.json", raw)
			var text strings.Builder
			e := m.Embeds[0]
			text.WriteString(e.Title + "\n" + e.Description + "\n")
			for _, f := range e.Fields {
				text.WriteString(f.Name + "\n" + f.Value + "\n")
			}
			if e.Footer != nil {
				text.WriteString(e.Footer.Text)
			}
			for _, want := range tc.says {
				if !strings.Contains(text.String(), want) {
					t.Errorf("card lacks %q:\n%s", want, text.String())
				}
			}
			if strings.Contains(text.String(), "MRR: 0") {
				t.Error("card shows an MRR of 0")
			}
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
