package gen

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"

	"github.com/healthbot/healthbot/models"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyPostgres streams every table through COPY on one connection in one
// transaction, then refreshes statistics and the visibility map (VACUUM
// ANALYZE), as autovacuum would soon after a bulk load, so plans and
// index-only scans are those of a settled database. The insert triggers
// of the activity rollups and of current_scores are off for the COPYs of
// millions of rows, and both are rebuilt set-based before the commit (see
// models.ActivityRollupInsertTrigger and models.CurrentScoresRebuild).
func copyPostgres(ctx context.Context, s *models.Store, tables []table, counts map[string]int64) error {
	sqlDB, err := s.DB().DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		// The insert triggers the load turns off, each "table trigger".
		off := []string{"activities " + models.ActivityRollupInsertTrigger,
			"accounts " + models.CurrentScoresAccountsTrigger, "snapshots " + models.CurrentScoresSnapshotsTrigger}
		alter := func(verb string) error {
			for _, t := range off {
				table, trigger, _ := strings.Cut(t, " ")
				if _, err := tx.Exec(ctx, "ALTER TABLE "+table+" "+verb+" TRIGGER "+trigger); err != nil {
					return fmt.Errorf("%s trigger %s: %w", strings.ToLower(verb), trigger, err)
				}
			}
			return nil
		}
		if err := alter("DISABLE"); err != nil {
			return err
		}
		for _, t := range tables {
			next, stop := iter.Pull(t.rows)
			src := pgx.CopyFromFunc(func() ([]any, error) {
				row, ok := next()
				if !ok {
					return nil, nil
				}
				return row, nil
			})
			n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src)
			stop()
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			counts[t.name] = n
		}
		if err := alter("ENABLE"); err != nil {
			return err
		}
		for _, q := range append(models.ActivityRollupRebuild(), models.CurrentScoresRebuild()...) {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("rebuild: %w", err)
			}
		}
		// accounts were written with explicit ids: move the sequence past them.
		if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT MAX(id) FROM accounts))"); err != nil {
			return fmt.Errorf("account id sequence: %w", err)
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return err
	}
	for _, name := range append(tableNames(tables), "activity_days", "activity_last", "current_scores") {
		if _, err := conn.ExecContext(ctx, "VACUUM ANALYZE "+name); err != nil {
			return fmt.Errorf("vacuum %s: %w", name, err)
		}
	}
	return nil
}

// sqliteVars bounds the bound parameters of one statement (SQLite allows
// 32766 since 3.32).
const sqliteVars = 30000

// insertSQLite writes every table in one transaction with prepared
// multi-row INSERTs of up to 500 rows, the per-row insert triggers off and
// what they maintain rebuilt at the end (models.SQLiteBulkLoad).
func insertSQLite(ctx context.Context, s *models.Store, tables []table, counts map[string]int64) error {
	sqlDB, err := s.DB().DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A page cache that holds the tables' indexes while rows arrive in day
	// order: at the default 2 MB each insert into the (account_id, day, …)
	// keys read its page from the file. Set for this connection only, and
	// back to the default before it returns to the pool.
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -1048576"); err != nil {
		return err
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), "PRAGMA cache_size = -2000") }()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	before, after := models.SQLiteBulkLoad()
	for _, q := range before {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
	}
	for _, t := range tables {
		per := min(500, sqliteVars/len(t.cols))
		full, err := tx.PrepareContext(ctx, insertSQL(t, per))
		if err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		buf := make([]any, 0, per*len(t.cols))
		flush := func(stmt *sql.Stmt) error {
			if len(buf) == 0 {
				return nil
			}
			if stmt == nil {
				st, err := tx.PrepareContext(ctx, insertSQL(t, len(buf)/len(t.cols)))
				if err != nil {
					return err
				}
				defer st.Close()
				stmt = st
			}
			_, err := stmt.ExecContext(ctx, buf...)
			buf = buf[:0]
			return err
		}
		for row := range t.rows {
			buf = append(buf, row...)
			counts[t.name]++
			if len(buf) == cap(buf) {
				if err := flush(full); err != nil {
					return fmt.Errorf("insert %s: %w", t.name, err)
				}
			}
		}
		if err := flush(nil); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		_ = full.Close()
	}
	for _, q := range after {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk load: rebuild: %w", err)
		}
	}
	return tx.Commit()
}

// insertSQL is "INSERT INTO t (cols) VALUES (?,…),…" for n rows.
func insertSQL(t table, n int) string {
	var b strings.Builder
	quoted := make([]string, len(t.cols))
	for i, c := range t.cols {
		quoted[i] = `"` + c + `"`
	}
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", t.name, strings.Join(quoted, ", "))
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(one)
	}
	return b.String()
}

// tableNames lists the tables' names in order.
func tableNames(tables []table) []string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	return names
}
