package models

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"
)

// PreviousSnapshots returns, keyed by account, each account's latest
// snapshot dated before day: for the accounts in ids, or for every account
// when ids is nil. It is one query whose cost follows the number of
// accounts, not the days of history kept (grouping every earlier snapshot
// by account reads them all: 3.65 million rows after a year at 10,000
// accounts).
func (s *Store) PreviousSnapshots(ctx context.Context, day time.Time, ids []uint) (map[uint]Snapshot, error) {
	return s.previousOf(ctx, day, ids, fullSnapshot)
}

// PreviousSnapshotHeads is PreviousSnapshots for every account without
// Subscores, Details, Profile and ModelVersion (left ""): what the alert
// rules compare (known, score, status). The daily rescore reads every
// account's, and the two JSON columns were most of the bytes: 55-67 ms
// against 17-18 ms for the query alone at 10,000 accounts. Messages that
// show what moved load their few full snapshots with PreviousSnapshots.
//
// On a new day (no snapshot dated on or after day, the daily rescore's
// case) each account's previous snapshot is its current one, so the heads
// are current_scores' rows: one narrow table read, where searching the
// snapshots (yesterday's rows, then a probe for each account without one)
// took 0.66 s at 100,000 accounts.
func (s *Store) PreviousSnapshotHeads(ctx context.Context, day time.Time) (map[uint]Snapshot, error) {
	newest, err := s.newestSnapshotDay(ctx)
	if err != nil {
		return nil, err
	}
	if newest != "" && newest < dayKey(day) {
		return s.currentHeads(ctx, "previous snapshots: current scores", snapshotHead, "")
	}
	return s.previousOf(ctx, day, nil, snapshotHead)
}

func (s *Store) previousOf(ctx context.Context, day time.Time, ids []uint, cols snapshotShape) (map[uint]Snapshot, error) {
	args := map[string]any{"t": dayKey(day)}
	filter := ""
	if ids != nil {
		if len(ids) == 0 {
			return map[uint]Snapshot{}, nil
		}
		switch {
		case s.dialect == DialectPostgres && len(ids) > MaxSubset:
			// In arrays of MaxSubset ids: the weekly summary asks for
			// every At-risk account's, 20,000 at 100,000 accounts, where
			// every account's full row (JSON and all) was read instead.
			out := map[uint]Snapshot{}
			for part := range slices.Chunk(ids, MaxSubset) {
				m, err := s.previousOf(ctx, day, part, cols)
				if err != nil {
					return nil, err
				}
				maps.Copy(out, m)
			}
			return out, nil
		case s.dialect == DialectPostgres:
			// One array parameter, probed by id: a stream's rescore of a
			// few thousand accounts probes those only, where reading every
			// account's previous snapshot (full rows, JSON and all) cost
			// it 150-165 ms at 10,000 accounts.
			filter = " WHERE accounts.id = ANY(CAST(@ids AS bigint[]))"
			args["ids"] = idArray(ids)
		case len(ids) > maxProbedIDs:
			return s.previousOfSome(ctx, day, ids, cols)
		default:
			filter = " WHERE accounts.id IN @ids"
			args["ids"] = ids
		}
	} else if s.dialect == DialectPostgres {
		return s.querySnapshots(ctx, "previous snapshots", wholePortfolio(), previousSnapshotsAllSQL(cols), map[string]any{"y": dayKey(day.AddDate(0, 0, -1))})
	}
	// Each account is one backward probe of the unique (account_id, day)
	// index. PostgreSQL needs LATERAL to run the probe per account (given
	// the scalar form it hashes every snapshot: 1.9 s against 0.12 s at 60
	// days of history); SQLite has no LATERAL but plans the scalar form as
	// a probe plus a rowid lookup.
	q := `SELECT ` + cols.list("snapshots") + ` FROM accounts JOIN snapshots ON snapshots.id = (
		SELECT p.id FROM snapshots p WHERE p.account_id = accounts.id AND p.day < @t ORDER BY p.day DESC LIMIT 1
	)` + filter
	if s.dialect == DialectPostgres {
		q = `SELECT ` + cols.list("p") + ` FROM accounts CROSS JOIN LATERAL (
		SELECT ` + cols.stored + ` FROM snapshots WHERE snapshots.account_id = accounts.id AND snapshots.day < @t ORDER BY snapshots.day DESC LIMIT 1
	) p` + filter
	}
	size := len(ids)
	if ids == nil {
		size = wholePortfolio()
	}
	return s.querySnapshots(ctx, "previous snapshots", size, q, args)
}

