package main

import (
	"strings"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
)

// Env is the configuration read from environment variables, named as in
// the interface spec. The Slack and Discord adapters read the rest of their
// own variables (bot/slack, bot/discord ConfigFromEnv); only what decides
// which parts start is read here.
type Env struct {
	DatabaseURL string // DATABASE_URL
	ConfigPath  string // HEALTHBOT_CONFIG
	HTTPAddr    string // HEALTHBOT_HTTP_ADDR
	Timezone    string // HEALTHBOT_TIMEZONE
	IngestToken string // HEALTHBOT_INGEST_TOKEN
	Admins      []string
	LogLevel    string // HEALTHBOT_LOG_LEVEL
	// ActivityRetention is HEALTHBOT_ACTIVITY_RETENTION_DAYS as given:
	// raw activity older than that many days is dropped daily ("" keeps
	// it all); see activityRetention.
	ActivityRetention string

	SlackSigningSecret string
	SlackBotToken      string
	SlackAppToken      string

	DiscordBotToken  string
	DiscordPublicKey string
}

// readEnv reads every variable, applying the documented defaults.
func readEnv(getenv func(string) string) Env {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	return Env{
		DatabaseURL: get("DATABASE_URL", "healthbot.db"),
		ConfigPath:  get("HEALTHBOT_CONFIG", ""),
		HTTPAddr:    get("HEALTHBOT_HTTP_ADDR", ":8080"),
		Timezone:    get("HEALTHBOT_TIMEZONE", "UTC"),
		IngestToken: get("HEALTHBOT_INGEST_TOKEN", ""),
		Admins:      list(getenv("HEALTHBOT_ADMINS")),
		LogLevel:    get("HEALTHBOT_LOG_LEVEL", ""),

		ActivityRetention: get("HEALTHBOT_ACTIVITY_RETENTION_DAYS", ""),

		SlackSigningSecret: get("SLACK_SIGNING_SECRET", ""),
		SlackBotToken:      get("SLACK_BOT_TOKEN", ""),
		SlackAppToken:      get("SLACK_APP_TOKEN", ""),

		DiscordBotToken:  get("DISCORD_BOT_TOKEN", ""),
		DiscordPublicKey: get("DISCORD_PUBLIC_KEY", ""),
	}
}

// chatConfigured says whether any chat platform has credentials, which
// turns the no-argument mode from console into serve.
func (e Env) chatConfigured() bool {
	return e.slackConfigured() || e.discordConfigured()
}

func (e Env) slackConfigured() bool {
	return e.SlackBotToken != "" || e.SlackSigningSecret != "" || e.SlackAppToken != ""
}

func (e Env) discordConfigured() bool {
	return e.DiscordBotToken != "" || e.DiscordPublicKey != ""
}

// platforms are the chat platforms alerts are queued for: those that can
// post (a bot token is set).
func (e Env) platforms() []string {
	var p []string
	if e.SlackBotToken != "" {
		p = append(p, commands.Slack)
	}
	if e.DiscordBotToken != "" {
		p = append(p, commands.Discord)
	}
	return p
}

// list splits a comma- or space-separated variable.
func list(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// redact hides a password in a database URL before it reaches a log line
// or an error message.
func redact(dsn string) string { return models.RedactDSN(dsn) }
