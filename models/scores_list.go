package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// ScoreFilter selects the accounts of a list; zero fields select all.
type ScoreFilter struct {
	Status    string // a status name: known scores in it only
	Owner     string // the owner's handle
	RenewFrom string // with RenewTo: renewal_on within [RenewFrom, RenewTo]
	RenewTo   string
	// Also selects these accounts too, whatever the fields above (the
	// accounts of a CSM's open tasks that another CSM owns).
	Also []uint
}

// ScoreRow is an account of a list with its latest snapshot's head.
type ScoreRow struct {
	Account Account
	Head    Snapshot // without Subscores and Details
}

// ScoreStats are the figures of every account a filter selects, scored:
// per status (scoring.NoData for unknown scores) the count and the MRR, and
// how many of them show a snapshot older than the day, the oldest's day.
type ScoreStats struct {
	Count  map[string]int
	MRR    map[string]int64
	Stale  int
	Oldest string
}

// ScorePage is what a list shows of the accounts active on day that f
// selects, by their latest snapshot: the stats of all of them and the
// rows of the worst limit (all when limit is 0), worst first by known,
// score and (when money) MRR, with every row tied with the last on those
// kept (the caller breaks the tie by name, which SQL collations order
// unlike Go). Unscored lists the active accounts f selects that have no
// snapshot at all (f.Status aside): the caller scores them.
//
// One statement over the accounts and their latest heads (current_scores,
// or for a past day latestSQL) and one to load the rows' accounts, ranked
// and counted in the database: a list ships its 25 rows, not 100,000,
// whatever the portfolio.
func (s *Store) ScorePage(ctx context.Context, day time.Time, f ScoreFilter, limit int, money bool) ([]ScoreRow, ScoreStats, []uint, error) {
	st := ScoreStats{Count: map[string]int{}, MRR: map[string]int64{}}
	t := dayKey(day)
	args := map[string]any{"t": t, "status": f.Status, "owner": f.Owner, "rfrom": f.RenewFrom, "rto": f.RenewTo, "limit": limit}
	// where selects the accounts of f in a table whose account columns
	// are named as accounts' (prefix, and idCol for the account id).
	// The narrowest test comes first: PostgreSQL evaluates a scan's
	// filter in the order written, and a renewal window drops three
	// accounts in four on its first comparison (/health renewals at
	// 100,000 accounts: the scan of current_scores 26-28 ms instead of
	// 33-38, BENCHMARKS.md).
	//
	// Days compare byte by byte on current_scores (collate, PostgreSQL
	// only): YYYY-MM-DD orders the same in every collation, and a scan
	// comparing 100,000 rows in the database's collation (C.UTF-8 is not
	// "C" to PostgreSQL) paid a strcoll per comparison. accounts keeps
	// its own: its index on churned_on is in the database's collation.
	where := func(prefix, idCol, collate string) string {
		w := "(COALESCE(" + prefix + "churned_on, '9999-12-31') > @t" + collate + ")"
		if f.Owner != "" {
			w = prefix + "owner = @owner AND " + w
		}
		if f.RenewFrom != "" {
			w = prefix + "renewal_on >= @rfrom" + collate + " AND " + prefix + "renewal_on <= @rto" + collate + " AND " + w
		}
		if len(f.Also) > 0 {
			return "(" + w + " OR " + idCol + " IN @also)"
		}
		return w
	}
	if len(f.Also) > 0 {
		args["also"] = f.Also
	}
	accountsWhere := where("accounts.", "accounts.id", "")
	// The rank: known first, lowest score, then largest MRR when money
	// (the names are unambiguous in both sources of sel below).
	rank := currentRank + " AS k1, score AS k2, " + map[bool]string{true: "-mrr_cents", false: "0"}[money] + " AS k3"
	// sel is every selected active account with its latest head, or with
	// nulls (id too) when it has none: current_scores, one row per account
	// with the account columns a list selects on, unless a snapshot is
	// dated after the day (a list of a past day, or a backfill written
	// ahead): then the snapshots themselves are searched (latestSQL).
	newest, err := s.newestSnapshotDay(ctx)
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: %w", err)
	}
	var (
		q      string
		narrow bool // sel lacks the shown rows' columns (see below)
	)
	if newest > t {
		d1, d2, full, ok, err := s.newestDays(ctx, t)
		if err != nil {
			return nil, st, nil, err
		}
		if !ok {
			unscored, err := s.unscored(ctx, args, accountsWhere)
			return nil, st, unscored, err
		}
		args["d1"], args["d2"] = d1, d2
		q = s.latestSQL(listHead, full, true, "") + `, sel AS MATERIALIZED (SELECT l.id, accounts.id AS account_id, l.day, l.known,
			l.score, l.computed, l.status, l.profile, l.model_version, l.updated_at, accounts.mrr_cents AS mrr, ` + rank + `
		FROM accounts LEFT JOIN latest l ON l.account_id = accounts.id WHERE ` + accountsWhere + `)`
	} else {
		// From current_scores, sel is a plain subquery for a list of every
		// account: the stats scan the table once, and the edge and the rows
		// are ranges of its rank index (current_scores_rank, whose
		// expressions rank repeats). Materialized, its 100,000 rows spilled
		// to disk and cost three times the scan. A list of an owner's
		// accounts or of a renewal window is a few of them: read once, then
		// kept.
		//
		// Kept, sel holds only what the stats and the rank read, and the
		// rows shown take their other columns from current_scores by
		// account (narrow): with every column, the 23,779 rows of /health
		// renewals at 100,000 accounts outgrew work_mem and were written
		// to a temporary file and read back twice.
		cols := "snapshot_id AS id, account_id, day, known, score, computed, status, profile, model_version, updated_at"
		as := "AS NOT MATERIALIZED"
		if f.Owner != "" || f.RenewFrom != "" {
			as, cols, narrow = "AS MATERIALIZED", "snapshot_id AS id, account_id, day, known, status", true
		}
		q = `WITH sel ` + as + ` (SELECT ` + cols + `, mrr_cents AS mrr, ` + rank + ` FROM current_scores c WHERE ` +
			where("c.", "c.account_id", byteOrder(s.dialect == DialectPostgres)) + `)`
	}
	// One statement: the stats (part 0, a row per known and status, both
	// null for the accounts without a head) and the ranked rows (part 1).
	// Grouped by the plain columns: grouping by a CASE of them took twice
	// as long at 100,000 accounts.
	ranked := "id IS NOT NULL"
	if f.Status != "" {
		ranked += " AND known AND status = @status"
	}
	pick := "SELECT * FROM sel WHERE " + ranked
	switch {
	case limit > 0 && newest <= t && s.dialect == DialectPostgres && f.Owner == "" && f.RenewFrom == "":
		// Every row up to the limit-th, and those tied with it, read in
		// the order of the rank index: a few dozen of its entries. The
		// row comparison with the edge below, whose values the planner
		// cannot know, was estimated to keep a third of the table and
		// scanned all of it (/health list critical at 100,000: p99 352-430
		// ms before, 186-203 after). An owner's list or a renewal window
		// is a few kept rows (MATERIALIZED above), which the edge reads
		// faster: /health renewals took 111-115 ms this way, 46-47 with
		// the edge.
		// The limit is written in: as a parameter, a generic plan would
		// guess a tenth of the table and sort it.
		pick += " ORDER BY k1, k2, k3 FETCH FIRST " + strconv.Itoa(limit) + " ROWS WITH TIES"
	case limit > 0:
		// Every row up to the limit-th, and those tied with it.
		q += `, edge AS (SELECT k1, k2, k3 FROM sel WHERE ` + ranked + ` ORDER BY k1, k2, k3 LIMIT 1 OFFSET @off)`
		// A row comparison with values, not a subquery, so that it is a
		// range of the rank index; past the largest rank when there is no
		// edge (fewer rows than the limit).
		pick += ` AND (k1, k2, k3) <= (COALESCE((SELECT k1 FROM edge), 9), COALESCE((SELECT k2 FROM edge), 2147483647),
			COALESCE((SELECT k3 FROM edge), 9223372036854775807))`
		args["off"] = limit - 1
	}
	if narrow {
		// The same statement reads current_scores again, so the rows and
		// the stats are of one snapshot of it.
		pick = "SELECT snapshot_id AS id, account_id, day, known, score, computed, status, profile, model_version, updated_at " +
			"FROM current_scores WHERE account_id IN (SELECT account_id FROM (" + pick + ") r)"
	}
	q += ` SELECT 0 AS part, status, known, COUNT(*) AS n, COALESCE(SUM(mrr), 0) AS mrr,
		SUM(CASE WHEN day < @t THEN 1 ELSE 0 END) AS stale, MIN(day) AS oldest,
		NULL AS id, NULL AS account_id, NULL AS day, NULL AS score, NULL AS computed, NULL AS profile,
		NULL AS model_version, NULL AS updated_at
	FROM sel GROUP BY known, status
	UNION ALL
	SELECT 1, p.status, p.known, NULL, NULL, NULL, NULL, p.id, p.account_id, p.day, p.score, p.computed, p.profile,
		p.model_version, p.updated_at FROM (` + pick + `) p`
	rows, err := s.orm(ctx).Raw(q, args).Rows()
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: %w", err)
	}
	heads, unscoredN, err := scanScorePage(rows, &st, string(scoring.NoData))
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: %w", err)
	}
	var unscored []uint
	if unscoredN > 0 {
		// Some accounts have no snapshot: find them.
		if unscored, err = s.unscored(ctx, args, accountsWhere); err != nil {
			return nil, st, nil, err
		}
	}
	ids := make([]uint, len(heads))
	for i, h := range heads {
		ids[i] = h.AccountID
	}
	accounts, err := s.AccountsByID(ctx, ids)
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: %w", err)
	}
	out := make([]ScoreRow, 0, len(heads))
	for _, h := range heads {
		if a, ok := accounts[h.AccountID]; ok {
			out = append(out, ScoreRow{Account: a, Head: h})
		}
	}
	return out, st, unscored, nil
}