// maxProbedIDs bounds the ids PreviousSnapshots probes one by one on
// SQLite, each a bound parameter: it takes at most 32,766 in a statement,
// and past a thousand the query for every account costs no more.
const maxProbedIDs = 1000

// previousOfSome is previousOf for a long id list on SQLite: every
// account's, kept for the ids asked for.
func (s *Store) previousOfSome(ctx context.Context, day time.Time, ids []uint, cols snapshotShape) (map[uint]Snapshot, error) {
	all, err := s.previousOf(ctx, day, nil, cols)
	if err != nil {
		return nil, err
	}
	out := make(map[uint]Snapshot, len(ids))
	for _, id := range ids {
		if sn, ok := all[id]; ok {
			out[id] = sn
		}
	}
	return out, nil
}

// previousSnapshotsAllSQL is PreviousSnapshots' query for every account
// on PostgreSQL. The daily rescore finds yesterday's snapshot for nearly
// every account, and yesterday's rows are one range of the snapshot_by_day
// index (written together by yesterday's rescore, so mostly on adjacent
// pages): reading that range costs less than one index probe per account.
// Only the accounts without a snapshot yesterday (new, or not scored since
// they churned) are probed for their latest earlier one, in the same
// query. Yesterday is the latest day before day, so where it exists it is
// the answer. At 10,000 accounts the backend spends 27-57 ms on it against
// 54-69 ms for the probes.
//
// MATERIALIZED keeps that shape: inlined, the planner probed (account_id,
// day) once per account for yesterday's row instead, no faster than
// before, when the table's older history was written account by account.
// SQLite keeps the probes: its range read plus the anti-join probes
// measured no faster than them (its rowid lookups cost what the probes
// save).
//
// The accounts without a snapshot yesterday are found with EXCEPT, which
// PostgreSQL runs as a hashed or sorted set operation: linear whatever the
// planner believes. Yesterday is the newest day in the table, and until
// the table is analyzed again (autovacuum waits for 10% of it to change,
// weeks of daily rescores) the planner believes it has about one row.
// Written as NOT EXISTS, the query then became a nested-loop anti-join
// rescanning yesterday's 10,000 rows for each of 10,000 accounts: 7.5-10.9
// s instead of 26 ms. NOT IN is hashed only while yesterday's estimated ids
// fit in hash_mem, so with fresh statistics past ~170,000 accounts (or with
// a small work_mem) it rescans too. TestPreviousSnapshotsAllPlan checks
// both cases.
func previousSnapshotsAllSQL(cols snapshotShape) string {
	return `WITH y AS MATERIALIZED (SELECT ` + cols.stored + ` FROM snapshots WHERE day = @y),
	missing AS (SELECT id FROM accounts EXCEPT SELECT account_id FROM y)
	SELECT ` + cols.list("y") + ` FROM y JOIN accounts ON accounts.id = y.account_id
	UNION ALL
	SELECT ` + cols.list("p") + ` FROM missing CROSS JOIN LATERAL (
		SELECT ` + cols.stored + ` FROM snapshots WHERE snapshots.account_id = missing.id AND snapshots.day < @y ORDER BY snapshots.day DESC LIMIT 1
	) p`
}

// querySnapshots runs q, whose columns are snapshotScan's, and keys its
// rows by account; op names the read in errors. Outside a transaction on
// PostgreSQL the rows are decoded by pgx (nativeReads): every account's
// previous heads are read so beside the daily rescore's COPY.
//
// size is how many rows to expect (wholePortfolio for every account's):
// growing a map of 100,000 snapshots from a small one allocated about
// twice its final size.
func (s *Store) querySnapshots(ctx context.Context, op string, size int, q string, args ...any) (map[uint]Snapshot, error) {
	return s.querySnapshotsIn(ctx, s.nativeReads, op, size, q, args...)
}

