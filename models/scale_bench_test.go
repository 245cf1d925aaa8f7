package models_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
	"github.com/healthbot/healthbot/models/gen/gentest"
	"github.com/healthbot/healthbot/scoring"
)

// The scale benchmarks run on the 10,000-account dataset of models/gen
// (1,000 with -short; HEALTHBOT_BENCH_ACCOUNTS overrides), on SQLite and,
// when HEALTHBOT_TEST_POSTGRES_URL is set, on PostgreSQL. The dataset is
// built on first use and kept (see gen.OpenBench). BENCHMARKS.md has the
// commands and the numbers.

// BenchmarkScaleBaseline times the yardstick query alone.
func BenchmarkScaleBaseline(b *testing.B) {
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		for b.Loop() {
			if _, n, err := gen.Baseline(ctx, s, p.End); err != nil || n == 0 {
				b.Fatalf("baseline: %d accounts, %v", n, err)
			}
		}
	})
}

// BenchmarkScaleAllSignals gathers and scores every account, reporting the
// ratio to the baseline query timed in the same run and the peak heap.
func BenchmarkScaleAllSignals(b *testing.B) {
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		cfg := scoring.Default()
		gentest.VsBaseline(b, s, p.End, nil, func() error {
			n := 0
			err := s.AllSignals(ctx, cfg, p.End, func(sig scoring.Signals) error {
				_ = scoring.Score(cfg, sig)
				n++
				return nil
			})
			if err == nil && n == 0 {
				err = errors.New("AllSignals: no accounts")
			}
			return err
		})
	})
}

// BenchmarkScaleSignals reads one random account's signals, as /health
// does, reporting p50 and p99.
func BenchmarkScaleSignals(b *testing.B) {
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		cfg := scoring.Default()
		r := rand.New(rand.NewPCG(1, 2))
		var ds []time.Duration
		for b.Loop() {
			id := uint(1 + r.IntN(p.Accounts))
			t0 := time.Now()
			if _, err := s.Signals(ctx, cfg, id, p.End); err != nil {
				b.Fatalf("Signals(%d): %v", id, err)
			}
			ds = append(ds, time.Since(t0))
		}
		b.ReportMetric(float64(gen.Percentile(ds, 50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(gen.Percentile(ds, 99).Microseconds())/1000, "p99-ms")
	})
}

// BenchmarkScaleScore is scoring.Score alone over every account's real
// signals, gathered once; one op scores one account.
func BenchmarkScaleScore(b *testing.B) {
	s, p := gentest.MustBench(b, models.DialectSQLite)
	cfg := scoring.Default()
	var sigs []scoring.Signals
	err := s.AllSignals(context.Background(), cfg, p.End, func(sig scoring.Signals) error {
		sigs = append(sigs, sig)
		return nil
	})
	if err != nil || len(sigs) == 0 {
		b.Fatalf("AllSignals: %d accounts, %v", len(sigs), err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = scoring.Score(cfg, sigs[i%len(sigs)])
		i++
	}
}

// BenchmarkScalePreviousSnapshots compares, over the dataset's 60 days of
// snapshot history, Store.PreviousSnapshots (one index probe per account)
// with grouping every earlier snapshot by account (the shape
// commands.previousSnapshots used).
func BenchmarkScalePreviousSnapshots(b *testing.B) {
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		b.Run("grouped", func(b *testing.B) {
			for b.Loop() {
				var rows []models.Snapshot
				err := s.DB().WithContext(ctx).Raw(`SELECT s.* FROM snapshots s JOIN (
					SELECT account_id, MAX(day) AS day FROM snapshots WHERE day < ? GROUP BY account_id
				) m ON s.account_id = m.account_id AND s.day = m.day`, p.End.Format(models.DayLayout)).Scan(&rows).Error
				if err != nil || len(rows) == 0 {
					b.Fatalf("grouped: %d rows, %v", len(rows), err)
				}
			}
		})
		b.Run("probe", func(b *testing.B) {
			for b.Loop() {
				m, err := s.PreviousSnapshots(ctx, p.End, nil)
				if err != nil || len(m) == 0 {
					b.Fatalf("PreviousSnapshots: %d rows, %v", len(m), err)
				}
			}
		})
	})
}

// errRollback ends a benchmark transaction without keeping its writes.
var errRollback = errors.New("rollback")

// BenchmarkScaleSaveSnapshots writes the last scored day's snapshots
// (one per account) again: "same-day" finds every row unchanged (what a
// rescore of a day already scored does), "new-day" inserts them under the
// next day in a transaction that is rolled back (the daily run).
func BenchmarkScaleSaveSnapshots(b *testing.B) {
	benchSaveSnapshots(b, false)
}

// BenchmarkScaleSaveSnapshotsBulk is BenchmarkScaleSaveSnapshots inside
// WithBulkTx, as the daily rescore writes (on PostgreSQL: COPY, straight
// into snapshots for a new day, through a staging table and one upsert
// for a day already scored).
func BenchmarkScaleSaveSnapshotsBulk(b *testing.B) {
	benchSaveSnapshots(b, true)
}

// benchSaveSnapshots runs both cases, inside WithBulkTx when bulk; else
// "same-day" saves outside any transaction and "new-day" in WithTx.
func benchSaveSnapshots(b *testing.B, bulk bool) {
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		withTx, save := s.WithTx, s.SaveSnapshots
		if bulk {
			withTx = s.WithBulkTx
			save = func(ctx context.Context, snaps []models.Snapshot) error {
				return s.WithBulkTx(ctx, func(tx *models.Store) error { return tx.SaveSnapshots(ctx, snaps) })
			}
		}
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
				if err := save(ctx, snaps); err != nil {
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
				err := withTx(ctx, func(tx *models.Store) error {
					if err := tx.SaveSnapshots(ctx, fresh); err != nil {
						return err
					}
					return errRollback
				})
				if !errors.Is(err, errRollback) {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			gentest.Vacuum(b, s, false, "snapshots") // the rolled-back rows
		})
	})
}