// unscored lists the active accounts matching where that have no snapshot
// at all: one index probe each on (account_id, day).
func (s *Store) unscored(ctx context.Context, args map[string]any, where string) ([]uint, error) {
	var ids []uint
	err := s.orm(ctx).Raw(`SELECT accounts.id FROM accounts WHERE `+activeAtNamed+` AND `+where+`
		AND NOT EXISTS (SELECT 1 FROM snapshots WHERE snapshots.account_id = accounts.id AND snapshots.day <= @t)`, args).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("score page: unscored: %w", err)
	}
	return ids, nil
}

// AccountsByID loads the accounts of ids, keyed by id, in statements of
// at most maxProbedIDs ids.
func (s *Store) AccountsByID(ctx context.Context, ids []uint) (map[uint]Account, error) {
	out := make(map[uint]Account, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), maxProbedIDs)
		rows, err := s.orm(ctx).Raw("SELECT "+accountColumns+" FROM accounts WHERE id IN ?", ids[:n]).Rows()
		if err != nil {
			return nil, fmt.Errorf("accounts by id: %w", err)
		}
		accs, err := scanAccounts(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts by id: %w", err)
		}
		for _, a := range accs {
			out[a.ID] = a
		}
		ids = ids[n:]
	}
	return out, nil
}

