package models_test

import (
	"context"
	"errors"
	"fmt"
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

// A fold runs beside an ingestion under way: it folds what was committed
// before it and leaves the open batch's rows queued for the next fold.
// One told to wait less than another fold holds the queue gets ErrBusy.
func TestActivityRollupsFoldBesideIngestion(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(19, 23))
	createRollupAccounts(t, s, rollupAccounts)
	if err := s.WithBulkTx(ctx, func(tx *models.Store) error {
		_, err := tx.InsertActivity(ctx, randomActivity(r, 300))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var committed int64
	if err := s.DB().Raw("SELECT COUNT(*) FROM activities").Scan(&committed).Error; err != nil {
		t.Fatal(err)
	}
	inserted, folded := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.WithBulkTx(ctx, func(tx *models.Store) error {
			if _, err := tx.InsertActivity(ctx, randomActivity(r, 300)); err != nil {
				return err
			}
			close(inserted)
			<-folded // commit only once the fold below is done
			_, err := tx.InsertActivity(ctx, randomActivity(r, 300))
			return err
		})
	}()
	<-inserted
	n, err := s.FoldActivityRollups(ctx, 0)
	close(folded)
	if err != nil {
		t.Fatal(err)
	}
	if n != committed {
		t.Errorf("a fold beside an open batch took %d rows, want the %d committed before it", n, committed)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkRollups(t, s, "a fold beside a batch, then one after it")

	// Another fold holding the queue.
	hold, release := make(chan error, 1), make(chan struct{})
	go func() {
		err := s.WithTx(ctx, func(tx *models.Store) error {
			if err := tx.DB().Exec("LOCK TABLE " + models.RollupQueueTable + " IN SHARE UPDATE EXCLUSIVE MODE").Error; err != nil {
				return err
			}
			hold <- nil
			<-release
			return nil
		})
		if err != nil {
			hold <- err // the lock was not taken: do not leave the test waiting
		}
	}()
	if err := <-hold; err != nil {
		t.Fatalf("holding the queue: %v", err)
	}
	_, err = s.FoldActivityRollups(ctx, 50*time.Millisecond)
	close(release)
	if !errors.Is(err, models.ErrBusy) {
		t.Errorf("a fold waiting 50 ms for another: %v, want ErrBusy", err)
	}
}

// Batches and folds at once, over and over, leave exact rollups: each
// fold takes what was committed before it, whatever commits meanwhile.
func TestActivityRollupsFoldsAndBatchesAtOnce(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	createRollupAccounts(t, s, rollupAccounts)
	batches := make(chan error, 1)
	go func() {
		r := rand.New(rand.NewPCG(29, 31))
		for i := 0; i < 12; i++ {
			rows := randomActivity(r, 200)
			for j := range rows {
				rows[j].UserID += fmt.Sprint("-", i%3) // some users recur, some are new
			}
			if err := s.WithBulkTx(ctx, func(tx *models.Store) error {
				_, err := tx.InsertActivity(ctx, rows)
				return err
			}); err != nil {
				batches <- err
				return
			}
		}
		batches <- nil
	}()
	for running := true; running; {
		select {
		case err := <-batches:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		default:
			if _, err := s.FoldActivityRollups(ctx, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkRollups(t, s, "batches and folds at once")
}
