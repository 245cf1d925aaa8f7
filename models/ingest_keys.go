package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// naturalKey says how to find stored rows of table by the exact values of
// its unique natural key, the same equality its ON CONFLICT target uses.
type naturalKey[T any] struct {
	table   string
	columns []string // column names, quoted in the SQL (touches has a column "by")
	pgTypes []string // each column's PostgreSQL type, for casting the text arrays
	values  func(T) []any
}

// findByKey loads into dest the stored rows sharing a natural key with one
// of rows. Each chunk costs one query that probes the unique index once per
// row, so the work is linear in the batch whatever the table holds; a
// lookup by account and day range (the former approach) read every stored
// row of the chunk's accounts across its days, quadratic when a batch
// interleaves accounts and dates.
func findByKey[T any](ctx context.Context, s *Store, dest *[]T, rows []T, k naturalKey[T]) error {
	for _, part := range chunks(rows, IngestChunk) {
		var (
			query string
			args  []any
		)
		if s.dialect == DialectPostgres {
			query, args = k.postgres(part)
		} else {
			query, args = k.sqlite(part)
		}
		var found []T
		if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&found).Error; err != nil {
			return fmt.Errorf("look up %s by key: %w", k.table, err)
		}
		*dest = append(*dest, found...)
	}
	return nil
}

// postgres joins the table to the keys passed as one text array per column
// (unnest): a constant number of parameters, so parsing and planning cost
// the same for any chunk size.
func (k naturalKey[T]) postgres(rows []T) (string, []any) {
	cols := make([][]string, len(k.columns))
	for i := range cols {
		cols[i] = make([]string, len(rows))
	}
	for j, r := range rows {
		for i, v := range k.values(r) {
			cols[i][j] = keyText(v)
		}
	}
	var b strings.Builder
	b.WriteString("SELECT t.* FROM unnest(")
	args := make([]any, len(cols))
	for i := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?::text[]")
		args[i] = pgArray(cols[i])
	}
	b.WriteString(") AS k(")
	for i := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "c%d", i)
	}
	fmt.Fprintf(&b, ") JOIN %s t ON ", k.table)
	for i, c := range k.columns {
		if i > 0 {
			b.WriteString(" AND ")
		}
		fmt.Fprintf(&b, "t.%q = k.c%d::%s", c, i, k.pgTypes[i])
	}
	return b.String(), args
}

// sqlite joins the table to a VALUES list of the keys, one bound parameter
// per key column (1000 rows × 4 columns is well under SQLite's limit).
func (k naturalKey[T]) sqlite(rows []T) (string, []any) {
	var b strings.Builder
	b.WriteString("WITH k(")
	for i := range k.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "c%d", i)
	}
	b.WriteString(") AS (VALUES ")
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(k.columns)), ", ") + ")"
	args := make([]any, 0, len(rows)*len(k.columns))
	for j, r := range rows {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
		args = append(args, k.values(r)...)
	}
	fmt.Fprintf(&b, ") SELECT t.* FROM k JOIN %s t ON ", k.table)
	for i, c := range k.columns {
		if i > 0 {
			b.WriteString(" AND ")
		}
		fmt.Fprintf(&b, "t.%q = k.c%d", c, i)
	}
	return b.String(), args
}

// keyText is a key value as PostgreSQL text input for its column type.
func keyText(v any) string {
	switch x := v.(type) {
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case string:
		return x
	default:
		panic(fmt.Sprintf("models: natural key value of type %T", v))
	}
}

var touchKey = naturalKey[Touch]{
	table:   "touches",
	columns: []string{"account_id", "at", "kind", "by"},
	pgTypes: []string{"bigint", "timestamptz", "text", "text"},
	values:  func(t Touch) []any { return []any{t.AccountID, t.At, t.Kind, t.By} },
}

var surveyKey = naturalKey[Survey]{
	table:   "surveys",
	columns: []string{"account_id", "kind", "at", "respondent"},
	pgTypes: []string{"bigint", "text", "timestamptz", "text"},
	values:  func(v Survey) []any { return []any{v.AccountID, v.Kind, v.At, v.Respondent} },
}

var mrrKey = naturalKey[MRRChange]{
	table:   "mrr_changes",
	columns: []string{"account_id", "effective_on"},
	pgTypes: []string{"bigint", "text"},
	values:  func(m MRRChange) []any { return []any{m.AccountID, m.EffectiveOn} },
}
