package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// snapshotChunk bounds the snapshots one statement writes: a daily
// rescore writes one per account, 10,000 and more.
const (
	snapshotChunkPostgres = 5000
	snapshotChunkSQLite   = 500 // 11 columns: 5,500 parameters, under SQLite's 32,766
)

// upsertSnapshotsPostgres writes a chunk as 11 array parameters: one small
// statement to parse and plan however many rows, and no reflection.
const upsertSnapshotsPostgres = `INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details, profile, model_version, updated_at)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::boolean[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])` +
	upsertSnapshotsPostgresConflict

// upsertSnapshotsPostgresConflict replaces a stored snapshot only when it
// says something else, on both PostgreSQL paths.
const upsertSnapshotsPostgresConflict = `
	ON CONFLICT (account_id, day) DO UPDATE SET known = excluded.known, score = excluded.score,
		computed = excluded.computed, status = excluded.status, subscores = excluded.subscores, details = excluded.details,
		profile = excluded.profile, model_version = excluded.model_version, updated_at = excluded.updated_at
	WHERE (snapshots.known, snapshots.score, snapshots.computed, snapshots.status, snapshots.subscores, snapshots.details,
			snapshots.profile, snapshots.model_version)
		IS DISTINCT FROM (excluded.known, excluded.score, excluded.computed, excluded.status, excluded.subscores, excluded.details,
			excluded.profile, excluded.model_version)`

// The COPY path's statements. snapshots_stage is a temporary table, the
// session's own (no other connection sees it), with snapshots' own column
// types; ON COMMIT DROP leaves nothing behind on the pooled connection.
// A second SaveSnapshots in the same transaction finds it there, so the
// upsert empties it as it reads it.
const (
	// firstStoredDay reads one entry of the snapshot_by_day index. It is
	// written so that any plan is that read: with "day = ANY($1)" the
	// generic plan a cached statement gets after five runs scanned the
	// whole table for a day that has no rows.
	firstStoredDay      = `SELECT day FROM snapshots WHERE day >= $1 ORDER BY day LIMIT 1`
	createSnapshotStage = `CREATE TEMP TABLE IF NOT EXISTS snapshots_stage ON COMMIT DROP AS
	SELECT account_id, day, known, score, computed, status, subscores, details, profile, model_version, updated_at FROM snapshots WITH NO DATA`
	upsertStagedSnapshots = `WITH staged AS (
		DELETE FROM pg_temp.snapshots_stage
		RETURNING account_id, day, known, score, computed, status, subscores, details, profile, model_version, updated_at
	)
	INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details, profile, model_version, updated_at)
	SELECT * FROM staged` + upsertSnapshotsPostgresConflict
)

// snapshotCopyColumns are the columns COPY writes, in snapshotRows' order.
var snapshotCopyColumns = []string{"account_id", "day", "known", "score", "computed", "status", "subscores", "details", "profile", "model_version", "updated_at"}

// upsertSnapshotsConflict is SQLite's conflict clause, with the same
// filter as PostgreSQL's (IS NOT is SQLite's null-safe inequality).
const upsertSnapshotsConflict = ` ON CONFLICT (account_id, day) DO UPDATE SET known = excluded.known, score = excluded.score,
	computed = excluded.computed, status = excluded.status, subscores = excluded.subscores, details = excluded.details,
	profile = excluded.profile, model_version = excluded.model_version, updated_at = excluded.updated_at
	WHERE snapshots.known IS NOT excluded.known OR snapshots.score IS NOT excluded.score
		OR snapshots.computed IS NOT excluded.computed OR snapshots.status IS NOT excluded.status
		OR snapshots.subscores IS NOT excluded.subscores OR snapshots.details IS NOT excluded.details
		OR snapshots.profile IS NOT excluded.profile OR snapshots.model_version IS NOT excluded.model_version`

// SaveSnapshots upserts snapshots by (account, day), in chunks of
// thousands of rows per statement. A stored snapshot that already says the
// same (score, status, sub-scores, details, profile, model version) is left as it is, UpdatedAt
// included: a rescore that changes nothing writes nothing, so repeated
// rescores of a day (every ingested batch, every write) leave no dead row
// versions behind. The statements are bulk writes for the slow-query log,
// which otherwise renders thousands of array elements into a warning.
//
// Inside WithBulkTx on PostgreSQL the rows go by binary COPY instead (see
// copySnapshots), a constant number of statements however many rows:
// encoding 10,000 rows as text arrays cost the client 40-80 ms of CPU.
func (s *Store) SaveSnapshots(ctx context.Context, snaps []Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	order := make([]int, len(snaps))
	for i := range order {
		order[i] = i
	}
	// (account, day) order: see SnapshotBatch.
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(snaps[a].AccountID, snaps[b].AccountID), strings.Compare(snaps[a].Day, snaps[b].Day))
	})
	b := SnapshotBatch{Len: len(snaps), First: snaps[0].Day, Last: snaps[0].Day,
		Row: func(i int) (Snapshot, error) { return snaps[order[i]], nil }}
	for i := range snaps {
		b.First, b.Last = min(b.First, snaps[i].Day), max(b.Last, snaps[i].Day)
	}
	return s.SaveSnapshotBatch(ctx, b)
}

