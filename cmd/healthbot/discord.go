package main

import "context"

// setupDiscord mounts the Discord interactions endpoint and starts the
// gateway when DISCORD_BOT_TOKEN or DISCORD_PUBLIC_KEY is set. The
// bot/discord adapter is wired in here once it lands.
func (m *Main) setupDiscord(ctx context.Context, w *wiring) error {
	if !m.env.discordConfigured() {
		m.log.Info("discord not configured: set DISCORD_BOT_TOKEN, DISCORD_APP_ID and DISCORD_PUBLIC_KEY")
		return nil
	}
	m.log.Warn("discord credentials are set but this build has no Discord adapter wired in yet")
	return nil
}
