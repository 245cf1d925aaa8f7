package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
)

// BenchmarkScaleSaveSnapshotsBulk is BenchmarkScaleSaveSnapshots inside
// WithBulkTx, as the daily rescore writes (on PostgreSQL: COPY to a staging
// table, then one upsert): "same-day" saves the last scored day's
// snapshots again, every row unchanged, and commits; "new-day" inserts
// them under the next day and rolls back.
func BenchmarkScaleSaveSnapshotsBulk(b *testing.B) {
	gen.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		prev, err := s.PreviousSnapshots(ctx, p.End, nil)
		if err != nil || len(prev) == 0 {
			b.Fatalf("PreviousSnapshots: %d rows, %v", len(prev), err)
		}
		snaps := make([]models.Snapshot, 0, len(prev))
		for _, sn := range prev {
			snaps = append(snaps, sn)
		}
		b.Run("same-day", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.WithBulkTx(ctx, func(tx *models.Store) error { return tx.SaveSnapshots(ctx, snaps) }); err != nil {
					b.Fatal(err)
				}
			}
		})
		next := p.End.AddDate(0, 0, 1).Format(models.DayLayout)
		fresh := make([]models.Snapshot, len(snaps))
		for i, sn := range snaps {
			sn.ID, sn.Day = 0, next
			fresh[i] = sn
		}
		b.Run("new-day", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := s.WithBulkTx(ctx, func(tx *models.Store) error {
					if err := tx.SaveSnapshots(ctx, fresh); err != nil {
						return err
					}
					return errBulkRollback
				})
				if !errors.Is(err, errBulkRollback) {
					b.Fatal(err)
				}
			}
		})
	})
}

// errBulkRollback ends a benchmark transaction without keeping its writes.
var errBulkRollback = errors.New("rollback")