// SnapshotBatch is snapshots made as they are written: Row(i) makes the
// i-th of Len, in (account, day) order, dated from First to Last. The
// daily rescore encodes each snapshot's JSON in Row, so that on
// PostgreSQL the encoding (0.3-0.4 s of Go at 100,000 accounts) runs while
// the server stores the rows already sent, instead of before the COPY.
// Row may be called more than once for the same i, from another
// goroutine than the caller's, one call at a time.
//
// The order is the unique (account_id, day) index's: a day's inserts then
// walk its leaf pages once from left to right instead of jumping around
// it. After each checkpoint (every 5 minutes by default) the first change
// to a page logs the whole page, and the daily rescore touches these
// leaves once a day, so it pays that for nearly all of them: 27 MB of WAL
// for a day at 10,000 accounts against 6 MB when the pages were just
// written. After a CHECKPOINT the COPY took 102-105 ms in index order
// against 135-214 ms in name order.
type SnapshotBatch struct {
	Len         int
	First, Last string
	Row         func(i int) (Snapshot, error)
}

// SaveSnapshotBatch is SaveSnapshots for a batch made as it is written.
func (s *Store) SaveSnapshotBatch(ctx context.Context, b SnapshotBatch) error {
	if b.Len == 0 {
		return nil
	}
	ctx = BulkContext(ctx)
	if s.dialect == DialectPostgres {
		if v, ok := s.db.Get(bulkConnKey); ok {
			if err := s.copySnapshots(ctx, v.(*bulkConn), b); err != nil {
				return fmt.Errorf("save snapshots: %w", err)
			}
			return nil
		}
	}
	size := snapshotChunkSQLite
	if s.dialect == DialectPostgres {
		size = snapshotChunkPostgres
	}
	part := make([]Snapshot, 0, min(size, b.Len))
	for i := 0; i < b.Len; i++ {
		sn, err := b.Row(i)
		if err != nil {
			return fmt.Errorf("save snapshots: %w", err)
		}
		if part = append(part, sn); len(part) < size && i < b.Len-1 {
			continue
		}
		if s.dialect == DialectPostgres {
			err = s.saveSnapshotsPostgres(ctx, part)
		} else {
			err = s.saveSnapshotsSQLite(ctx, part)
		}
		if err != nil {
			return fmt.Errorf("save snapshots: %w", err)
		}
		part = part[:0]
	}
	return nil
}

// copySnapshots is SaveSnapshots on a bulk transaction's connection. The
// daily rescore writes a day no snapshot has yet: then the rows go
// straight into snapshots with one COPY, which costs PostgreSQL a third
// less than inserting them with ON CONFLICT. When the day has snapshots
// already (a day scored again), the rows are copied into a staging table
// and upserted from it with the same filter as saveSnapshotsPostgres, so
// unchanged snapshots stay untouched. Four statements either way.
//
// The direct COPY runs under a savepoint, as copyActivity's does: a
// snapshot of the day committed meanwhile by another transaction (the
// rescore after an ingested batch) makes it fail with a unique violation,
// and the rows then take the staging path, which waits for and updates
// that snapshot as the INSERT … ON CONFLICT of the other paths would.
func (s *Store) copySnapshots(ctx context.Context, bc *bulkConn, b SnapshotBatch) error {
	return bc.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		// A stored day between first and last, even one not among the
		// batch's days, sends the rows to the staging path, which is
		// always right.
		var day string
		err := c.QueryRow(ctx, firstStoredDay, b.First).Scan(&day)
		s.countStatements(ctx, 1)
		stored := err == nil && day <= b.Last
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("find stored days: %w", err)
		}
		if !stored {
			done, err := copyUnderSavepoint(ctx, c, pgx.Identifier{"snapshots"}, snapshotCopyColumns, s.snapshotRows(b))
			s.countStatements(ctx, 3)
			if err != nil || done {
				return err
			}
		}
		return s.upsertStagedSnapshots(ctx, c, b)
	})
}

// upsertStagedSnapshots copies the batch into the staging table, then upserts
// them into snapshots from there.
func (s *Store) upsertStagedSnapshots(ctx context.Context, c *pgx.Conn, b SnapshotBatch) error {
	s.countStatements(ctx, 3)
	if _, err := c.Exec(ctx, createSnapshotStage); err != nil {
		return fmt.Errorf("create staging table: %w", err)
	}
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"pg_temp", "snapshots_stage"}, snapshotCopyColumns, s.snapshotRows(b)); err != nil {
		return fmt.Errorf("copy to staging table: %w", err)
	}
	if _, err := c.Exec(ctx, upsertStagedSnapshots); err != nil {
		return fmt.Errorf("upsert from staging table: %w", err)
	}
	return nil
}

