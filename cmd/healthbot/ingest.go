package main

import "context"

// setupIngest mounts the ingestion API when HEALTHBOT_INGEST_TOKEN is set.
// The bot/ingest handlers are wired in here once they land.
func (m *Main) setupIngest(ctx context.Context, w *wiring) error {
	if m.env.IngestToken == "" {
		m.log.Info("ingestion API not configured: set HEALTHBOT_INGEST_TOKEN to turn on POST /api/v1/...")
		return nil
	}
	m.log.Warn("HEALTHBOT_INGEST_TOKEN is set but this build has no ingestion API wired in yet")
	return nil
}
