package models

import (
	"context"
	"database/sql"
	"fmt"
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
	args := map[string]any{"t": t, "status": f.Status, "owner": f.Owner, "rfrom": f.RenewFrom, "rto": f.RenewTo, "limit": limit, "nodata": string(scoring.NoData)}
	where := "1 = 1"
	if f.Owner != "" {
		where += " AND accounts.owner = @owner"
	}
	if f.RenewFrom != "" {
		where += " AND accounts.renewal_on >= @rfrom AND accounts.renewal_on <= @rto"
	}
	if len(f.Also) > 0 {
		where = "(" + where + " OR accounts.id IN @also)"
		args["also"] = f.Also
	}
	// The rank: known first, lowest score, then largest MRR when money.
	rank := "CASE WHEN l.known THEN 0 ELSE 1 END AS k1, l.score AS k2, " + map[bool]string{true: "-accounts.mrr_cents", false: "0"}[money] + " AS k3"
	// sel is every selected active account with its latest head (l), or
	// with nulls (id too) when it has none. current_scores holds each
	// account's latest snapshot: the heads of day, unless a snapshot is
	// dated after it (a list of a past day, or a backfill written ahead),
	// when the snapshots themselves are searched (latestSQL).
	var ahead bool
	if err := s.orm(ctx).Raw("SELECT EXISTS (SELECT 1 FROM snapshots WHERE day > ?)", t).Scan(&ahead).Error; err != nil {
		return nil, st, nil, fmt.Errorf("score page: %w", err)
	}
	q, source := "WITH ", "(SELECT snapshot_id AS id, account_id, day, known, score, computed, status, profile, model_version, updated_at FROM current_scores)"
	if ahead {
		d1, d2, full, ok, err := s.newestDays(ctx, t)
		if err != nil {
			return nil, st, nil, err
		}
		if !ok {
			unscored, err := s.unscored(ctx, args, where)
			return nil, st, unscored, err
		}
		args["d1"], args["d2"] = d1, d2
		q, source = s.latestSQL(listHead, full, true)+", ", "latest"
	}
	// One statement: sel is read once (MATERIALIZED) for both parts, the
	// stats (part 0, a row per status; "" counts the accounts without a
	// head) and the ranked rows (part 1).
	q += `sel AS MATERIALIZED (SELECT l.id, accounts.id AS account_id, l.day, l.known, l.score, l.computed, l.status, l.profile,
		l.model_version, l.updated_at, accounts.mrr_cents AS mrr, ` + rank + `
		FROM accounts LEFT JOIN ` + source + ` l ON l.account_id = accounts.id WHERE ` + activeAtNamed + ` AND ` + where + `)`
	ranked := "id IS NOT NULL"
	if f.Status != "" {
		ranked += " AND known AND status = @status"
	}
	pick := "SELECT * FROM sel WHERE " + ranked
	if limit > 0 {
		// Every row up to the limit-th, and those tied with it.
		q += `, edge AS (SELECT k1, k2, k3 FROM sel WHERE ` + ranked + ` ORDER BY k1, k2, k3 LIMIT 1 OFFSET @off)`
		pick += ` AND (NOT EXISTS (SELECT 1 FROM edge)
		   OR k1 < (SELECT k1 FROM edge)
		   OR k1 = (SELECT k1 FROM edge) AND (k2 < (SELECT k2 FROM edge)
		      OR k2 = (SELECT k2 FROM edge) AND k3 <= (SELECT k3 FROM edge)))`
		args["off"] = limit - 1
	}
	q += ` SELECT 0 AS part, CASE WHEN id IS NULL THEN '' WHEN known THEN status ELSE @nodata END AS status, COUNT(*) AS n,
		COALESCE(SUM(mrr), 0) AS mrr, SUM(CASE WHEN day < @t THEN 1 ELSE 0 END) AS stale, MIN(day) AS oldest,
		NULL AS id, NULL AS account_id, NULL AS day, NULL AS known, NULL AS score, NULL AS computed, NULL AS profile,
		NULL AS model_version, NULL AS updated_at
	FROM sel GROUP BY 2
	UNION ALL
	SELECT 1, p.status, NULL, NULL, NULL, NULL, p.id, p.account_id, p.day, p.known, p.score, p.computed, p.profile,
		p.model_version, p.updated_at FROM (` + pick + `) p`
	rows, err := s.orm(ctx).Raw(q, args).Rows()
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: %w", err)
	}
	heads, unscoredN, err := scanScorePage(rows, &st)
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: %w", err)
	}
	var unscored []uint
	if unscoredN > 0 {
		// Some accounts have no snapshot: find them.
		if unscored, err = s.unscored(ctx, args, where); err != nil {
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
// into st, returning how many accounts have no head (status ""), and the
// ranked snapshot heads (part 1), in the order read.
func scanScorePage(rows *sql.Rows, st *ScoreStats) (heads []Snapshot, unscored int, err error) {
	defer rows.Close()
	for rows.Next() {
		var (
			part                    int
			status                  string
			n, mrr, stale           sql.NullInt64
			oldest, day, prof, mver sql.NullString
			id, acct, score, comp   sql.NullInt64
			known                   sql.NullBool
			updated                 any
		)
		if err := rows.Scan(&part, &status, &n, &mrr, &stale, &oldest, &id, &acct, &day, &known, &score, &comp,
			&prof, &mver, &updated); err != nil {
			return nil, 0, err
		}
		if part == 0 {
			if status == "" {
				unscored += int(n.Int64)
				continue
			}
			st.Count[status] += int(n.Int64)
			st.MRR[status] += mrr.Int64
			if stale.Int64 > 0 {
				st.Stale += int(stale.Int64)
				if st.Oldest == "" || oldest.String < st.Oldest {
					st.Oldest = oldest.String
				}
			}
			continue
		}
		heads = append(heads, Snapshot{ID: uint(id.Int64), AccountID: uint(acct.Int64), Day: day.String, Known: known.Bool,
			Score: int(score.Int64), Computed: int(comp.Int64), Status: status, Profile: prof.String, ModelVersion: mver.String,
			UpdatedAt: anyTime(updated)})
	}
	return heads, unscored, rows.Err()
}
