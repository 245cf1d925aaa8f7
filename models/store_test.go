package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

func TestOpenReadyAndMigrateTwice(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.Ready(ctx); err != nil {
			t.Fatalf("Ready after Open: %v", err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second migration: %v", err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("third migration: %v", err)
		}
		if err := s.Ready(ctx); err != nil {
			t.Fatalf("Ready after re-migrating: %v", err)
		}
	})
}

func TestReadyFailsWithoutMigrations(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	ctx := context.Background()
	if err := s.DB().Exec("DELETE FROM schema_migrations").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil {
		t.Fatal("Ready with no migration marker: got nil, want an error")
	}
}

func TestConcurrentOpenPostgres(t *testing.T) {
	openConcurrently(t, modelstest.PostgresDSN(t))
}

func TestConcurrentOpenSQLite(t *testing.T) {
	openConcurrently(t, t.TempDir()+"/h.db")
}

// openConcurrently starts four Opens (and so four migrations) at once on
// one fresh database; all must succeed.
func openConcurrently(t *testing.T, dsn string) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	stores := make([]*models.Store, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = models.Open(ctx, dsn, time.UTC)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
			continue
		}
		if err := stores[i].Ready(ctx); err != nil {
			t.Errorf("Ready #%d: %v", i, err)
		}
		_ = stores[i].Close()
	}
}

func TestOpenSQLiteURL(t *testing.T) {
	path := t.TempDir() + "/x.db"
	s, err := models.Open(context.Background(), "sqlite://"+path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != models.DialectSQLite {
		t.Fatalf("dialect %q", s.Dialect())
	}
	var mode string
	if err := s.DB().Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk int
	if err := s.DB().Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
}
