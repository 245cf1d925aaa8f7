package models

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm/clause"
)

// ActivityChunk is how many activity rows InsertActivity writes per
// statement, and so how many rows ingestion buffers before writing. Activity
// is by far the largest kind, so on PostgreSQL it gets bigger statements than
// IngestChunk: the rows travel as 4 array parameters whatever their number.
const ActivityChunk = 5000

// insertActivityPostgres inserts the rows of four parallel arrays, skipping
// stored tuples, and says how many rows each account gained. Four array
// parameters instead of 4×N scalars keep parsing and planning constant: a
// 1000-row VALUES list costs PostgreSQL more to plan than to insert.
const insertActivityPostgres = `WITH ins AS (
	INSERT INTO activities (account_id, day, user_id, feature)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[])
	ON CONFLICT DO NOTHING
	RETURNING account_id)
SELECT account_id, count(*) AS n FROM ins GROUP BY account_id`

// InsertActivity stores activity tuples, skipping those already stored. An
// activity row has no columns besides its key, so it is inserted or
// unchanged, never updated.
func (s *Store) InsertActivity(ctx context.Context, rows []Activity) (Counts, error) {
	var c Counts
	size := ActivityChunk
	if s.dialect != DialectPostgres {
		// The SQLite driver binds in time quadratic in the parameters
		// (for each one it scans every argument): 5000-row statements
		// (20,000 parameters) ran ten times slower than 1000-row ones.
		size = IngestChunk
	}
	for _, part := range chunks(rows, size) {
		var (
			got Counts
			err error
		)
		if s.dialect == DialectPostgres {
			got, err = s.insertActivityPostgres(ctx, part)
		} else {
			got, err = s.insertActivitySQLite(ctx, part)
		}
		if err != nil {
			return Counts{}, fmt.Errorf("insert activity: %w", err)
		}
		c.Inserted += got.Inserted
		c.Unchanged += got.Unchanged
		c.Changed = append(c.Changed, got.Changed...)
	}
	c.Changed = uniqueIDs(c.Changed)
	return c, nil
}

func (s *Store) insertActivityPostgres(ctx context.Context, rows []Activity) (Counts, error) {
	if _, ok := s.db.Get(bulkConnKey); ok {
		uniq, dups := sortedUnique(rows)
		done, err := s.copyActivity(ctx, uniq)
		if err != nil {
			return Counts{}, err
		}
		if done {
			c := Counts{Inserted: len(uniq), Unchanged: dups}
			for _, r := range uniq {
				c.Changed = append(c.Changed, r.AccountID)
			}
			c.Changed = uniqueIDs(c.Changed)
			return c, nil
		}
	}
	ids := make([]int64, len(rows))
	days := make([]string, len(rows))
	users := make([]string, len(rows))
	features := make([]string, len(rows))
	for i, r := range rows {
		ids[i], days[i], users[i], features[i] = int64(r.AccountID), r.Day, r.UserID, r.Feature
	}
	var per []struct {
		AccountID uint
		N         int
	}
	err := s.db.WithContext(ctx).Raw(insertActivityPostgres,
		pgArray(ids), pgArray(days), pgArray(users), pgArray(features)).Scan(&per).Error
	if err != nil {
		return Counts{}, err
	}
	var c Counts
	for _, p := range per {
		c.Inserted += p.N
		c.Changed = append(c.Changed, p.AccountID)
	}
	c.Unchanged = len(rows) - c.Inserted
	return c, nil
}

// pgArray wraps a slice as one array parameter. gorm expands a plain slice
// argument into a list of scalars; a pgtype.Array is a struct, so gorm
// passes it through and pgx encodes it as a PostgreSQL array.
func pgArray[T any](v []T) pgtype.Array[T] {
	return pgtype.Array[T]{Elements: v, Dims: []pgtype.ArrayDimension{{Length: int32(len(v)), LowerBound: 1}}, Valid: true}
}

func (s *Store) insertActivitySQLite(ctx context.Context, rows []Activity) (Counts, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
	if res.Error != nil {
		return Counts{}, res.Error
	}
	affected := res.RowsAffected
	n := int(affected)
	c := Counts{Inserted: n, Unchanged: len(rows) - n}
	if n > 0 {
		// Which rows were new is unknown, so every account in a chunk
		// that inserted anything counts as changed.
		for _, r := range rows {
			c.Changed = append(c.Changed, r.AccountID)
		}
	}
	return c, nil
}