// querySnapshotsIn is querySnapshots with the reads run by run
// (nativeReads, portfolioRead).
func (s *Store) querySnapshotsIn(ctx context.Context, run func(context.Context, func(*gorm.DB) error) error, op string, size int, q string, args ...any) (map[uint]Snapshot, error) {
	out := make(map[uint]Snapshot, size)
	err := run(ctx, func(db *gorm.DB) error {
		var scan snapshotScan
		return eachRowOf(db, q, args, func(rows rowScanner) error { return scan.into(rows, out) })
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// snapshotShape is which of a snapshot's columns a read fetches: stored
// is the select list on the table, list(t) reads them from alias t in
// snapshotScan's order (nullable text as "", as gorm would).
type snapshotShape struct {
	stored  string
	text    bool // Subscores, Details, Profile and ModelVersion; without them they read as ""
	profile bool // Profile and ModelVersion alone
}

var (
	fullSnapshot = snapshotShape{stored: "*", text: true}
	snapshotHead = snapshotShape{stored: "id, account_id, day, known, score, computed, status, updated_at"}
)

func (c snapshotShape) list(t string) string {
	text := "'', '', '', ''"
	if c.profile {
		text = "'', '', " + t + ".profile, " + t + ".model_version"
	}
	if c.text {
		text = "COALESCE(" + t + ".subscores, ''), COALESCE(" + t + ".details, ''), " + t + ".profile, " + t + ".model_version"
	}
	return t + ".id, " + t + ".account_id, " + t + ".day, " + t + ".known, " + t + ".score, " + t + ".computed, " +
		t + ".status, " + text + ", " + t + ".updated_at"
}

// snapshotScan reads rows of a snapshotShape's list with plain Scan calls
// into a map keyed by account: gorm's reflection over 10,000 rows was a
// tenth of a rescore's CPU time. Its fields are the Scan targets, reused
// from row to row through one destination slice: a local Snapshot whose
// fields Scan is given escapes, one allocation per row. The day, status,
// profile and model version are interned: the daily rescore's previous
// heads (100,000 rows of one day) read them as 1.27 M allocations of its
// 4.0 M, with the timestamp's boxing.
type snapshotScan struct {
	sn                            Snapshot
	day, status, profile, version internedText
	updated                       storedTime
	dest                          []any
}

func (c *snapshotScan) into(rows rowScanner, out map[uint]Snapshot) error {
	if err := c.scan(rows); err != nil {
		return err
	}
	out[c.sn.AccountID] = c.sn
	return nil
}

// scan reads one row into c.sn.
func (c *snapshotScan) scan(rows rowScanner) error {
	sn := &c.sn
	if c.dest == nil {
		c.dest = []any{&sn.ID, &sn.AccountID, &c.day, &sn.Known, &sn.Score, &sn.Computed, &c.status,
			&sn.Subscores, &sn.Details, &c.profile, &c.version, &c.updated}
	}
	if err := rows.Scan(c.dest...); err != nil {
		return err
	}
	sn.Day, sn.Status, sn.Profile, sn.ModelVersion = c.day.s, c.status.s, c.profile.s, c.version.s
	sn.UpdatedAt = c.updated.t
	return nil
}

// storedTime is a scanned timestamp, the zero time for NULL: decoded by
// pgx's own plan on a read of its own connection (ScanTimestamptz),
// anything anyTime reads through database/sql (Scan). Scanned into an any
// or a sql.NullTime, each timestamp was boxed and its decoding planned
// again for every row: in the daily rescore at 100,000 accounts, about
// 1.7 M allocations of the accounts' list and 0.6 M of the previous
// heads'.
type storedTime struct{ t time.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner; NULL is the zero
// time.
func (s *storedTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	s.t = time.Time{}
	if v.Valid {
		s.t = v.Time
	}
	return nil
}

// Scan implements sql.Scanner.
func (s *storedTime) Scan(src any) error {
	s.t = anyTime(src)
	return nil
}

// anyTime reads a scanned timestamp: a time, or on SQLite the text of one
// when the column came through an expression (which has no declared type
// for the driver to convert by); zero when NULL or unreadable.
func anyTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case string:
		return parseStoredTime(t)
	case []byte:
		return parseStoredTime(string(t))
	}
	return time.Time{}
}

func parseStoredTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
