package models

import (
	"context"
	"fmt"
)

// upsertSpec describes one kind for upsertRows: how rows are keyed, found,
// compared and written.
type upsertSpec[T any] struct {
	// op prefixes every error, e.g. "upsert tickets".
	op string
	// prep normalises a copy of each incoming row (zero ids, canonical
	// times, derived days) before keying, so keys and comparisons see what
	// will be stored. Optional.
	prep func(*T)
	// key is the natural or external key one stored row is unique by.
	key func(T) string
	// find loads the stored rows sharing keys with rows, keyed by key.
	find func(ctx context.Context, rows []T) (map[string]T, error)
	// same reports whether writing r over stored e would change nothing.
	same func(e, r T) bool
	// accountID names the account a row belongs to, for Counts.Changed.
	accountID func(T) uint
	// movesAccount marks kinds whose update may move a row to another
	// account: the previous account changed too.
	movesAccount bool
	// changedIDs, when set, replaces accountID: it resolves the account ids
	// of the written rows after the write (accounts get their ids there).
	changedIDs func(ctx context.Context, written []T) ([]uint, error)
	// conflict and update are the ON CONFLICT key and overwritten columns.
	conflict, update []string
}

// upsertRows is the loop every Upsert method shares; see the comment at the
// top of ingest_write.go. The caller's slice is not modified.
func upsertRows[T any](ctx context.Context, s *Store, rows []T, spec upsertSpec[T]) (Counts, error) {
	norm := make([]T, len(rows))
	copy(norm, rows)
	if spec.prep != nil {
		for i := range norm {
			spec.prep(&norm[i])
		}
	}
	norm, dups := lastPerKey(norm, spec.key)
	existing, err := spec.find(ctx, norm)
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w", spec.op, err)
	}
	c := Counts{Unchanged: dups}
	var write []T
	for _, r := range norm {
		if e, ok := existing[spec.key(r)]; ok {
			if spec.same(e, r) {
				c.Unchanged++
				continue
			}
			c.Updated++
			if spec.movesAccount {
				c.Changed = append(c.Changed, spec.accountID(e))
			}
		} else {
			c.Inserted++
		}
		write = append(write, r)
		if spec.changedIDs == nil {
			c.Changed = append(c.Changed, spec.accountID(r))
		}
	}
	if _, err := insertChunks(ctx, s.db, write, upsertOn(spec.conflict, spec.update...)); err != nil {
		return Counts{}, fmt.Errorf("%s: %w", spec.op, err)
	}
	if spec.changedIDs != nil {
		ids, err := spec.changedIDs(ctx, write)
		if err != nil {
			return Counts{}, fmt.Errorf("%s: %w", spec.op, err)
		}
		c.Changed = ids
		return c, nil
	}
	c.Changed = uniqueIDs(c.Changed)
	return c, nil
}

// byExternalID adapts a "load by external ids" method to upsertSpec.find.
func byExternalID[T any](load func(context.Context, []string) (map[string]T, error), key func(T) string) func(context.Context, []T) (map[string]T, error) {
	return func(ctx context.Context, rows []T) (map[string]T, error) {
		return load(ctx, keysOf(rows, key))
	}
}

// byNaturalKey adapts findByKey to upsertSpec.find, keying found rows by key.
func byNaturalKey[T any](s *Store, k naturalKey[T], key func(T) string) func(context.Context, []T) (map[string]T, error) {
	return func(ctx context.Context, rows []T) (map[string]T, error) {
		var found []T
		if err := findByKey(ctx, s, &found, rows, k); err != nil {
			return nil, err
		}
		out := make(map[string]T, len(found))
		for _, e := range found {
			out[key(e)] = e
		}
		return out, nil
	}
}

// lastPerKey drops rows whose key appears again later, keeping order, and
// says how many it dropped.
func lastPerKey[T any](rows []T, key func(T) string) ([]T, int) {
	last := make(map[string]int, len(rows))
	for i, r := range rows {
		last[key(r)] = i
	}
	if len(last) == len(rows) {
		return rows, 0
	}
	out := make([]T, 0, len(last))
	for i, r := range rows {
		if last[key(r)] == i {
			out = append(out, r)
		}
	}
	return out, len(rows) - len(out)
}

// keysOf maps rows to their keys.
func keysOf[T any](rows []T, key func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = key(r)
	}
	return out
}
