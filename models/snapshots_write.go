package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// snapshotChunk bounds the snapshots one statement writes: a daily
// rescore writes one per account, 10,000 and more.
const (
	snapshotChunkPostgres = 5000
	snapshotChunkSQLite   = 500 // 9 columns: 4,500 parameters, under SQLite's 32,766
)

// upsertSnapshotsPostgres writes a chunk as 9 array parameters: one small
// statement to parse and plan however many rows, and no reflection.
const upsertSnapshotsPostgres = `INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details, updated_at)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::boolean[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
	ON CONFLICT (account_id, day) DO UPDATE SET known = excluded.known, score = excluded.score,
		computed = excluded.computed, status = excluded.status, subscores = excluded.subscores, details = excluded.details,
		updated_at = excluded.updated_at
	WHERE (snapshots.known, snapshots.score, snapshots.computed, snapshots.status, snapshots.subscores, snapshots.details)
		IS DISTINCT FROM (excluded.known, excluded.score, excluded.computed, excluded.status, excluded.subscores, excluded.details)`

// upsertSnapshotsConflict is SQLite's conflict clause, with the same
// filter as PostgreSQL's (IS NOT is SQLite's null-safe inequality).
const upsertSnapshotsConflict = ` ON CONFLICT (account_id, day) DO UPDATE SET known = excluded.known, score = excluded.score,
	computed = excluded.computed, status = excluded.status, subscores = excluded.subscores, details = excluded.details,
	updated_at = excluded.updated_at
	WHERE snapshots.known IS NOT excluded.known OR snapshots.score IS NOT excluded.score
		OR snapshots.computed IS NOT excluded.computed OR snapshots.status IS NOT excluded.status
		OR snapshots.subscores IS NOT excluded.subscores OR snapshots.details IS NOT excluded.details`

// SaveSnapshots upserts snapshots by (account, day), in chunks of
// thousands of rows per statement. A stored snapshot that already says the
// same (score, status, sub-scores, details) is left as it is, UpdatedAt
// included: a rescore that changes nothing writes nothing, so repeated
// rescores of a day (every ingested batch, every write) leave no dead row
// versions behind. The statements are bulk writes for the slow-query log,
// which otherwise renders thousands of array elements into a warning.
func (s *Store) SaveSnapshots(ctx context.Context, snaps []Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	ctx = BulkContext(ctx)
	size := snapshotChunkSQLite
	if s.dialect == DialectPostgres {
		size = snapshotChunkPostgres
	}
	for len(snaps) > 0 {
		part := snaps[:min(size, len(snaps))]
		snaps = snaps[len(part):]
		var err error
		if s.dialect == DialectPostgres {
			err = s.saveSnapshotsPostgres(ctx, part)
		} else {
			err = s.saveSnapshotsSQLite(ctx, part)
		}
		if err != nil {
			return fmt.Errorf("save snapshots: %w", err)
		}
	}
	return nil
}

func (s *Store) saveSnapshotsPostgres(ctx context.Context, snaps []Snapshot) error {
	n := len(snaps)
	ids, scores, computed := make([]int64, n), make([]int64, n), make([]int64, n)
	days, statuses, subs, details := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	known, updated := make([]bool, n), make([]time.Time, n)
	for i, sn := range snaps {
		ids[i], days[i], known[i], scores[i], computed[i] = int64(sn.AccountID), sn.Day, sn.Known, int64(sn.Score), int64(sn.Computed)
		statuses[i], subs[i], details[i], updated[i] = sn.Status, sn.Subscores, sn.Details, s.updatedAt(sn)
	}
	return s.db.WithContext(ctx).Exec(upsertSnapshotsPostgres, arrayParam(ids), arrayParam(days), arrayParam(known),
		arrayParam(scores), arrayParam(computed), arrayParam(statuses), arrayParam(subs), arrayParam(details), arrayParam(updated)).Error
}

func (s *Store) saveSnapshotsSQLite(ctx context.Context, snaps []Snapshot) error {
	var b strings.Builder
	b.WriteString("INSERT INTO snapshots (account_id, day, known, score, computed, status, subscores, details, updated_at) VALUES ")
	args := make([]any, 0, 9*len(snaps))
	for i, sn := range snaps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?)")
		args = append(args, sn.AccountID, sn.Day, sn.Known, sn.Score, sn.Computed, sn.Status, sn.Subscores, sn.Details, s.updatedAt(sn))
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
