// Package slack connects healthbot to Slack: slash commands, pulse buttons
// and modals, and app mentions, over HTTP (signed requests) and Socket
// Mode, both feeding one dispatch core that runs commands through a
// bot.Executor and renders the neutral Reply as Block Kit.
package slack

import (
	"strings"
)

// Config is what the adapter needs from the environment.
type Config struct {
	SigningSecret string   // verifies HTTP requests; empty → no HTTP endpoints
	BotToken      string   // xoxb-…: the Web API
	AppToken      string   // xapp-…: Socket Mode; empty → no Socket Mode
	APIURL        string   // Web API base URL ending in "/"; empty → Slack's own
	TeamIDs       []string // workspaces served; empty → the bot token's own
}

// ConfigFromEnv reads SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN,
// SLACK_APP_TOKEN, SLACK_API_URL and SLACK_TEAM_IDS (comma-separated)
// through getenv (os.Getenv in production).
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		SigningSecret: strings.TrimSpace(getenv("SLACK_SIGNING_SECRET")),
		BotToken:      strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		AppToken:      strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		APIURL:        strings.TrimSpace(getenv("SLACK_API_URL")),
	}
	for _, id := range strings.Split(getenv("SLACK_TEAM_IDS"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			c.TeamIDs = append(c.TeamIDs, id)
		}
	}
	return c
}

// Enabled reports whether any Slack transport is configured.
func (c Config) Enabled() bool { return c.SigningSecret != "" || c.AppToken != "" }

// apiURL is the Web API base with the trailing slash slack-go needs: it
// appends method names ("chat.postMessage") to it directly.
func (c Config) apiURL() string {
	if c.APIURL == "" {
		return ""
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		return c.APIURL + "/"
	}
	return c.APIURL
}
