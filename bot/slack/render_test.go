package slack_test

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

	"gopkg.in/yaml.v3"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	commandstest.Golden(t, filepath.Join("testdata", name), got, *update)
}

func blocksJSON(t *testing.T, r commands.Reply) []byte {
	t.Helper()
	return indentJSON(t, slackbot.Blocks(r))
}

func checkLimits(t *testing.T, raw []byte, max int) {
	t.Helper()
	for _, p := range slackbot.CheckBlocks(raw, max) {
		t.Error("limit broken: " + p)
	}
}

// TestCardGoldens renders the real cards (cards_test.go: the real Service
// on seeded SQLite) as Block Kit, checked against Slack's limits and the
// golden files.
func TestCardGoldens(t *testing.T) {
	cards := realCards(t)
	for _, tc := range []struct {
		name  string
		reply commands.Reply
		says  []string // what the card must say, whatever else changes
	}{
		{"healthy.golden.json", cards.Healthy, []string{"Acme Corp — 92 Healthy ▲3 7d", "Renewal:", "What would raise it"}},
		{"at_risk_override.golden.json", cards.AtRisk, []string{
			"Paper Street Soap — 59 At-risk (capped; computed 68) ▼13 7d",
			"executive sponsor left", "red pulse", "resolve budget and record a new pulse",
			"Overdue invoices: 1, 4,200.50 in total, oldest 12 days past due",
		}},
		{"no_data.golden.json", cards.NoData, []string{"Hooli — no data", "Open tickets: no data (tickets not connected)", "Overdue invoices: no data (invoices not connected)"}},
		{"churned.golden.json", cards.Churned, []string{"Soylent Corp — churned 2025-03-04 · final score 31 Critical", "Final score 31 Critical on 2025-03-03", "Last 90 days", "90-day chart"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := blocksJSON(t, tc.reply)
			golden(t, tc.name, raw)
			checkLimits(t, raw, slackbot.MaxMessageBlocks)
			for _, want := range tc.says {
				if !strings.Contains(string(raw), want) {
					t.Errorf("card lacks %q", want)
				}
			}
			if strings.Contains(string(raw), "MRR: 0") {
				t.Error("card shows an MRR of 0")
			}
		})
	}
}

func TestModalGoldens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply commands.Reply
	}{
		{"modal_pulse.golden.json", pulseForm()},
		{"modal_touch.golden.json", touchForm()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := slackbot.ModalView(*tc.reply.Form, tc.reply.Text, `{"f":"x"}`)
			golden(t, tc.name, indentJSON(t, v))
			blocks, _ := json.Marshal(v.Blocks)
			checkLimits(t, blocks, slackbot.MaxModalBlocks)
			if n := utf8.RuneCountInString(v.Title.Text); n > slackbot.MaxModalTitle {
				t.Errorf("modal title %q is %d chars, limit %d", v.Title.Text, n, slackbot.MaxModalTitle)
			}
		})
	}
}

