package models

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// bulkConnKey is the gorm setting under which a Store from WithBulkTx keeps
// the connection its transaction runs on.
const bulkConnKey = "healthbot:bulk-conn"

// bulkConn is the connection of a WithBulkTx transaction; copyFailed
// remembers that COPY met a stored row, so the rest of the batch goes
// straight to INSERT … ON CONFLICT.
type bulkConn struct {
	conn       *sql.Conn
	copyFailed bool
}

// WithBulkTx is WithTx for large writes, a batch: on PostgreSQL the
// transaction runs on one dedicated connection, which lets InsertActivity
// stream rows with COPY inside it, still all or nothing. A batch waits at
// most BatchWait for the write lock (SQLite) or for any lock (PostgreSQL),
// and then fails with ErrBusy, having written nothing; on SQLite chat
// writes waiting at the gate go first.
func (s *Store) WithBulkTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.dialect != DialectPostgres {
		return s.stats.observe(s.transaction(ctx, s.db.WithContext(ctx), laneBatch, func(tx *gorm.DB) error {
			return fn(s.bound(tx))
		}))
	}
	return busyErr(s.stats.observe(s.db.WithContext(ctx).Connection(func(c *gorm.DB) error {
		conn, ok := c.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("bulk transaction: connection is a %T", c.Statement.ConnPool)
		}
		return c.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(s.bulkSettingsSQL()).Error; err != nil {
				return fmt.Errorf("bulk transaction: %w", err)
			}
			return fn(s.bound(tx.Set(bulkConnKey, &bulkConn{conn: conn})))
		})
	})))
}

// copyActivity tries to write rows with COPY, which costs PostgreSQL less
// than INSERT (rows go to the heap a page at a time) and the client nothing
// per statement. COPY cannot skip stored rows, so it runs under a savepoint:
// if a row exists already, the savepoint is rolled back, done is false and
// the caller inserts with ON CONFLICT instead, as it will for the rest of
// the batch (a batch that repeats one stored row likely repeats more, e.g.
// a re-sent file). rows must hold no duplicates.
func (s *Store) copyActivity(ctx context.Context, rows []Activity) (done bool, err error) {
	v, ok := s.db.Get(bulkConnKey)
	if !ok {
		return false, nil
	}
	bc := v.(*bulkConn)
	if bc.copyFailed {
		return false, nil
	}
	err = bc.conn.Raw(func(dc any) error {
		vals := make([]any, 4)
		i := -1
		var err error
		done, err = copyUnderSavepoint(ctx, dc.(*stdlib.Conn).Conn(), pgx.Identifier{"activities"},
			[]string{"account_id", "day", "user_id", "feature"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i++; i == len(rows) {
					return nil, nil
				}
				// Pointers into rows: boxing them allocates nothing, and pgx
				// encodes each row before asking for the next.
				r := &rows[i]
				vals[0], vals[1], vals[2], vals[3] = &r.AccountID, &r.Day, &r.UserID, &r.Feature
				return vals, nil
			}))
		bc.copyFailed = err == nil && !done
		return err
	})
	s.countStatements(ctx, 3)
	return done, err
}

// copyUnderSavepoint COPYs src into table under a savepoint, so a row
// that is stored already (a unique violation, which COPY cannot skip)
// undoes only the copy: done is then false and nothing was written.
func copyUnderSavepoint(ctx context.Context, c *pgx.Conn, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (done bool, err error) {
	if _, err := c.Exec(ctx, "SAVEPOINT healthbot_copy"); err != nil {
		return false, fmt.Errorf("savepoint: %w", err)
	}
	_, err = c.CopyFrom(ctx, table, cols, src)
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		if _, err := c.Exec(ctx, "ROLLBACK TO SAVEPOINT healthbot_copy"); err != nil {
			return false, fmt.Errorf("roll back copy: %w", err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("copy: %w", err)
	}
	if _, err := c.Exec(ctx, "RELEASE SAVEPOINT healthbot_copy"); err != nil {
		return false, fmt.Errorf("release savepoint: %w", err)
	}
	return true, nil
}

// countStatements counts statements sent around gorm, as registerCounter
// counts gorm's own.
func (s *Store) countStatements(ctx context.Context, n int64) {
	s.stats.total.Add(n)
	if c, ok := ctx.Value(counterKey{}).(*QueryCounter); ok {
		c.n.Add(n)
	}
}

// sortedUnique sorts rows by key and drops repeats, returning the unique
// rows and how many were dropped. Sorted rows also reach the primary key's
// B-tree in order, which touches fewer pages. Rows sorted already (by
// SortActivity) are only checked.
func sortedUnique(rows []Activity) ([]Activity, int) {
	rows = slices.Clone(rows)
	if !slices.IsSortedFunc(rows, compareActivity) {
		slices.SortFunc(rows, compareActivity)
	}
	out := slices.Compact(rows)
	return out, len(rows) - len(out)
}

// SortActivity sorts rows in key order, the order InsertActivity writes
// them in: a caller that sorts a chunk while the previous one is being
// written (ingestion) takes that work off the batch's connection.
func SortActivity(rows []Activity) { slices.SortFunc(rows, compareActivity) }

func compareActivity(a, b Activity) int {
	return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Day, b.Day),
		cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Feature, b.Feature))
}
