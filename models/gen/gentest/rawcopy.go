package gentest

import (
	"context"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// RawCopyActivity is the yardstick of the ingestion benchmarks on
// PostgreSQL: it COPYs rows (binary, one statement) into activities
// itself, the same table with the same primary key, secondary index and
// stored rows as ingestion writes into, with every trigger off
// (session_replication_role = replica, which needs a superuser), in a
// transaction it then rolls back, and returns how long the COPY took.
// No validation, no account lookup, no rollups: what the database alone
// costs for these rows. The rolled-back rows are vacuumed away (untimed)
// before it returns. On SQLite it returns 0.
func RawCopyActivity(tb testing.TB, s *models.Store, rows []models.Activity) time.Duration {
	tb.Helper()
	if s.Dialect() != models.DialectPostgres {
		return 0
	}
	ctx := context.Background()
	sqlDB, err := s.DB().DB()
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	var took time.Duration
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		i := -1
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i++; i == len(rows) {
				return nil, nil
			}
			r := &rows[i]
			return []any{int64(r.AccountID), r.Day, r.UserID, r.Feature}, nil
		})
		t0 := time.Now()
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"activities"}, []string{"account_id", "day", "user_id", "feature"}, src)
		took = time.Since(t0)
		if err == nil && n != int64(len(rows)) {
			tb.Errorf("raw copy wrote %d rows of %d", n, len(rows))
		}
		return err
	})
	if err != nil {
		tb.Fatalf("raw copy of activity: %v", err)
	}
	Vacuum(tb, s, false, "activities")
	return took
}
