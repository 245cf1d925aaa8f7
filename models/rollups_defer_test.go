package models_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestActivityRollupsDeferredInABatch checks the rollups of a batch
// (WithBulkTx), which PostgreSQL defers to one flush at the commit: a
// delete, an update and a truncate in the middle of a batch see every row
// inserted before them, a rolled-back batch leaves nothing pending for the
// next one on the same connection, and the rollups match a recount after
// each commit.
func TestActivityRollupsDeferredInABatch(t *testing.T) {
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
