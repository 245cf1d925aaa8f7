package main

import "context"

// setupSlack mounts the Slack endpoints and starts Socket Mode when
// SLACK_BOT_TOKEN is set. The bot/slack adapter is wired in here once it lands.
func (m *Main) setupSlack(ctx context.Context, w *wiring) error {
	if !m.env.slackConfigured() {
		m.log.Info("slack not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)")
		return nil
	}
	m.log.Warn("slack credentials are set but this build has no Slack adapter wired in yet")
	return nil
}
