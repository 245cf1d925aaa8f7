// Package modelstest opens real, isolated databases for tests: a temporary
// SQLite file always, and a fresh PostgreSQL schema when
// HEALTHBOT_TEST_POSTGRES_URL is set.
package modelstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"

	// The pgx database/sql driver, for creating and dropping schemas.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// PostgresEnv names the environment variable holding the base PostgreSQL URL.
const PostgresEnv = "HEALTHBOT_TEST_POSTGRES_URL"

// MustOpenSQLite opens a migrated Store on a new SQLite file in a temporary
// directory, closed when the test ends.
func MustOpenSQLite(tb testing.TB) *models.Store {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "healthbot.db")
	s, err := models.Open(context.Background(), path, time.UTC)
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// PostgresDSN creates a fresh schema on the database of
// HEALTHBOT_TEST_POSTGRES_URL, dropped when the test ends, and returns a
// DSN whose search_path points at it. It skips the test when the variable
// is unset and fails it when the server is unreachable.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("%s not set", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("postgres %s: %v", PostgresEnv, err)
	}
	tb.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema := "t_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("postgres: create schema (is %s reachable?): %v", PostgresEnv, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("postgres: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("postgres: parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpenPostgres opens a migrated Store on a fresh PostgreSQL schema,
// closed and dropped when the test ends (see PostgresDSN).
func MustOpenPostgres(tb testing.TB) *models.Store {
	tb.Helper()
	dsn := PostgresDSN(tb)
	s, err := models.Open(context.Background(), dsn, time.UTC)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	// Registered after the schema's cleanup, so it runs first (LIFO).
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// ForEachDSN runs fn as subtest "sqlite" with the path of a fresh SQLite
// file, and as subtest "postgres" with the DSN of a fresh schema (see
// PostgresDSN), for tests that open the database themselves.
func ForEachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, t.TempDir()+"/h.db") })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// ForEachShared runs fn as ForEachDSN does, with open in place of the
// DSN: each call opens another Store on the same fresh database, as
// another replica or a restarted process would (closed when the test
// ends).
func ForEachShared(t *testing.T, fn func(t *testing.T, open func() *models.Store)) {
	t.Helper()
	ForEachDSN(t, func(t *testing.T, dsn string) {
		fn(t, func() *models.Store {
			s, err := models.Open(context.Background(), dsn, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		})
	})
}

// ForEachDB runs fn as subtest "sqlite", and as subtest "postgres" when
// HEALTHBOT_TEST_POSTGRES_URL is set, each on a fresh database.
func ForEachDB(t *testing.T, fn func(t *testing.T, s *models.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpenSQLite(t)) })
	if os.Getenv(PostgresEnv) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, MustOpenPostgres(t)) })
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// HoldConns takes n of s's pooled connections until the test ends: a pool
// as busy as other work would leave it.
func HoldConns(tb testing.TB, s *models.Store, n int) {
	tb.Helper()
	db, err := s.DB().DB()
	if err != nil {
		tb.Fatal(err)
	}
	for range n {
		c, err := db.Conn(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = c.Close() })
	}
}
