package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
)

// setupIngest mounts POST /api/v1/{kind} when HEALTHBOT_INGEST_TOKEN is set;
// the accounts each committed batch changed are rescored in the background
// (not the whole portfolio), so cards and alerts follow the new data.
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
	// One worker rescores what batches changed, merging the accounts of
	// batches that commit while it runs: a burst of uploads costs a few
	// rescores, not one each racing for the same snapshot rows.
	q := ingest.NewQueue(m.rescoreIngested, m.log.With("part", "ingest"))
	h := ingest.New(m.store, m.env.IngestToken,
		ingest.WithLogger(m.log.With("part", "ingest")),
		ingest.WithMaxBytes(maxBytes),
		ingest.WithTimeout(timeout),
		ingest.WithRegistry(w.srv.Registry),
		ingest.WithOnCommitted(func(ctx context.Context, kind string, ids []uint) {
			if kind == ingestion.KindAccounts {
				ids = append(ids, m.replayArrived(ctx)...)
			}
			q.Add(ctx, kind, ids)
		}))
	h.Mount(w.srv)
	m.closers = append(m.closers, func() error { h.Wait(); q.Close(); return nil })
	m.log.Info("ingestion API mounted", "path", "/api/v1/{kind}", "max_bytes", maxBytes, "timeout", timeout)
	return nil
}

// replayArrived applies the connector events parked for accounts that
// exist now (a batch of accounts created them), returning the accounts
// they changed. A failure is logged: the events stay parked, and the
// next batch of accounts or start-up tries again.
func (m *Main) replayArrived(ctx context.Context) []uint {
	rep, err := (&connector.Applier{Store: m.store, Now: m.Now}).ReplayArrived(ctx, nil)
	if err != nil {
		m.log.Error("parked connector events not replayed; they stay parked until the next batch of accounts or restart", "err", err)
		return nil
	}
	if n := len(rep.Replayed); n > 0 {
		m.log.Info("replayed parked connector events for new accounts", "events", n, "written", rep.ReplayedWritten(), "accounts", len(rep.Accounts))
	}
	return rep.Accounts
}

// rescoreIngested folds the activity the batches queued into the rollups
// (the batches leave that work to it, see models.FoldActivityRollups),
// then rescores the accounts they changed, as of today. A fold that
// fails is logged: the rescore reads the queued accounts' raw rows
// instead, and the next fold takes the queue.
func (m *Main) rescoreIngested(ctx context.Context, ids []uint) {
	if n, err := m.store.FoldActivityRollups(ctx, 0); err != nil {
		m.log.Warn("activity rollups not folded after ingestion; the next rescore folds them", "err", err)
	} else if n > 0 {
		m.log.Debug("activity rollups folded after ingestion", "rows", n)
	}
	err := m.store.WithTx(ctx, func(tx *models.Store) error {
		_, err := m.service.RescoreAccounts(ctx, tx, m.today(), ids)
		return err
	})
	if err != nil {
		m.log.Error("rescore after ingestion failed; the next scheduled rescore will catch up", "accounts", len(ids), "err", err)
		return
	}
	m.log.Debug("rescored after ingestion", "accounts", len(ids))
}
