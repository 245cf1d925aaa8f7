package models

import (
	"context"
	"errors"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"gorm.io/gorm"
)

// CONTRACT SKELETON: the method set below is what other packages build
// against. Bodies are filled in by the models work; signatures may gain
// methods but existing ones should not change without telling the others.

var errNotImplemented = errors.New("not implemented yet")

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// Store is the database: PostgreSQL or the embedded SQLite file.
type Store struct {
	db      *gorm.DB
	dialect string         // "postgres" or "sqlite"
	loc     *time.Location // the organisation's time zone, for Day columns
}

// Open connects to DATABASE_URL (postgres://… or a SQLite path / sqlite://PATH)
// and applies migrations.
func Open(ctx context.Context, dsn string, loc *time.Location) (*Store, error) {
	return nil, errNotImplemented
}

// Close releases the connection pool.
func (s *Store) Close() error { return errNotImplemented }

// DB exposes the gorm handle to code inside models' own subpackages and tests.
func (s *Store) DB() *gorm.DB { return s.db }

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Location is the organisation's time zone.
func (s *Store) Location() *time.Location { return s.loc }

// DayOf is the organisation-time-zone calendar day of t, as stored.
func (s *Store) DayOf(t time.Time) string { return t.In(s.loc).Format(DayLayout) }

// WithTx runs fn in one transaction; the Store passed to fn is bound to it,
// so every method called on it commits or rolls back together.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Store) error) error { return errNotImplemented }

// ActiveAccounts lists accounts not churned on day asOf, by name.
func (s *Store) ActiveAccounts(ctx context.Context, asOf time.Time) ([]Account, error) {
	return nil, errNotImplemented
}

// Account loads one account by id (ErrNotFound when absent).
func (s *Store) Account(ctx context.Context, id uint) (Account, error) {
	return Account{}, errNotImplemented
}

// Signals gathers one account's scoring inputs as of day asOf.
func (s *Store) Signals(ctx context.Context, cfg scoring.Config, accountID uint, asOf time.Time) (scoring.Signals, error) {
	return scoring.Signals{}, errNotImplemented
}

// AllSignals gathers every active account's inputs as of day asOf with a
// constant number of set-based queries, calling fn once per account.
func (s *Store) AllSignals(ctx context.Context, cfg scoring.Config, asOf time.Time, fn func(scoring.Signals) error) error {
	return errNotImplemented
}

// SaveSnapshots upserts snapshots by (account, day).
func (s *Store) SaveSnapshots(ctx context.Context, snaps []Snapshot) error { return errNotImplemented }

// History returns an account's snapshots with from <= day <= to, oldest first.
func (s *Store) History(ctx context.Context, accountID uint, from, to time.Time) ([]Snapshot, error) {
	return nil, errNotImplemented
}

// RecordPulse stores a pulse (Day is filled from At).
func (s *Store) RecordPulse(ctx context.Context, p *Pulse) error { return errNotImplemented }

// RecordTouch stores a touch (Day is filled from At).
func (s *Store) RecordTouch(ctx context.Context, t *Touch) error { return errNotImplemented }

// LatestPulse is the account's most recent pulse (ErrNotFound when none).
func (s *Store) LatestPulse(ctx context.Context, accountID uint) (Pulse, error) {
	return Pulse{}, errNotImplemented
}

// LastTouch is the account's most recent touch (ErrNotFound when none).
func (s *Store) LastTouch(ctx context.Context, accountID uint) (Touch, error) {
	return Touch{}, errNotImplemented
}

// OpenTickets lists the account's open tickets, oldest first.
func (s *Store) OpenTickets(ctx context.Context, accountID uint) ([]Ticket, error) {
	return nil, errNotImplemented
}

// OverdueInvoices lists the account's open invoices due before asOf, oldest first.
func (s *Store) OverdueInvoices(ctx context.Context, accountID uint, asOf time.Time) ([]Invoice, error) {
	return nil, errNotImplemented
}

// CSMByChatUser maps a chat identity to a CSM (ErrNotFound when unmapped).
// platform is "slack", "discord" or "console".
func (s *Store) CSMByChatUser(ctx context.Context, platform, userID string) (CSM, error) {
	return CSM{}, errNotImplemented
}
