package main

import (
	"context"

	"github.com/healthbot/healthbot/bot/slack"
)

// setupSlack mounts the signed Slack endpoints (with SLACK_SIGNING_SECRET),
// starts Socket Mode (with SLACK_APP_TOKEN) and offers the adapter to the
// delivery worker (with SLACK_BOT_TOKEN).
func (m *Main) setupSlack(ctx context.Context, w *wiring) error {
	cfg := slack.ConfigFromEnv(m.Getenv)
	if !cfg.Enabled() && cfg.BotToken == "" {
		m.log.Info("slack not configured: set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)")
		return nil
	}
	a, err := slack.New(cfg, w.exec, m.log)
	if err != nil {
		return err
	}
	// Retried Events API deliveries and replayed signed requests can
	// reach another replica; the database decides which one takes them in.
	a.EventStore = m.store
	m.closers = append(m.closers, a.Close)
	a.Mount(w.srv.Mux())
	if cfg.SigningSecret != "" {
		m.log.Info("slack HTTP endpoints mounted", "paths", "/slack/commands /slack/interactions /slack/events")
	} else {
		m.log.Info("slack HTTP endpoints off: SLACK_SIGNING_SECRET is not set")
	}
	if cfg.AppToken != "" {
		w.tasks = append(w.tasks, task{"slack socket mode", a.RunSocketMode})
	}
	if cfg.BotToken != "" {
		w.posters = append(w.posters, a)
	} else {
		m.log.Warn("SLACK_BOT_TOKEN is not set: alerts and summaries cannot be posted to Slack")
	}
	return nil
}
