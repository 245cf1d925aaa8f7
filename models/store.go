package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlitedriver "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// Store is the database: PostgreSQL or the embedded SQLite file.
type Store struct {
	db       *gorm.DB
	dialect  string         // "postgres" or "sqlite"
	loc      *time.Location // the organisation's time zone, for Day columns
	stats    *queryStats    // shared by every Store derived from the same Open
	gate     *writeGate     // likewise: where this process's writers queue (writegate.go)
	inTx     bool           // bound to a transaction (WithTx, WithBulkTx): Audit may write, the gate is passed
	parallel int            // how many reads of one pass may run at once (WithParallelReads); 0 or 1: one after the other
}

// Dialect names returned by Store.Dialect.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// Open connects to DATABASE_URL (postgres://… or a SQLite path / sqlite://PATH)
// and applies migrations. A DSN of another form is refused with ErrBadDSN,
// and no error quotes the DSN's password (see RedactDSN).
func Open(ctx context.Context, dsn string, loc *time.Location) (*Store, error) {
	if loc == nil {
		loc = time.UTC
	}
	stats := &queryStats{}
	dialect, db, err := openGorm(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", redactErr(err, dsn))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if dialect == DialectSQLite {
		// SQLite has one writer at a time; a few connections let reads run
		// beside it in WAL mode while the write gate (writegate.go)
		// serialises this process's writes.
		sqlDB.SetMaxOpenConns(sqliteConns)
		sqlDB.SetMaxIdleConns(sqliteConns)
	} else {
		sqlDB.SetMaxOpenConns(postgresConns)
		sqlDB.SetMaxIdleConns(5)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	gate := newWriteGate(dialect == DialectSQLite)
	if err := errors.Join(registerCounter(db, stats), registerWriteGate(db, gate)); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	s := &Store{db: db, dialect: dialect, loc: loc, stats: stats, gate: gate}
	if err := s.migrate(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, redactErr(err, dsn)
	}
	return s, nil
}

// Connection pool sizes: see MaxConns.
const (
	sqliteConns   = 4
	postgresConns = 10
)

// MaxConns is the size of the connection pool: how many statements can
// run at once, so how many commands are worth running at once.
func (s *Store) MaxConns() int {
	if s.dialect == DialectSQLite {
		return sqliteConns
	}
	return postgresConns
}

// sqliteBusyWait bounds how long Open retries a busy SQLite file; it
// matches the busy_timeout the connections use.
const sqliteBusyWait = 5 * time.Second

// openGorm opens dsn with gorm. When two processes open a fresh SQLite file
// at once, the one that loses the race to switch it to WAL is answered
// SQLITE_BUSY at once (changing the journal mode needs an exclusive lock,
// which SQLite will not wait for through busy_timeout), so a busy open is
// retried, briefly, until sqliteBusyWait has passed.
func openGorm(ctx context.Context, dsn string) (string, *gorm.DB, error) {
	deadline := time.Now().Add(sqliteBusyWait)
	for attempt := 1; ; attempt++ {
		dialect, dialector, err := dialectorFor(dsn)
		if err != nil {
			return "", nil, err
		}
		db, err := gorm.Open(dialector, &gorm.Config{
			Logger:  quietLogger{},
			NowFunc: func() time.Time { return time.Now().UTC() },
		})
		if err == nil || dialect != DialectSQLite || !isSQLiteBusy(err) || time.Now().After(deadline) {
			return dialect, db, err
		}
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
	}
}

// isSQLiteBusy reports whether err is SQLite's SQLITE_BUSY (5), alone or
// with its extended codes.
func isSQLiteBusy(err error) bool {
	var e *sqlitedriver.Error
	return errors.As(err, &e) && e.Code()&0xff == 5
}

// dialectorFor picks the driver from the DSN's scheme.
func dialectorFor(dsn string) (string, gorm.Dialector, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return DialectPostgres, postgres.Open(dsn), nil
	}
	if err := checkDSN(dsn); err != nil {
		return "", nil, err
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	if path == "" {
		return "", nil, errors.New("empty SQLite path")
	}
	// _txlock=immediate takes the write lock at BEGIN, so a transaction never
	// fails upgrading a read lock (which busy_timeout cannot retry).
	// recursive_triggers makes REPLACE fire the delete triggers of the rows
	// it replaces: without it the activity rollup triggers (rollups.go) saw
	// a replaced activity as a new one and counted its user-day twice.
	params := "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=recursive_triggers(1)&_txlock=immediate"
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return DialectSQLite, sqlite.Open(path + sep + params), nil
}

// Close releases the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// DB exposes the gorm handle to code inside models' own subpackages and tests.
func (s *Store) DB() *gorm.DB { return s.db }

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Location is the organisation's time zone.
func (s *Store) Location() *time.Location { return s.loc }

// DayOf is the organisation-time-zone calendar day of t, as stored.
func (s *Store) DayOf(t time.Time) string { return t.In(s.loc).Format(DayLayout) }

// DayAt is the organisation-time-zone calendar day of t as midnight UTC, the
// representation scoring uses for days; pass it as asOf.
func (s *Store) DayAt(t time.Time) time.Time {
	y, m, d := t.In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDay turns a stored "YYYY-MM-DD" into midnight UTC of that date.
func ParseDay(day string) (time.Time, error) {
	return time.ParseInLocation(DayLayout, day, time.UTC)
}

// dayKey is the stored form of a day parameter. Day parameters are taken at
// their own calendar date (t's own location), so both midnight UTC of a
// day and a time in the organisation's zone name the intended day.
func dayKey(t time.Time) string { return t.Format(DayLayout) }

// addDays shifts a stored day string by n calendar days.
func addDays(day string, n int) string {
	t, err := ParseDay(day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(DayLayout)
}

// WithTx runs fn in one transaction; the Store passed to fn is bound to it,
// so every method called on it commits or rolls back together. On SQLite
// it first waits its turn at the write gate, ahead of batches, for as
// long as ctx allows.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Store) error) error {
	// A full disk may fail the COMMIT itself, which no statement hook sees.
	return s.stats.observe(s.transaction(ctx, s.db.WithContext(ctx), laneChat, func(tx *gorm.DB) error {
		return fn(s.bound(tx))
	}))
}

// WithParallelReads returns s allowing a full scoring pass (every account's
// signals) to run its independent reads n at a time, each on its own
// pooled connection, on PostgreSQL outside a transaction; elsewhere, or
// bound to a transaction (one connection), they run one after the other.
// Each statement takes its own snapshot either way (READ COMMITTED), so
// running them at once changes when they run, not what they can see.
// The daily rescore reads two at a time: at 100,000 accounts its seven
// grouped reads took 3 s one after the other, leaving one of the database
// server's two cores idle.
func (s *Store) WithParallelReads(n int) *Store {
	c := *s
	c.parallel = n
	return &c
}

// ParallelReads is how many reads of a pass run at once (1: one after the
// other).
func (s *Store) ParallelReads() int {
	if s.inTx || s.dialect != DialectPostgres || s.parallel < 2 {
		return 1
	}
	return s.parallel
}

// bound is s bound to the transaction tx.
func (s *Store) bound(tx *gorm.DB) *Store {
	return &Store{db: tx, dialect: s.dialect, loc: s.loc, stats: s.stats, gate: s.gate, inTx: true}
}

// Ready reports whether the database answers, this binary's migrations
// have been applied and no write failed for lack of disk space within the
// last minute; /readyz calls it.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.stats.diskFull(); err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	var version int64
	err := s.db.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version).Error
	if err != nil {
		return fmt.Errorf("ready: %w", err)
	}
	if version < SchemaVersion {
		return fmt.Errorf("ready: schema version %d, want %d: run `healthbot migrate`", version, SchemaVersion)
	}
	return nil
}

// orm returns the handle bound to ctx.
func (s *Store) orm(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// notFound maps gorm's not-found error to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
