package main

import "context"

// setupScheduler starts the scheduled tasks (daily rescore, critical
// digest, weekly summary). The bot/scheduler package is wired in here once
// it lands.
func (m *Main) setupScheduler(ctx context.Context, w *wiring) error {
	m.log.Info("scheduler not configured: this build has no scheduler wired in yet; run `healthbot rescore` daily")
	return nil
}
