package main

import (
	"context"

	"github.com/healthbot/healthbot/bot/discord"
)

// setupDiscord mounts POST /discord/interactions (with DISCORD_PUBLIC_KEY),
// registers the slash commands and connects the gateway (with
// DISCORD_BOT_TOKEN), and offers the adapter to the delivery worker.
func (m *Main) setupDiscord(ctx context.Context, w *wiring) error {
	cfg, err := discord.ConfigFromEnv(m.Getenv)
	if err != nil {
		return usagef("%v", err)
	}
	if !cfg.Enabled() {
		m.log.Info("discord not configured: set DISCORD_BOT_TOKEN, DISCORD_APP_ID and DISCORD_PUBLIC_KEY")
		return nil
	}
	a, err := discord.New(cfg, w.exec, discord.StoreAccounts{Store: m.store, Now: m.Now}, m.log)
	if err != nil {
		return err
	}
	// A retried interaction can reach another replica (HTTP endpoint
	// behind a load balancer, or a second gateway session on the shard);
	// the database decides which one answers it.
	a.EventStore = m.store
	m.closers = append(m.closers, func() error { a.Wait(); return nil })
	a.Mount(w.srv)
	if cfg.PublicKey != "" {
		m.log.Info("discord interactions endpoint mounted", "path", "/discord/interactions")
	}
	if cfg.BotToken == "" {
		m.log.Warn("DISCORD_BOT_TOKEN is not set: no gateway, and alerts cannot be posted to Discord")
		return nil
	}
	// A failed registration leaves the commands Discord already has; the
	// bot still answers them, so it is logged rather than fatal.
	if err := a.RegisterCommands(ctx); err != nil {
		m.log.Error("discord slash commands not registered", "err", err)
	}
	w.tasks = append(w.tasks, task{"discord gateway", a.RunGateway})
	w.posters = append(w.posters, a)
	return nil
}
