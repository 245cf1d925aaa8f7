package commandstest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
)

// OpenLockable opens a migrated SQLite store on a file of its own and
// returns it with lock, which takes the database's write lock from a
// second connection pool (BEGIN IMMEDIATE, as another process would) and
// returns the function releasing it. While it is held, any write through
// the store waits on SQLite's busy timeout: a genuinely slow store.
func OpenLockable(t testing.TB) (*models.Store, func() (release func())) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "healthbot.db")
	s, err := models.Open(ctx, path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	other, err := models.Open(ctx, path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	lock := func() func() {
		t.Helper()
		db, err := other.DB().DB()
		if err != nil {
			t.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatalf("take the write lock: %v", err)
		}
		var once sync.Once
		release := func() {
			once.Do(func() {
				if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
					t.Errorf("release the write lock: %v", err)
				}
				_ = conn.Close()
			})
		}
		t.Cleanup(release)
		return release
	}
	return s, lock
}
