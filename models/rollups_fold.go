package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// FoldActivityRollups folds the activity queued since the last fold into
// the rollups (pgRollupFoldFn) in a transaction of its own, and reports
// how many rows it folded. Readers are exact without it (they take queued
// accounts from the raw rows); folding makes them cheap again. It runs
// beside ingestion: it folds the rows committed before it began and
// leaves those of batches that commit meanwhile for the next fold. Folds
// take turns (two replicas': the second finds the queue emptied); one
// waits at most wait (the store's batch wait when wait <= 0) for another,
// then fails with ErrBusy. A fold that found rows vacuums
// the queue after its commit: its deleted rows would otherwise be scanned
// by every reader until autovacuum came by. Outside a transaction only;
// on SQLite, whose triggers keep the rollups themselves, it does nothing.
func (s *Store) FoldActivityRollups(ctx context.Context, wait time.Duration) (int64, error) {
	if s.dialect != DialectPostgres {
		return 0, nil
	}
	if s.inTx {
		return 0, fmt.Errorf("fold activity rollups: called inside a transaction; call it on the store")
	}
	// A fold of a large batch is slow by design, like the batch.
	db := s.db.WithContext(BulkContext(ctx))
	if wait <= 0 {
		wait = s.BatchWait()
	}
	var n int64
	err := s.stats.observe(busyErr(db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(fmt.Sprintf("SET LOCAL lock_timeout = %d", max(1, wait.Milliseconds()))).Error; err != nil {
			return err
		}
		// The other folds' lock, taken before the transaction's snapshot
		// (LOCK takes none): the fold then sees what the last one did.
		if err := tx.Exec("LOCK TABLE " + RollupQueueTable + " IN SHARE UPDATE EXCLUSIVE MODE").Error; err != nil {
			return err
		}
		return tx.Raw("SELECT activity_rollup_fold()").Row().Scan(&n)
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})))
	if err != nil {
		return 0, fmt.Errorf("fold activity rollups: %w", err)
	}
	if n > 0 {
		if err := db.Exec("VACUUM " + RollupQueueTable).Error; err != nil {
			return n, fmt.Errorf("fold activity rollups: vacuum the queue: %w", err)
		}
	}
	return n, nil
}
