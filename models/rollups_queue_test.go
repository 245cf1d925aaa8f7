package models_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestActivityRollupsQueuedInABatch checks the rollups of a batch
// (WithBulkTx), whose rows PostgreSQL queues for a fold after the commit:
// a delete, an update and a truncate in the middle of a batch fold or drop
// the rows queued before them, including the batch's own, a rolled-back
// batch leaves nothing queued, and the rollups match a recount after each
// commit and fold.
func TestActivityRollupsQueuedInABatch(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(3, 5))
		createRollupAccounts(t, s, rollupAccounts)
		batch := func(step string, mid func(tx *models.Store) error) {
			t.Helper()
			err := s.WithBulkTx(ctx, func(tx *models.Store) error {
				if _, err := tx.InsertActivity(ctx, randomActivity(r, 300)); err != nil {
					return err
				}
				if mid != nil {
					if err := mid(tx); err != nil {
						return err
					}
				}
				_, err := tx.InsertActivity(ctx, randomActivity(r, 300))
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			checkRollups(t, s, step)
		}
		batch("inserts", nil)
		batch("delete mid-batch", func(tx *models.Store) error {
			return tx.DB().Exec("DELETE FROM activities WHERE user_id = ?", "u3").Error
		})
		batch("update mid-batch", func(tx *models.Store) error {
			return tx.DB().Exec("UPDATE activities SET user_id = 'u9' WHERE user_id = ? AND feature = ?", "u2", "export").Error
		})
		truncate := "TRUNCATE activities"
		if s.Dialect() != models.DialectPostgres {
			truncate = "DELETE FROM activities"
		}
		batch("truncate mid-batch", func(tx *models.Store) error { return tx.DB().Exec(truncate).Error })
		errAbort := errors.New("abort")
		err := s.WithBulkTx(ctx, func(tx *models.Store) error {
			if _, err := tx.InsertActivity(ctx, randomActivity(r, 300)); err != nil {
				return err
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("rolled-back batch: %v", err)
		}
		checkRollups(t, s, "rolled back")
		batch("after a rollback", nil)
	})
}

// Rows still queued (committed, not folded) when a delete or an update
// touches them are folded first: the recount then starts from rollups
// that include them, and no deleted row is folded in afterwards.
func TestActivityRollupsChangeQueuedRows(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(13, 17))
		createRollupAccounts(t, s, rollupAccounts)
		for _, q := range []struct{ step, sql string }{
			{"deleting queued rows", "DELETE FROM activities WHERE user_id = 'u3' OR feature = 'dash'"},
			{"renaming queued rows' user", "UPDATE activities SET user_id = user_id || 'x' WHERE user_id = 'u2'"},
		} {
			err := s.WithBulkTx(ctx, func(tx *models.Store) error {
				_, err := tx.InsertActivity(ctx, randomActivity(r, 300))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DB().Exec(q.sql).Error; err != nil {
				t.Fatalf("%s: %v", q.step, err)
			}
			checkRollups(t, s, q.step)
		}
	})
}

// A fold waits for the ingestion under way, then folds its rows too; one
// told to wait less than the batch takes gives up with ErrBusy.
func TestActivityRollupsFoldWaitsForIngestion(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(19, 23))
	createRollupAccounts(t, s, rollupAccounts)
	inserted := make(chan struct{})
	committed := make(chan error, 1)
	go func() {
		committed <- s.WithBulkTx(ctx, func(tx *models.Store) error {
			if _, err := tx.InsertActivity(ctx, randomActivity(r, 300)); err != nil {
				return err
			}
			close(inserted)
			time.Sleep(300 * time.Millisecond) // the fold below starts meanwhile
			_, err := tx.InsertActivity(ctx, randomActivity(r, 300))
			return err
		})
	}()
	<-inserted
	if _, err := s.FoldActivityRollups(ctx, 50*time.Millisecond); !errors.Is(err, models.ErrBusy) {
		t.Errorf("a fold waiting 50 ms for a batch that takes 300: %v, want ErrBusy", err)
	}
	n, err := s.FoldActivityRollups(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	var stored int64
	if err := s.DB().Raw("SELECT COUNT(*) FROM activities").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if n != stored {
		t.Errorf("the fold took %d rows, want the batch's %d: it did not wait for the batch's commit", n, stored)
	}
	checkRollups(t, s, "a fold during a batch")
}
