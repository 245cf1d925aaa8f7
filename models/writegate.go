package models

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/healthbot/healthbot/internal/turns"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// SQLite has one writer at a time, and an ingestion batch holds the write
// lock from its BEGIN to its COMMIT: seconds for 40,000 rows, a minute for
// a million. SQLite's own wait for the lock (busy_timeout, 5 s) then
// failed the chat writes sent meanwhile with SQLITE_BUSY, and the user was
// told "Sorry, that failed": the pulse was lost. Every write of this
// process so queues at the store's write gate instead, before it takes a
// connection: chat writes (WithTx, and single statements outside a
// transaction) wait as long as their context allows and are let in ahead
// of batches (WithBulkTx: ingestion, the full rescore), which wait at most
// BatchWait and then fail with ErrBusy, which the ingestion API answers
// 503 with Retry-After. The busy timeout remains as the backstop against
// writers in other processes (a `healthbot import` beside `serve`), and a
// transaction whose BEGIN still meets one is begun again while its waiting
// time lasts. On PostgreSQL writers do not exclude each other and nothing
// queues here; a batch there waits at most BatchWait for a lock
// (lock_timeout), such as the one activity writers take in turn.

// ErrBusy is returned (wrapped) when a batch could not get the database's
// write lock within BatchWait: nothing was written, and trying again later
// will work.
var ErrBusy = errors.New("the database is busy with other writes")

// DefaultBatchWait is how long a batch waits for the write lock by
// default: long enough for a few 40,000-row batches ahead of it.
const DefaultBatchWait = time.Minute

// Lanes of the gate (turns lanes): chat writes before batches.
const (
	laneChat = iota
	laneBatch
)

// writeGate lets one writer at a time through when exclusive (SQLite);
// otherwise it only holds the batches' waiting time.
type writeGate struct {
	exclusive bool
	batchWait atomic.Int64 // nanoseconds
	turn      *turns.Turns
}

func newWriteGate(exclusive bool) *writeGate {
	g := &writeGate{exclusive: exclusive, turn: turns.New(1, 2)}
	g.batchWait.Store(int64(DefaultBatchWait))
	return g
}

// SetBatchWait sets how long a batch waits for the write lock before it
// fails with ErrBusy (DefaultBatchWait unless set; at least a millisecond).
func (s *Store) SetBatchWait(d time.Duration) {
	s.gate.batchWait.Store(int64(max(d, time.Millisecond)))
}

// WriterInside reports whether a writer holds SQLite's write gate now
// (always false on PostgreSQL): what a test waits for before it sends a
// write that must find the lock taken.
func (s *Store) WriterInside() bool { return s.gate.exclusive && s.gate.turn.Held() > 0 }

// BatchWait is how long a batch waits for the write lock (SetBatchWait).
func (s *Store) BatchWait() time.Duration { return time.Duration(s.gate.batchWait.Load()) }

// acquire waits for the gate in lane until ctx ends or, when wait > 0,
// wait has passed (ErrBusy). A nil error means the caller holds the gate
// and must release it. A writer that has to wait tells ctx's Yielder.
func (g *writeGate) acquire(ctx context.Context, lane int, wait time.Duration) error {
	if !g.exclusive || g.turn.TryTake() {
		return nil
	}
	resume := yieldWhileWaiting(ctx)
	defer resume()
	err := g.turn.Take(ctx, lane, wait)
	if errors.Is(err, turns.ErrTimeout) {
		return fmt.Errorf("%w: waited %s for the write lock", ErrBusy, wait)
	}
	return err
}

// release lets the next writer in: chat writers first.
func (g *writeGate) release() {
	if g.exclusive {
		g.turn.Give()
	}
}

