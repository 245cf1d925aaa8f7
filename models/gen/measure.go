package gen

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/healthbot/healthbot/models"
)

// BaselineSQL is the benchmarks' yardstick: one hand-written aggregate that
// reads the MAU window's activity rows once (the rows a rescore must read
// at least), grouped by account. A rescore is reported as a ratio to it.
const BaselineSQL = `SELECT account_id, COUNT(DISTINCT user_id) AS mau FROM activities
	WHERE day >= ? AND day <= ? GROUP BY account_id`

// Baseline runs BaselineSQL as of day asOf and returns its time and the
// number of accounts it returned. On PostgreSQL it runs with a custom plan
// every time: pgx caches the statement, and from its sixth execution on a
// connection PostgreSQL would switch to a generic plan (a parallel
// sequential scan and a sort, 430-470 ms here, against 260-290 ms for the
// index-only scan of the custom plan). A slower yardstick would flatter
// every ratio, so the benchmarks compare with the query at its best.
func Baseline(ctx context.Context, s *models.Store, asOf time.Time) (time.Duration, int, error) {
	from := asOf.AddDate(0, 0, -29).Format(models.DayLayout)
	var (
		took time.Duration
		n    int
	)
	err := s.WithTx(ctx, func(tx *models.Store) error {
		if s.Dialect() == models.DialectPostgres {
			if err := tx.DB().Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
				return err
			}
		}
		start := time.Now()
		rows, err := tx.DB().Raw(BaselineSQL, from, asOf.Format(models.DayLayout)).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, mau int64
			if err := rows.Scan(&id, &mau); err != nil {
				return err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		took = time.Since(start)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("baseline: %w", err)
	}
	return took, n, nil
}

// Percentile is the p-th percentile (nearest rank) of ds; ds is sorted in place.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// SampleHeap starts a sampler of the Go heap in use (HeapInuse) every
// few milliseconds, after a GC so the starting point is live data only;
// the returned func stops it and returns the high-water mark in bytes.
func SampleHeap() (stop func() uint64) {
	runtime.GC()
	var (
		mu   sync.Mutex
		peak uint64
		ms   runtime.MemStats
	)
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := func() {
		runtime.ReadMemStats(&ms)
		mu.Lock()
		peak = max(peak, ms.HeapInuse)
		mu.Unlock()
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