// TestOversizedReplyStaysInLimits feeds the renderer a reply far beyond
// every Slack limit and checks the result is valid and says what it cut.
func TestOversizedReplyStaysInLimits(t *testing.T) {
	r := commands.Reply{
		Colour: "red",
		Title:  strings.Repeat("Very long account name ", 20),
		Text:   strings.Repeat("lead <text> & more ", 400),
	}
	var fields []commands.Field
	for i := range 19 {
		fields = append(fields, commands.Field{Label: fmt.Sprintf("f%d", i), Value: strings.Repeat("v", 2500)})
	}
	r.Sections = append(r.Sections, commands.Section{Title: "Many fields", Fields: fields})
	// Over twenty fields: one list, cut at an entry.
	var list []commands.Field
	for i := range 300 {
		list = append(list, commands.Field{Label: fmt.Sprintf("Account %d", i), Value: "52 · MRR 1,200 · issue: usage · intervene"})
	}
	r.Sections = append(r.Sections, commands.Section{Title: "At-risk accounts", Fields: list})
	for i := range 60 {
		r.Sections = append(r.Sections, commands.Section{Title: fmt.Sprintf("S%d", i), Text: "x"})
	}
	for i := range 30 {
		r.Context = append(r.Context, fmt.Sprintf("context %d", i))
	}
	for i := range 30 {
		r.Buttons = append(r.Buttons, commands.Button{Label: strings.Repeat("B", 100), Action: fmt.Sprintf("/pulse a%d green", i)})
	}
	r.Buttons = append(r.Buttons, commands.Button{Label: "too long", Action: "/touch " + strings.Repeat("x", 2100)})
	raw, _ := json.Marshal(slackbot.Blocks(r))
	checkLimits(t, raw, slackbot.MaxMessageBlocks)
	s := string(raw)
	for _, want := range []string{"…and ", "more blocks not shown", `"action_id":"hb:29"`, "lead \u0026lt;text\u0026gt; \u0026amp; more"} {
		if !strings.Contains(s, want) && !strings.Contains(s, strings.ReplaceAll(want, "\u0026", `\u0026`)) {
			t.Errorf("rendered JSON lacks %q", want)
		}
	}
	if strings.Contains(s, strings.Repeat("x", 2100)) {
		t.Error("a button whose command exceeds the value limit was rendered")
	}
	if !strings.Contains(s, `*Account 0* — 52`) || !regexp.MustCompile(`\\n…and \d+ more"`).MatchString(s) {
		t.Error("the 300-field section is not a list ending in …and N more")
	}
	// Ten fields a section: 19 fields make two sections.
	var blocks []map[string]any
	_ = json.Unmarshal(raw, &blocks)
	var sizes []int
	for _, b := range blocks {
		if f, ok := b["fields"].([]any); ok {
			sizes = append(sizes, len(f))
		}
	}
	if fmt.Sprint(sizes[:2]) != "[10 9]" {
		t.Errorf("field sections = %v, want [10 9 …]", sizes)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{strings.Repeat("a", 30), 20, "aaaaaaaa…and 22 more"},
		{strings.Repeat("é", 3001), 3000, strings.Repeat("é", 2988) + "…and 13 more"},
		{"abcdef", 3, "abc"},
	} {
		got := slackbot.Truncate(tc.in, tc.limit)
		if got != tc.want {
			t.Errorf("Truncate(%d chars, %d) = %q, want %q", utf8.RuneCountInString(tc.in), tc.limit, tail(got), tail(tc.want))
		}
		if n := utf8.RuneCountInString(got); n > tc.limit {
			t.Errorf("Truncate(…, %d) is %d chars", tc.limit, n)
		}
	}
}

func TestCheckBlocksCatchesViolations(t *testing.T) {
	raw := `[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", 151) + `"}},
	{"type":"actions","elements":[{"type":"button","action_id":"a","value":"x","text":{"type":"plain_text","text":"b"}},
	{"type":"button","action_id":"a","value":"y","text":{"type":"plain_text","text":"c"}}]}]`
	got := slackbot.CheckBlocks([]byte(raw), slackbot.MaxMessageBlocks)
	if len(got) != 2 {
		t.Errorf("CheckBlocks found %d problems, want 2 (long header, repeated action_id): %q", len(got), got)
	}
}

func tail(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return fmt.Sprintf("(%d chars)…", len(r)) + string(r[len(r)-30:])
	}
	return s
}

// indentJSON is v as readable JSON (no \u0026 escapes) for golden files.
func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestManifestMatchesRoutes keeps the app manifest in step with the
// endpoints Mount serves, the commands parsed and the scopes documented.
func TestManifestMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "slack-app-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				Home bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command, URL string
				ShouldEscape bool `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		}
		OAuthConfig struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			EventSubscriptions struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				RequestURL string `yaml:"request_url"`
			}
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, c := range m.Features.SlashCommands {
		cmds = append(cmds, c.Command)
		if !strings.HasSuffix(c.URL, "/slack/commands") {
			t.Errorf("%s posts to %s", c.Command, c.URL)
		}
		// /health admin and /health iam read ids from escaped mentions;
		// notes of /pulse and /touch read better as typed.
		if want := c.Command == "/health"; c.ShouldEscape != want {
			t.Errorf("%s should_escape = %v, want %v", c.Command, c.ShouldEscape, want)
		}
	}
	if !m.Features.AppHome.Home {
		t.Error("the Home tab is off: app_home_opened would never come")
	}
	if strings.Join(cmds, " ") != "/health /pulse /touch" {
		t.Errorf("commands %v", cmds)
	}
	if !strings.HasSuffix(m.Settings.EventSubscriptions.RequestURL, "/slack/events") ||
		!strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/interactions") ||
		strings.Join(m.Settings.EventSubscriptions.BotEvents, " ") != "app_mention app_home_opened" {
		t.Errorf("settings %+v", m.Settings)
	}
	// Each scope is explained in docs/slack.md; adding one means saying why.
	scopes := "commands chat:write chat:write.public app_mentions:read files:write channels:history groups:history im:write im:history"
	if got := strings.Join(m.OAuthConfig.Scopes.Bot, " "); got != scopes {
		t.Errorf("scopes %s, want %s", got, scopes)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "slack.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.OAuthConfig.Scopes.Bot {
		if !strings.Contains(string(doc), "| `"+s+"` |") {
			t.Errorf("docs/slack.md does not explain the scope %s in its Scopes table", s)
		}
	}
}
