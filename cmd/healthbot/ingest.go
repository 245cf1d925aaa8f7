package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/models"
)

// setupIngest mounts POST /api/v1/{kind} when HEALTHBOT_INGEST_TOKEN is set;
// each committed batch rescores the accounts it changed, so cards and
// alerts follow the new data at once.
func (m *Main) setupIngest(ctx context.Context, w *wiring) error {
	// Checked even when ingestion is off, so a typo surfaces at once rather
	// than on the day the token is set.
	maxBytes := int64(ingest.DefaultMaxBytes)
	if v := strings.TrimSpace(m.Getenv(ingest.MaxBytesEnv)); v != "" {
		n, err := ingest.ParseSize(v)
		if err != nil {
			return fmt.Errorf("%s: %w", ingest.MaxBytesEnv, err)
		}
		maxBytes = n
	}
	timeout := ingest.DefaultTimeout
	if v := strings.TrimSpace(m.Getenv(ingest.TimeoutEnv)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s: %q is not a duration; write e.g. 30m or 1h", ingest.TimeoutEnv, v)
		}
		timeout = d
	}
	if m.env.IngestToken == "" {
		m.log.Info("ingestion API not configured: set HEALTHBOT_INGEST_TOKEN to turn on POST /api/v1/{kind}")
		return nil
	}
	h := ingest.New(m.store, m.env.IngestToken,
		ingest.WithLogger(m.log.With("part", "ingest")),
		ingest.WithMaxBytes(maxBytes),
		ingest.WithTimeout(timeout),
		ingest.WithRegistry(w.srv.Registry),
		ingest.WithOnCommitted(m.rescoreIngested))
	h.Mount(w.srv)
	m.closers = append(m.closers, func() error { h.Wait(); return nil })
	m.log.Info("ingestion API mounted", "path", "/api/v1/{kind}", "max_bytes", maxBytes, "timeout", timeout)
	return nil
}

// rescoreIngested rescores the accounts an ingested batch changed, as of today.
func (m *Main) rescoreIngested(ctx context.Context, kind string, ids []uint) {
	err := m.store.WithTx(ctx, func(tx *models.Store) error {
		_, err := m.service.RescoreAccounts(ctx, tx, m.today(), ids)
		return err
	})
	if err != nil {
		m.log.Error("rescore after ingestion failed; the next scheduled rescore will catch up", "kind", kind, "accounts", len(ids), "err", err)
	}
}
