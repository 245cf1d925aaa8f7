package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IngestChunk is how many rows one INSERT statement carries: large enough
// that a million-row batch is a thousand statements, small enough to stay
// under PostgreSQL's 65535 and SQLite's 32766 bound-parameter limits for the
// widest record (accounts, about 20 columns).
const IngestChunk = 1000

// Counts says what a write did to the rows it was given. An upsert whose
// values equal the stored ones counts as unchanged and is not written.
type Counts struct {
	Inserted  int
	Updated   int
	Unchanged int
	// Changed lists the ids of accounts whose records were inserted or
	// updated (each once, in no particular order), so callers rescore only
	// what moved.
	Changed []uint
}

// Add accumulates o into c.
func (c *Counts) Add(o Counts) {
	c.Inserted += o.Inserted
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
	c.Changed = append(c.Changed, o.Changed...)
}

// AccountIDsByExternalID maps each given external id that exists to its
// account id; ids that do not exist are simply absent from the map.
func (s *Store) AccountIDsByExternalID(ctx context.Context, externalIDs []string) (map[string]uint, error) {
	if s.dialect == DialectPostgres {
		return accountIDsByExternalIDPostgres(s.db.WithContext(ctx), externalIDs)
	}
	out := make(map[string]uint, len(externalIDs))
	for _, part := range chunks(externalIDs, IngestChunk) {
		var rows []struct {
			ID         uint
			ExternalID string
		}
		if err := s.db.WithContext(ctx).Model(&Account{}).Select("id", "external_id").
			Where("external_id IN ?", part).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("look up accounts by external id: %w", err)
		}
		for _, r := range rows {
			out[r.ExternalID] = r.ID
		}
	}
	return out, nil
}

// accountIDsByExternalIDPostgres is AccountIDsByExternalID's statement on
// PostgreSQL, run on db (the Store's, or a connection of its own): one
// statement for any number of ids, as an array. An ingested chunk of 5,000
// new accounts took five IN lists of 1,000, each a round trip with its
// bind, on the batch's one connection.
func accountIDsByExternalIDPostgres(db *gorm.DB, externalIDs []string) (map[string]uint, error) {
	out := make(map[string]uint, len(externalIDs))
	rows, err := db.Raw("SELECT id, external_id FROM accounts WHERE external_id = ANY(?::text[])", arrayParam(externalIDs)).Rows()
	if err != nil {
		return nil, fmt.Errorf("look up accounts by external id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  uint
			ext string
		)
		if err := rows.Scan(&id, &ext); err != nil {
			return nil, fmt.Errorf("look up accounts by external id: %w", err)
		}
		out[ext] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up accounts by external id: %w", err)
	}
	return out, nil
}

// besideWait is how long AccountIDsByExternalIDBeside waits for a free
// pooled connection before it gives up and lets the caller look up in its
// transaction. Short: the caller holds a connection while it waits, and
// when every one is held by batches waiting the same way, none would come.
const besideWait = 10 * time.Millisecond

// AccountIDsByExternalIDBeside is AccountIDsByExternalID on a pooled
// connection of its own, outside any transaction, for a batch whose
// transaction's connection is busy writing its previous chunk (PostgreSQL
// only): the lookup runs beside that write instead of after it. Only a
// transaction that writes no accounts may use it; what it reads is what
// the transaction's next statement would see (READ COMMITTED). ok is
// false, with nothing looked up, on SQLite or when no connection is free
// within besideWait; the caller then looks up in its transaction.
func (s *Store) AccountIDsByExternalIDBeside(ctx context.Context, externalIDs []string) (found map[string]uint, ok bool, err error) {
	if s.dialect != DialectPostgres || s.inTx {
		return nil, false, nil
	}
	acquire, cancel := context.WithTimeout(ctx, besideWait)
	defer cancel()
	err = s.db.WithContext(acquire).Connection(func(conn *gorm.DB) error {
		ok = true
		found, err = accountIDsByExternalIDPostgres(conn.WithContext(ctx), externalIDs)
		return err
	})
	if !ok {
		// No connection came: the caller's context ended, or the pool is
		// busy. Only the former is an error.
		return nil, false, ctx.Err()
	}
	return found, true, err
}

// AccountsByExternalID loads the accounts with the given external ids, keyed
// by external id.
func (s *Store) AccountsByExternalID(ctx context.Context, externalIDs []string) (map[string]Account, error) {
	return loadBy[Account](ctx, s, "external_id", externalIDs, func(a Account) string { return a.ExternalID })
}

// AccountsBySlug loads the accounts with the given slugs, keyed by slug.
func (s *Store) AccountsBySlug(ctx context.Context, slugs []string) (map[string]Account, error) {
	return loadBy[Account](ctx, s, "slug", slugs, func(a Account) string { return a.Slug })
}

// TicketsByExternalID loads the tickets with the given external ids, keyed by
// external id.
func (s *Store) TicketsByExternalID(ctx context.Context, externalIDs []string) (map[string]Ticket, error) {
	return loadBy[Ticket](ctx, s, "external_id", externalIDs, func(t Ticket) string { return t.ExternalID })
}

// InvoicesByExternalID loads the invoices with the given external ids, keyed
// by external id.
func (s *Store) InvoicesByExternalID(ctx context.Context, externalIDs []string) (map[string]Invoice, error) {
	return loadBy[Invoice](ctx, s, "external_id", externalIDs, func(i Invoice) string { return i.ExternalID })
}

// loadBy fetches rows whose column is in values, keyed by key(row).
func loadBy[T any](ctx context.Context, s *Store, column string, values []string, key func(T) string) (map[string]T, error) {
	out := make(map[string]T, len(values))
	for _, part := range chunks(values, IngestChunk) {
		var rows []T
		if err := s.db.WithContext(ctx).Where(clause.IN{Column: clause.Column{Name: column}, Values: anySlice(part)}).
			Find(&rows).Error; err != nil {
			var zero T
			return nil, fmt.Errorf("load %T by %s: %w", zero, column, err)
		}
		for _, r := range rows {
			out[key(r)] = r
		}
	}
	return out, nil
}

// insertChunks writes rows in multi-row INSERT statements with the given
// conflict clause and returns the rows the database reports as affected.
func insertChunks[T any](ctx context.Context, db *gorm.DB, rows []T, onConflict clause.OnConflict) (int64, error) {
	var affected int64
	for _, part := range chunks(rows, IngestChunk) {
		res := db.WithContext(ctx).Clauses(onConflict).Create(&part)
		if res.Error != nil {
			return affected, res.Error
		}
		affected += res.RowsAffected
	}
	return affected, nil
}

// upsertOn is the conflict clause "on these key columns, overwrite those".
func upsertOn(keys []string, update ...string) clause.OnConflict {
	cols := make([]clause.Column, len(keys))
	for i, k := range keys {
		cols[i] = clause.Column{Name: k}
	}
	return clause.OnConflict{Columns: cols, DoUpdates: clause.AssignmentColumns(update)}
}

// chunks splits s into consecutive slices of at most n elements.
func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

func anySlice[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// uniqueIDs returns ids without repeats.
func uniqueIDs(ids []uint) []uint {
	seen := make(map[uint]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// canonicalTime makes equal instants store identically: UTC (SQLite keeps
// times as text, so a unique index on a time only dedupes one spelling) and
// microseconds (PostgreSQL's precision, so a re-read value compares equal).
func canonicalTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func canonicalTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := canonicalTime(*t)
	return &c
}

func sameTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func sameStringPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
