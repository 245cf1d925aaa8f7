package models

import (
	"errors"
	"fmt"
	"time"

	sqlitedriver "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
)

// diskFullHold is how long after a write failed for lack of space Ready
// keeps reporting the store as not ready. There is no cheap, lock-free way
// to ask either database whether the next write will fit, so readiness
// goes by the last failure; while the disk stays full, the writes that
// keep coming (batches, chat, the scheduler) keep failing and keep it
// reported.
const diskFullHold = time.Minute

// IsDiskFull reports whether err is the database running out of space:
// SQLite's SQLITE_FULL (13, which SQLite also returns when the file
// system answers ENOSPC, or when the file reached max_page_count) or
// PostgreSQL's disk_full (SQLSTATE 53100).
func IsDiskFull(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlitedriver.Error
	if errors.As(err, &se) && se.Code()&0xff == 13 {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "53100"
}

// observe remembers err's time when it is a disk-full failure, for Ready,
// and returns err.
func (q *queryStats) observe(err error) error {
	if IsDiskFull(err) {
		q.diskFullAt.Store(time.Now().UnixNano())
	}
	return err
}

// diskFull is the readiness error for a disk-full failure within the
// last diskFullHold, or nil.
func (q *queryStats) diskFull() error {
	at := q.diskFullAt.Load()
	if at == 0 {
		return nil
	}
	ago := time.Since(time.Unix(0, at))
	if ago >= diskFullHold {
		return nil
	}
	return fmt.Errorf("disk full: a write failed for lack of space %s ago; free space where the database is stored", ago.Round(time.Second))
}
