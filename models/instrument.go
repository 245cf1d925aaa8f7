package models

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// queryStats counts every statement a Store sends, for metrics, and
// remembers when a write last failed because the disk was full, for Ready.
type queryStats struct {
	total      atomic.Int64
	diskFullAt atomic.Int64 // unix nanoseconds; 0 = never
}

// Queries is the number of SQL statements this Store (and the transaction
// Stores derived from it) has run since Open.
func (s *Store) Queries() int64 { return s.stats.total.Load() }

// QueryCounter counts the statements run with a context from CountingContext.
type QueryCounter struct{ n atomic.Int64 }

// N is the number of statements counted so far.
func (c *QueryCounter) N() int { return int(c.n.Load()) }

type counterKey struct{}

// CountingContext returns a context under which every statement a Store
// runs is counted on the returned counter; other goroutines' queries are
// not, which makes the count exact under concurrency.
func CountingContext(ctx context.Context) (context.Context, *QueryCounter) {
	c := &QueryCounter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// CountQueries runs fn and reports how many statements it sent through the
// context it was given, e.g. "N queries per rescore".
func CountQueries(ctx context.Context, fn func(ctx context.Context) error) (int, error) {
	ctx, c := CountingContext(ctx)
	err := fn(ctx)
	return c.N(), err
}

// registerCounter hooks every gorm processor so each statement is counted
// (and a disk-full failure noticed).
func registerCounter(db *gorm.DB, stats *queryStats) error {
	count := func(tx *gorm.DB) {
		stats.total.Add(1)
		_ = stats.observe(tx.Error)
		if ctx := tx.Statement.Context; ctx != nil {
			if c, ok := ctx.Value(counterKey{}).(*QueryCounter); ok {
				c.n.Add(1)
			}
		}
	}
	cb := db.Callback()
	return errors.Join(
		cb.Create().After("gorm:create").Register("healthbot:count", count),
		cb.Query().After("gorm:query").Register("healthbot:count", count),
		cb.Update().After("gorm:update").Register("healthbot:count", count),
		cb.Delete().After("gorm:delete").Register("healthbot:count", count),
		cb.Row().After("gorm:row").Register("healthbot:count", count),
		cb.Raw().After("gorm:raw").Register("healthbot:count", count),
	)
}

// slowLogger keeps gorm quiet except for slow statements, which go to slog
// at warn level: failed statements are reported by the callers that see them.
// Statements run under BulkContext are large by design, so they warn only
// past bulkThreshold and are otherwise logged at debug level.
type slowLogger struct{ threshold, bulkThreshold time.Duration }

func newSlowLogger(threshold time.Duration) logger.Interface {
	return slowLogger{threshold: threshold, bulkThreshold: 25 * threshold}
}

type bulkKey struct{}

// BulkContext marks the statements run with the returned context as bulk
// writes (ingestion chunks of thousands of rows), so the slow-query log
// does not warn about every one of them.
func BulkContext(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

func (l slowLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l slowLogger) Info(context.Context, string, ...any)     {}
func (l slowLogger) Warn(context.Context, string, ...any)     {}
func (l slowLogger) Error(ctx context.Context, msg string, args ...any) {
	slog.DebugContext(ctx, "gorm", "msg", msg, "args", args)
}

func (l slowLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	if elapsed < l.threshold {
		return
	}
	level := slog.LevelWarn
	if bulk, _ := ctx.Value(bulkKey{}).(bool); bulk && elapsed < l.bulkThreshold {
		level = slog.LevelDebug
		if !slog.Default().Enabled(ctx, level) {
			return // skip rendering a statement of thousands of rows
		}
	}
	sql, rows := fc()
	slog.Log(ctx, level, "slow query", "elapsed", elapsed.Round(time.Millisecond), "rows", rows, "sql", truncate(sql, 500))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
