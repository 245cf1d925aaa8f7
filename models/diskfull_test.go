package models_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestIsDiskFullPostgres: PostgreSQL's disk_full (53100), however deeply
// wrapped, is recognised; other errors are not. (SQLite's SQLITE_FULL is
// produced for real in bot/ingest's TestDiskFull; a PostgreSQL server
// cannot be filled from a test.)
func TestIsDiskFullPostgres(t *testing.T) {
	full := &pgconn.PgError{Code: "53100", Message: `could not extend file "base/16384/16385": No space left on device`}
	if !models.IsDiskFull(fmt.Errorf("ingest: %w", fmt.Errorf("insert: %w", full))) {
		t.Error("wrapped 53100 not recognised")
	}
	for _, err := range []error{nil, errors.New("disk full"), &pgconn.PgError{Code: "53200"}, &pgconn.PgError{Code: "23505"}} {
		if models.IsDiskFull(err) {
			t.Errorf("IsDiskFull(%v) = true", err)
		}
	}
}