// scanScorePage reads ScorePage's statement: the stats rows (part 0)
// into st, with unknown scores counted as noData, returning how many
// accounts have no head, and the ranked snapshot heads (part 1), in the
// order read.
func scanScorePage(rows *sql.Rows, st *ScoreStats, noData string) (heads []Snapshot, unscored int, err error) {
	defer rows.Close()
	for rows.Next() {
		var (
			part                    int
			status                  sql.NullString
			known                   sql.NullBool
			n, mrr, stale           sql.NullInt64
			oldest, day, prof, mver sql.NullString
			id, acct, score, comp   sql.NullInt64
			updated                 any
		)
		if err := rows.Scan(&part, &status, &known, &n, &mrr, &stale, &oldest, &id, &acct, &day, &score, &comp,
			&prof, &mver, &updated); err != nil {
			return nil, 0, err
		}
		if part == 0 {
			if !known.Valid {
				unscored += int(n.Int64)
				continue
			}
			name := status.String
			if !known.Bool {
				name = noData
			}
			st.Count[name] += int(n.Int64)
			st.MRR[name] += mrr.Int64
			if stale.Int64 > 0 {
				st.Stale += int(stale.Int64)
				if st.Oldest == "" || oldest.String < st.Oldest {
					st.Oldest = oldest.String
				}
			}
			continue
		}
		heads = append(heads, Snapshot{ID: uint(id.Int64), AccountID: uint(acct.Int64), Day: day.String, Known: known.Bool,
			Score: int(score.Int64), Computed: int(comp.Int64), Status: status.String, Profile: prof.String, ModelVersion: mver.String,
			UpdatedAt: anyTime(updated)})
	}
	return heads, unscored, rows.Err()
}