// snapshotRows feeds the batch to COPY in snapshotCopyColumns' order.
// Each row is copied into one copyRow, which the values point into: a
// string or an int64 put into the row's []any was an allocation of its
// own (1.35 M a daily rescore at 100,000 accounts), and a pointer to one
// pgx dereferences by reflection, allocating anyway.
func (s *Store) snapshotRows(b SnapshotBatch) pgx.CopyFromSource {
	var r copyRow
	vals := []any{copyInt{&r.account}, copyText{&r.sn.Day}, copyBool{&r.sn.Known}, copyInt{&r.score}, copyInt{&r.computed},
		copyText{&r.sn.Status}, copyText{&r.sn.Subscores}, copyText{&r.sn.Details}, copyText{&r.sn.Profile},
		copyText{&r.sn.ModelVersion}, copyTime{&r.updated}}
	i := -1
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i++; i == b.Len {
			return nil, nil
		}
		sn, err := b.Row(i)
		if err != nil {
			return nil, err
		}
		r = copyRow{sn: sn, account: int64(sn.AccountID), score: int64(sn.Score), computed: int64(sn.Computed), updated: s.updatedAt(sn)}
		return vals, nil
	})
}

// copyRow is the snapshot snapshotRows is copying, with its columns in
// the types COPY sends.
type copyRow struct {
	sn                       Snapshot
	account, score, computed int64
	updated                  time.Time
}

// The values of a copyRow as pgx encodes them (pgtype's valuer
// interfaces): each is one pointer, which an interface holds without an
// allocation.
type (
	copyText struct{ p *string }
	copyInt  struct{ p *int64 }
	copyBool struct{ p *bool }
	copyTime struct{ p *time.Time }
)

func (v copyText) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: *v.p, Valid: true}, nil
}
func (v copyInt) Int64Value() (pgtype.Int8, error) { return pgtype.Int8{Int64: *v.p, Valid: true}, nil }
func (v copyBool) BoolValue() (pgtype.Bool, error) { return pgtype.Bool{Bool: *v.p, Valid: true}, nil }
func (v copyTime) TimestamptzValue() (pgtype.Timestamptz, error) {
	return pgtype.Timestamptz{Time: *v.p, Valid: true}, nil
}

func (s *Store) saveSnapshotsPostgres(ctx context.Context, snaps []Snapshot) error {
	n := len(snaps)
	ids, scores, computed := make([]int64, n), make([]int64, n), make([]int64, n)
	days, statuses, subs, details := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	profiles, versions := make([]string, n), make([]string, n)
	known, updated := make([]bool, n), make([]time.Time, n)
	for i, sn := range snaps {
		ids[i], days[i], known[i], scores[i], computed[i] = int64(sn.AccountID), sn.Day, sn.Known, int64(sn.Score), int64(sn.Computed)
		statuses[i], subs[i], details[i], updated[i] = sn.Status, sn.Subscores, sn.Details, s.updatedAt(sn)
		profiles[i], versions[i] = sn.Profile, sn.ModelVersion
	}
	return s.db.WithContext(ctx).Exec(upsertSnapshotsPostgres, arrayParam(ids), arrayParam(days), arrayParam(known),
		arrayParam(scores), arrayParam(computed), arrayParam(statuses), arrayParam(subs), arrayParam(details),
		arrayParam(profiles), arrayParam(versions), arrayParam(updated)).Error
}

func (s *Store) saveSnapshotsSQLite(ctx context.Context, snaps []Snapshot) error {
	var b strings.Builder
	b.WriteString("INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details, profile, model_version, updated_at) VALUES ")
	args := make([]any, 0, 11*len(snaps))
	for i, sn := range snaps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
		args = append(args, sn.AccountID, sn.Day, sn.Known, sn.Score, sn.Computed, sn.Status, sn.Subscores, sn.Details,
			sn.Profile, sn.ModelVersion, s.updatedAt(sn))
	}
	b.WriteString(upsertSnapshotsConflict)
	return s.db.WithContext(ctx).Exec(b.String(), args...).Error
}

// updatedAt is the snapshot's UpdatedAt, or now as gorm would have set it.
func (s *Store) updatedAt(sn Snapshot) time.Time {
	if sn.UpdatedAt.IsZero() {
		return s.db.NowFunc()
	}
	return sn.UpdatedAt
}

// arrayParam passes a slice as one PostgreSQL array parameter: gorm
// expands a plain slice into a list of scalars, but passes a pgtype.Array
// (a struct) through for pgx to encode.
func arrayParam[T any](v []T) pgtype.Array[T] {
	return pgtype.Array[T]{Elements: v, Dims: []pgtype.ArrayDimension{{Length: int32(len(v)), LowerBound: 1}}, Valid: true}
}
