// Package slack connects healthbot to Slack: slash commands, pulse buttons
// and modals, and app mentions, over HTTP (signed requests) and Socket
// Mode, both feeding one dispatch core that runs commands through a
// bot.Executor and renders the neutral Reply as Block Kit.
package slack

import (
	"net/url"
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

// responseURLAllowed reports whether raw may be posted to as a
// response_url: an https address on Slack's own domain (slack.com and its
// subdomains: hooks.slack.com serves every response_url Slack sends),
// or on SLACK_API_URL's host and its subdomains when that is set (a
// GovSlack or test deployment). The address comes in the request's
// payload, so anything else would let whoever shapes a payload make the
// bot post wherever they like.
func (c Config) responseURLAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" && u.Port() == "" && underDomain(u.Hostname(), "slack.com") {
		return true
	}
	if c.APIURL == "" {
		return false
	}
	api, err := url.Parse(c.APIURL)
	return err == nil && api.Host != "" && u.Scheme == api.Scheme && u.Port() == api.Port() &&
		underDomain(u.Hostname(), api.Hostname())
}

// underDomain reports whether host is domain or one of its subdomains,
// ignoring case.
func underDomain(host, domain string) bool {
	host, domain = strings.ToLower(host), strings.ToLower(domain)
	return host == domain || strings.HasSuffix(host, "."+domain)
}
