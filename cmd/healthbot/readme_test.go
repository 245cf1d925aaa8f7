package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// TestReadme keeps the README honest: it opens with the two commands, its
// YAML example is a valid health model, and every variable the program
// reads is in its table.
func TestReadme(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if !strings.HasPrefix(readme, "# healthbot\n\n```sh\ngo run ./cmd/healthbot ") || !strings.Contains(readme[:300], "\ngo test ./... ") {
		t.Errorf("README must open with `go run ./cmd/healthbot` and `go test ./...`")
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("README has no YAML example")
	}
	if _, err := scoring.Parse([]byte(m[1])); err != nil {
		t.Errorf("README's YAML example is not a valid health model: %v", err)
	}
	for _, v := range []string{"DATABASE_URL", "HEALTHBOT_CONFIG", "HEALTHBOT_HTTP_ADDR", "HEALTHBOT_TIMEZONE",
		"HEALTHBOT_INGEST_TOKEN", "HEALTHBOT_ADMINS", "HEALTHBOT_LOG_LEVEL", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN",
		"SLACK_APP_TOKEN", "SLACK_API_URL", "SLACK_TEAM_IDS", "DISCORD_BOT_TOKEN", "DISCORD_APP_ID", "DISCORD_PUBLIC_KEY",
		"DISCORD_GUILD_IDS", "DISCORD_API_URL",
		"STRIPE_WEBHOOK_SECRET", "SEGMENT_WEBHOOK_SECRET", "SEGMENT_TRAITS", "ZENDESK_WEBHOOK_SECRET", "HUBSPOT_CLIENT_SECRET",
		"HUBSPOT_PUBLIC_URL", "HUBSPOT_PROPERTIES", "INTERCOM_CLIENT_SECRET"} {
		if !strings.Contains(readme, "| `"+v+"` |") {
			t.Errorf("README's configuration table lacks %s", v)
		}
	}
}

// TestTouchKindsInDocs: the touch kinds are listed once, in
// models.TouchKinds; the README, the docs and Slack's manifest spell the
// same list, in the same order.
func TestTouchKindsInDocs(t *testing.T) {
	kinds := models.TouchKinds
	for _, c := range []struct{ file, want string }{
		{"../../README.md", "`/touch ACCOUNT " + strings.Join(kinds, `\|`) + " "},
		{"../../docs/ingestion.md", "kind* (" + strings.Join(kinds, "/") + ")"},
		{"../../docs/discord.md", "`kind` offers " + strings.Join(kinds, ", ") + ";"},
		{"../../slack-app-manifest.yaml", `"account ` + strings.Join(kinds, "|") + " "},
	} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		// Prose wraps: compare with every run of white space as one space.
		if text := strings.Join(strings.Fields(string(data)), " "); !strings.Contains(text, c.want) {
			t.Errorf("%s does not list the touch kinds as %q", c.file, c.want)
		}
	}
}