// transaction runs fn in a transaction on db, as a writer of lane l: on
// SQLite it first waits for the gate, and a BEGIN that another process's
// write lock kept busy is retried while the wait lasts. A Store already
// in a transaction nests as a savepoint, without the gate.
func (s *Store) transaction(ctx context.Context, db *gorm.DB, l int, fn func(tx *gorm.DB) error) error {
	if s.inTx { // its writer passed the gate already
		return db.Transaction(fn)
	}
	var wait time.Duration
	if l == laneBatch {
		wait = s.BatchWait()
	}
	start := time.Now()
	if err := s.gate.acquire(ctx, l, wait); err != nil {
		return err
	}
	defer s.gate.release()
	for attempt := 1; ; attempt++ {
		began := false
		err := db.Transaction(func(tx *gorm.DB) error {
			began = true
			return fn(tx)
		})
		if began || s.dialect != DialectSQLite || !isSQLiteBusy(err) {
			return err
		}
		pause := min(time.Duration(attempt)*50*time.Millisecond, time.Second)
		if wait > 0 && time.Since(start)+pause > wait {
			return fmt.Errorf("%w: another process held the write lock for %s: %w", ErrBusy, time.Since(start).Round(time.Millisecond), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (while another process held the write lock)", ctx.Err())
		case <-time.After(pause):
		}
	}
}

// bulkSettingsSQL sets a PostgreSQL batch's transaction apart, until it
// ends: its wait for any lock is bounded by BatchWait, and its statements
// may hash or sort in bulkWorkMem.
func (s *Store) bulkSettingsSQL() string {
	return fmt.Sprintf("SELECT set_config('lock_timeout', '%d', true), set_config('work_mem', '%s', true)",
		s.BatchWait().Milliseconds(), bulkWorkMem)
}

// bulkWorkMem is what a batch's statements, and its triggers' statements,
// may each hold in memory on PostgreSQL before spilling to disk. A
// statement-level trigger's transition table holds every row its
// statement wrote: the daily rescore's COPY of 93,300 snapshots at
// 100,000 accounts filled 45 MB of it, which at the default 4 MB went to
// a temporary file and back, and so did the current_scores trigger's sort
// of them (8.5 MB). Inserting the same rows with their trigger took 2.01
// and 2.21 s with 64 MB against 2.18 and 2.42 s with 4 MB, alternated.
// Batches run on the process's pooled connections (ten on PostgreSQL), so
// at most ten of them at once could each hold this per step.
const bulkWorkMem = "64MB"

// busyErr marks a PostgreSQL lock_timeout (55P03, lock_not_available) as
// ErrBusy: the batch waited BatchWait for a lock another writer held.
func busyErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "55P03" {
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	return err
}

// gateKey is the statement setting that says a statement outside a
// transaction holds the gate.
const gateKey = "healthbot:gate"

// registerWriteGate makes the statements that write outside a
// transaction (gorm's Create, Update and Delete, and Exec) queue at the
// gate as chat writers, before gorm begins its implicit transaction or
// runs the statement. Statements inside a transaction passed the gate
// with it.
func registerWriteGate(db *gorm.DB, g *writeGate) error {
	if !g.exclusive {
		return nil
	}
	enter := func(tx *gorm.DB) {
		if _, inTx := tx.Statement.ConnPool.(gorm.TxCommitter); inTx || tx.Error != nil {
			return
		}
		ctx := tx.Statement.Context
		if ctx == nil {
			ctx = context.Background()
		}
		if err := g.acquire(ctx, laneChat, 0); err != nil {
			_ = tx.AddError(fmt.Errorf("wait for the write lock: %w", err))
			return
		}
		tx.InstanceSet(gateKey, true)
	}
	leave := func(tx *gorm.DB) {
		if held, _ := tx.InstanceGet(gateKey); held == true {
			tx.InstanceSet(gateKey, false)
			g.release()
		}
	}
	cb := db.Callback()
	return errors.Join(
		cb.Create().Before("gorm:begin_transaction").Register("healthbot:gate", enter),
		cb.Create().After("gorm:commit_or_rollback_transaction").Register("healthbot:ungate", leave),
		cb.Update().Before("gorm:begin_transaction").Register("healthbot:gate", enter),
		cb.Update().After("gorm:commit_or_rollback_transaction").Register("healthbot:ungate", leave),
		cb.Delete().Before("gorm:begin_transaction").Register("healthbot:gate", enter),
		cb.Delete().After("gorm:commit_or_rollback_transaction").Register("healthbot:ungate", leave),
		cb.Raw().Before("gorm:raw").Register("healthbot:gate", enter),
		cb.Raw().After("gorm:raw").Register("healthbot:ungate", leave),
	)
}

// Yielder is told when a command stops to wait for the write lock, so a
// pool bounding concurrent commands can let another one run meanwhile:
// a pulse waiting a minute behind a batch uses no connection and no CPU.
// Yield is called before the wait; the function it returns after it,
// whatever its outcome.
type Yielder interface {
	Yield() (resume func())
}

type yielderKey struct{}

// WithYielder returns a context under which waits for the write lock are
// reported to y.
func WithYielder(ctx context.Context, y Yielder) context.Context {
	return context.WithValue(ctx, yielderKey{}, y)
}

// yieldWhileWaiting tells ctx's Yielder, if any, that a wait begins, and
// returns what ends it.
func yieldWhileWaiting(ctx context.Context) (resume func()) {
	if y, ok := ctx.Value(yielderKey{}).(Yielder); ok {
		return y.Yield()
	}
	return func() {}
}
