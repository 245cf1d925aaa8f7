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
// Two statements over the latest snapshots (latestSQL) and one to load
// the rows' accounts, ranked and counted in the database: a list ships
// its 25 rows, not 100,000, whatever the portfolio.
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
	d1, d2, full, ok, err := s.newestDays(ctx, t)
	if err != nil {
		return nil, st, nil, err
	}
	if !ok {
		unscored, err := s.unscored(ctx, args, where)
		return nil, st, unscored, err
	}
	args["d1"], args["d2"] = d1, d2
	from := ` FROM latest l JOIN accounts ON accounts.id = l.account_id WHERE ` + where
	var stats []struct {
		Status string
		N      int
		MRR    int64
		Stale  int
		Oldest string
		Active int
	}
	err = s.orm(ctx).Raw(s.latestSQL(listHead, full)+` SELECT CASE WHEN l.known THEN l.status ELSE @nodata END AS status,
		COUNT(*) AS n, COALESCE(SUM(accounts.mrr_cents), 0) AS mrr,
		SUM(CASE WHEN l.day < @t THEN 1 ELSE 0 END) AS stale, MIN(l.day) AS oldest,
		(SELECT COUNT(*) FROM accounts WHERE `+activeAtNamed+` AND `+where+`) AS active`+from+
		` GROUP BY 1`, args).Scan(&stats).Error
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: stats: %w", err)
	}
	scored, active := 0, -1
	for _, x := range stats {
		st.Count[x.Status] += x.N
		st.MRR[x.Status] += x.MRR
		scored += x.N
		active = x.Active
		if x.Stale > 0 {
			st.Stale += x.Stale
			if st.Oldest == "" || x.Oldest < st.Oldest {
				st.Oldest = x.Oldest
			}
		}
	}
	var unscored []uint
	if active != scored {
		// Some accounts have no snapshot (or none matched): find them.
		if unscored, err = s.unscored(ctx, args, where); err != nil {
			return nil, st, nil, err
		}
	}
	if f.Status != "" {
		from += " AND l.known AND l.status = @status"
	}
	// The rank: known first, lowest score, then largest MRR when money.
	rank := "CASE WHEN l.known THEN 0 ELSE 1 END AS k1, l.score AS k2, " + map[bool]string{true: "-accounts.mrr_cents", false: "0"}[money] + " AS k3"
	q := s.latestSQL(listHead, full) + `, f AS (SELECT l.id, l.account_id, l.day, l.known, l.score, l.computed, l.status, l.profile, l.model_version, l.updated_at, ` + rank + from + `)`
	if limit > 0 {
		// Every row up to the limit-th, and those tied with it.
		q += `, edge AS (SELECT k1, k2, k3 FROM f ORDER BY k1, k2, k3 LIMIT 1 OFFSET @off)
		SELECT f.* FROM f WHERE NOT EXISTS (SELECT 1 FROM edge)
		   OR f.k1 < (SELECT k1 FROM edge)
		   OR f.k1 = (SELECT k1 FROM edge) AND (f.k2 < (SELECT k2 FROM edge)
		      OR f.k2 = (SELECT k2 FROM edge) AND f.k3 <= (SELECT k3 FROM edge))`
		args["off"] = limit - 1
	} else {
		q += ` SELECT f.* FROM f`
	}
	rows, err := s.orm(ctx).Raw(q, args).Rows()
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: rows: %w", err)
	}
	heads, err := scanSnapshotsRanked(rows)
	if err != nil {
		return nil, st, nil, fmt.Errorf("score page: rows: %w", err)
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

// scanSnapshotsRanked reads ScorePage's rows: a snapshot head with its
// profile, then the three rank keys, in the order read.
func scanSnapshotsRanked(rows *sql.Rows) ([]Snapshot, error) {
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		var (
			sn         Snapshot
			updated    any
			k1, k2, k3 int64
		)
		if err := rows.Scan(&sn.ID, &sn.AccountID, &sn.Day, &sn.Known, &sn.Score, &sn.Computed, &sn.Status,
			&sn.Profile, &sn.ModelVersion, &updated, &k1, &k2, &k3); err != nil {
			return nil, err
		}
		sn.UpdatedAt = anyTime(updated)
		out = append(out, sn)
	}
	return out, rows.Err()
}
