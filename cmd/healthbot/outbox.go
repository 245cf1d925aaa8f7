package main

import (
	"context"

	"github.com/healthbot/healthbot/bot/outbox"
)

// setupOutbox starts the delivery worker over the configured platforms'
// posters; with none, there is nowhere to deliver and it stays off.
func (m *Main) setupOutbox(ctx context.Context, w *wiring) error {
	if len(w.posters) == 0 {
		m.log.Info("delivery worker not configured: no chat platform to deliver to")
		return nil
	}
	if err := outbox.RegisterMetrics(w.srv.Registry); err != nil {
		return err
	}
	worker := outbox.New(m.store, m.log.With("part", "outbox"), w.posters...)
	w.tasks = append(w.tasks, task{"outbox", worker.Run})
	return nil
}
