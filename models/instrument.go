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
	slow       atomic.Int64 // the slow-query threshold, in nanoseconds
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

// slowQuery is how long a statement may take before it is logged.
const slowQuery = 200 * time.Millisecond

// registerCounter hooks every gorm processor so each statement is counted
// (and a disk-full failure noticed), and a slow one logged.
func registerCounter(db *gorm.DB, stats *queryStats) error {
	stats.slow.Store(int64(slowQuery))
	start := func(tx *gorm.DB) { tx.InstanceSet(startKey, time.Now()) }
	count := func(tx *gorm.DB) {
		var began time.Time
		if t, ok := tx.InstanceGet(startKey); ok {
			began = t.(time.Time)
		}
		stats.counted(tx, began, tx.Error)
	}
	cb := db.Callback()
	return errors.Join(
		cb.Create().Before("gorm:create").Register(startKey, start),
		cb.Create().After("gorm:create").Register("healthbot:count", count),
		cb.Query().Before("gorm:query").Register(startKey, start),
		cb.Query().After("gorm:query").Register("healthbot:count", count),
		cb.Update().Before("gorm:update").Register(startKey, start),
		cb.Update().After("gorm:update").Register("healthbot:count", count),
		cb.Delete().Before("gorm:delete").Register(startKey, start),
		cb.Delete().After("gorm:delete").Register("healthbot:count", count),
		cb.Row().Before("gorm:row").Register(startKey, start),
		cb.Row().After("gorm:row").Register("healthbot:count", count),
		cb.Raw().Before("gorm:raw").Register(startKey, start),
		cb.Raw().After("gorm:raw").Register("healthbot:count", count),
	)
}

// counted counts the statement tx ran, notes a disk-full failure and logs
// it when slow (began zero: its start is unknown). gorm's callbacks call
// it, and the reads that run a statement gorm built with pgx itself
// (eachRowNative).
func (stats *queryStats) counted(tx *gorm.DB, began time.Time, err error) {
	stats.total.Add(1)
	_ = stats.observe(err)
	if ctx := tx.Statement.Context; ctx != nil {
		if c, ok := ctx.Value(counterKey{}).(*QueryCounter); ok {
			c.n.Add(1)
		}
	}
	if !began.IsZero() {
		logSlow(tx, time.Since(began), time.Duration(stats.slow.Load()))
	}
}

// startKey is the statement setting holding when the statement started.
const startKey = "healthbot:start"

type bulkKey struct{}

// BulkContext marks the statements run with the returned context as bulk
// writes (ingestion chunks of thousands of rows), so the slow-query log
// does not warn about every one of them.
func BulkContext(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

// logSlow logs a statement that took threshold or longer, at warn level;
// statements run under BulkContext are large by design, so they warn only
// past 25 times the threshold and are otherwise logged at debug level.
// The statement is logged as sent, with its placeholders ("?", "$1"):
// never with the values bound to them, which are customer data (notes,
// emails, names). It is read from the statement itself rather than from
// gorm's trace, whose text has the values written in.
func logSlow(tx *gorm.DB, elapsed, threshold time.Duration) {
	if elapsed < threshold {
		return
	}
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	level := slog.LevelWarn
	if bulk, _ := ctx.Value(bulkKey{}).(bool); bulk && elapsed < 25*threshold {
		level = slog.LevelDebug
		if !slog.Default().Enabled(ctx, level) {
			return // skip rendering a statement of thousands of rows
		}
	}
	slog.Log(ctx, level, "slow query", "elapsed", elapsed.Round(time.Millisecond), "rows", tx.RowsAffected,
		"sql", truncate(tx.Statement.SQL.String(), 500))
}

// quietLogger keeps gorm's own logger silent: slow statements are logged
// by logSlow, and failed ones are reported by the callers that see them.
type quietLogger struct{}

func (quietLogger) LogMode(logger.LogLevel) logger.Interface { return quietLogger{} }
func (quietLogger) Info(context.Context, string, ...any)     {}
func (quietLogger) Warn(context.Context, string, ...any)     {}
func (quietLogger) Error(ctx context.Context, msg string, args ...any) {
	slog.DebugContext(ctx, "gorm", "msg", msg, "args", args)
}
func (quietLogger) Trace(context.Context, time.Time, func() (string, int64), error) {}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
