package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LatestSnapshots returns, for each account active on day, its latest
// snapshot on or before day, in ascending account id order; accounts never
// scored are absent. One query (after a probe for the newest days), whose
// cost follows the number of accounts, not the days of history kept: it
// used to group the whole history by account (320-380 ms at 60 days of
// 10,000 accounts, growing by the day).
func (s *Store) LatestSnapshots(ctx context.Context, day time.Time) ([]Snapshot, error) {
	m, err := s.latestOf(ctx, day, fullSnapshot)
	if err != nil {
		return nil, err
	}
	out := make([]Snapshot, 0, len(m))
	for _, sn := range m {
		out = append(out, sn)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccountID < out[j].AccountID })
	return out, nil
}

// LatestSnapshotHeads is LatestSnapshots keyed by account, without
// Subscores and Details (left ""): what the lists show (known, score,
// computed, status, profile). Every write that changes an account saves
// its snapshot for the day, so these are the scores of now once the day's
// rescore has run, and the previous day's for the accounts it has not
// scored yet.
//
// When no snapshot is dated after day (today, once the clock has passed
// every snapshot) they are current_scores' heads, one narrow table read
// instead of a search of the snapshots per account.
func (s *Store) LatestSnapshotHeads(ctx context.Context, day time.Time) (map[uint]Snapshot, error) {
	t := dayKey(day)
	newest, err := s.newestSnapshotDay(ctx)
	if err != nil {
		return nil, err
	}
	if newest == "" || newest > t {
		return s.latestOf(ctx, day, listHead)
	}
	return s.currentHeads(ctx, "latest snapshots: current scores", listHead, " AND COALESCE(churned_on, '9999-12-31') > ?", t)
}

// currentHeads reads the snapshot heads current_scores holds, in
// snapshotScan's columns: cols says whether Profile and ModelVersion are
// read (Subscores and Details never are); and narrows the rows, with its
// args.
func (s *Store) currentHeads(ctx context.Context, op string, cols snapshotShape, and string, args ...any) (map[uint]Snapshot, error) {
	profile := "'', ''"
	if cols.profile {
		profile = "profile, model_version"
	}
	return s.querySnapshots(ctx, op, wholePortfolio(), `SELECT snapshot_id, account_id, day, known, score, computed, status, '', '', `+profile+`,
		updated_at FROM current_scores WHERE snapshot_id IS NOT NULL`+and, args...)
}

// newestSnapshotDay is the latest day of any snapshot ("" for none): one
// read of the snapshot_by_day index, whatever the plan ("day > ?" would be
// a scan of the table under the generic plan of a cached statement).
func (s *Store) newestSnapshotDay(ctx context.Context) (string, error) {
	var newest *string
	if err := s.orm(ctx).Raw("SELECT MAX(day) FROM snapshots").Scan(&newest).Error; err != nil {
		return "", fmt.Errorf("newest snapshot day: %w", err)
	}
	if newest == nil {
		return "", nil
	}
	return *newest, nil
}

// listHead is snapshotHead with the profile and model version: the lists
// name an account's profile.
var listHead = snapshotShape{stored: "id, account_id, day, known, score, computed, status, profile, model_version, updated_at", profile: true}

// latestOf reads each active account's latest snapshot on or before day.
//
// The newest two days with snapshots on or before day (d1, then d2) are
// two ranges of the snapshot_by_day index: d1 is today once the daily
// rescore has run, or the day an early write (a pulse after midnight)
// rescored a few accounts, and d2 the day before, which the daily rescore
// wrote for every account. An account's row of d1, else of d2, is its
// latest; only the accounts in neither (new, or not scored for days) are
// probed one by one on (account_id, day). So the cost is two days of rows
// and a few probes, whatever the history: grouping every snapshot by
// account read them all.
func (s *Store) latestOf(ctx context.Context, day time.Time, cols snapshotShape) (map[uint]Snapshot, error) {
	t := dayKey(day)
	d1, d2, full, ok, err := s.newestDays(ctx, t)
	if err != nil || !ok {
		return map[uint]Snapshot{}, err
	}
	args := map[string]any{"t": t, "d1": d1, "d2": d2}
	return s.querySnapshotsIn(ctx, s.portfolioRead, "latest snapshots", wholePortfolio(), s.latestSQL(cols, full, false, "")+` SELECT * FROM latest`, args)
}

// newestDays returns the newest two days with snapshots on or before t
// (d2 = d1 when there is one) and whether d1 was fully rescored (its org
// aggregates were saved: every account active then has a row that day);
// ok is false when there is no snapshot.
func (s *Store) newestDays(ctx context.Context, t string) (d1, d2 string, full, ok bool, err error) {
	var days []struct {
		Day  string
		Full bool
	}
	err = s.orm(ctx).Raw(`SELECT day, EXISTS (SELECT 1 FROM org_aggregates o WHERE o.day = d1.day AND o.name = @name AND o.since = '') AS full
		FROM (SELECT MAX(day) AS day FROM snapshots WHERE day <= @t) d1 WHERE day IS NOT NULL
		UNION ALL
		SELECT day, false FROM (SELECT MAX(day) AS day FROM snapshots WHERE day < (SELECT MAX(day) FROM snapshots WHERE day <= @t)) d2 WHERE day IS NOT NULL`,
		map[string]any{"t": t, "name": OrgActiveAccounts}).Scan(&days).Error
	if err != nil {
		return "", "", false, false, fmt.Errorf("latest snapshots: newest days: %w", err)
	}
	if len(days) == 0 {
		return "", "", false, false, nil
	}
	d1, d2, full = days[0].Day, days[0].Day, days[0].Full
	if len(days) > 1 {
		d2 = days[1].Day
	}
	return d1, d2, full, true, nil
}

// latestSQL is the WITH clause that defines "latest", each active
// account's latest snapshot on or before @t in the columns of cols's list,
// given @d1 and @d2 (newestDays): one pass over the accounts, each joined
// with its row of d1, else of d2 (not read when d1 was fully rescored),
// else probed for its latest before. Plain joins on the base table, not
// CTEs: whatever the planner believes of the newest days' row counts
// (autovacuum is off and statistics lag), the worst plan is one index
// probe per account, never a rescan of a day per account. materialized
// computes "latest" once for a statement that reads it more than once
// (ScorePage); otherwise the planner may fold it into the query. floor,
// when not "", names a parameter below which the probe looks no further,
// for a reader that keeps no row older than it (LatestStatusCounts): the
// probe then searches only the monthly partitions from that day on, not
// the whole history (13 partitions at a year), 0.3-0.4 s of a bar down
// to 0.26-0.33 s at 100,000 accounts.
func (s *Store) latestSQL(cols snapshotShape, full, materialized bool, floor string) string {
	srcs := []string{"y1", "y2", "p"}
	join := ` LEFT JOIN snapshots y2 ON y2.account_id = accounts.id AND y2.day = @d2 AND @d2 < @d1`
	before, missing := "@d2", "y1.id IS NULL AND y2.id IS NULL"
	if full {
		srcs, join, before, missing = []string{"y1", "p"}, "", "@d1", "y1.id IS NULL"
	}
	// The probe runs for the missing only by its limit (0 for the others):
	// with the test in its WHERE, PostgreSQL checked it in each monthly
	// partition's scan but still restarted the merge of 13 partitions'
	// scans for every account, 0.2-0.3 s of a 0.5 s weekly-summary bar at
	// 100,000 accounts; as a filter around the probe, it made the test a
	// join filter and probed every account. A limit of 0 reads nothing
	// and restarts nothing (BENCHMARKS.md).
	if floor != "" {
		before += " AND z.day >= " + floor
	}
	probe := ` LEFT JOIN LATERAL (SELECT * FROM snapshots z WHERE z.account_id = accounts.id AND z.day < ` + before + `
		ORDER BY z.day DESC LIMIT CASE WHEN ` + missing + ` THEN 1 ELSE 0 END) p ON true`
	if s.dialect != DialectPostgres {
		// SQLite has no LATERAL: the probe is a correlated subquery on the
		// unique (account_id, day) index, evaluated for the missing only.
		probe = ` LEFT JOIN snapshots p ON ` + missing + ` AND p.id = (SELECT z.id FROM snapshots z
		WHERE z.account_id = accounts.id AND z.day < ` + before + ` ORDER BY z.day DESC LIMIT 1)`
	}
	as := "AS"
	if materialized {
		as = "AS MATERIALIZED"
	}
	return `WITH latest ` + as + ` (SELECT ` + cols.pick(srcs) + ` FROM accounts
		LEFT JOIN snapshots y1 ON y1.account_id = accounts.id AND y1.day = @d1` + join + probe + `
		WHERE ` + activeAtNamed + ` AND COALESCE(` + strings.Join(mapIDs(srcs), ", ") + `) IS NOT NULL)`
}

func mapIDs(srcs []string) []string {
	out := make([]string, len(srcs))
	for i, t := range srcs {
		out[i] = t + ".id"
	}
	return out
}

// pick is list's columns, each taken from the first of srcs whose row
// exists, named as the table's.
func (c snapshotShape) pick(srcs []string) string {
	col := func(name, empty string) string {
		var b strings.Builder
		b.WriteString("CASE")
		for _, t := range srcs[:len(srcs)-1] {
			b.WriteString(" WHEN " + t + ".id IS NOT NULL THEN " + t + "." + name)
		}
		b.WriteString(" ELSE " + srcs[len(srcs)-1] + "." + name + " END")
		if empty != "" {
			return "COALESCE(" + b.String() + ", " + empty + ") AS " + name
		}
		return b.String() + " AS " + name
	}
	parts := []string{col("id", ""), col("account_id", ""), col("day", ""), col("known", ""), col("score", ""),
		col("computed", ""), col("status", "")}
	switch {
	case c.text:
		parts = append(parts, col("subscores", "''"), col("details", "''"), col("profile", ""), col("model_version", ""))
	case c.profile:
		parts = append(parts, "'' AS subscores", "'' AS details", col("profile", ""), col("model_version", ""))
	default:
		parts = append(parts, "'' AS subscores", "'' AS details", "'' AS profile", "'' AS model_version")
	}
	return strings.Join(append(parts, col("updated_at", "")), ", ")
}

// LatestPulseDays maps each account of ids with a pulse on or before day
// to that latest pulse's day: what "pulses to refresh" lists. One index
// probe on (account_id, day) per account, in statements of at most
// maxProbedIDs ids.
func (s *Store) LatestPulseDays(ctx context.Context, day time.Time, ids []uint) (map[uint]time.Time, error) {
	out := make(map[uint]time.Time, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), maxProbedIDs)
		var rows []struct {
			AccountID uint
			Day       string
		}
		err := s.orm(ctx).Raw(`SELECT account_id, MAX(day) AS day FROM pulses
			WHERE account_id IN @ids AND day <= @t GROUP BY account_id`,
			map[string]any{"ids": ids[:n], "t": dayKey(day)}).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("latest pulse days: %w", err)
		}
		for _, r := range rows {
			if d, err := ParseDay(r.Day); err == nil {
				out[r.AccountID] = d
			}
		}
		ids = ids[n:]
	}
	return out, nil
}

// CriticalSince maps each account of ids whose latest snapshot in
// [from, day] is Critical to the first day of that unbroken Critical run
// (bounded by from): how long it has been Critical. Per account, one
// backward index scan over the run and one probe, in statements of at most
// maxProbedIDs ids: the cost follows the Critical accounts and their runs,
// not the history kept.
func (s *Store) CriticalSince(ctx context.Context, from, day time.Time, ids []uint) (map[uint]string, error) {
	out := make(map[uint]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), maxProbedIDs)
		var rows []struct {
			ID    uint
			Since *string
		}
		err := s.orm(ctx).Raw(`WITH ok AS (SELECT accounts.id, (SELECT MAX(n.day) FROM snapshots n
			WHERE n.account_id = accounts.id AND n.day >= @from AND n.day <= @t AND n.status <> 'Critical') AS day
			FROM accounts WHERE accounts.id IN @ids)
		SELECT ok.id, (SELECT MIN(c.day) FROM snapshots c WHERE c.account_id = ok.id AND c.day >= @from AND c.day <= @t
			AND c.day > COALESCE(ok.day, '')) AS since FROM ok`,
			map[string]any{"ids": ids[:n], "from": dayKey(from), "t": dayKey(day)}).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("critical since: %w", err)
		}
		for _, r := range rows {
			if r.Since != nil {
				out[r.ID] = *r.Since
			}
		}
		ids = ids[n:]
	}
	return out, nil
}

// HistoryHeads is History without Subscores and Details (left ""): every
// head in [from, to]. Cards read RecentHeads and the day their status
// began instead; the tests compare what a card shows with what the whole
// history read through this gives.
func (s *Store) HistoryHeads(ctx context.Context, accountID uint, from, to time.Time) ([]Snapshot, error) {
	rows, err := s.orm(ctx).Raw(`SELECT `+listHead.list("snapshots")+` FROM snapshots
		WHERE account_id = ? AND day >= ? AND day <= ? ORDER BY day`, accountID, dayKey(from), dayKey(to)).Rows()
	if err != nil {
		return nil, fmt.Errorf("history of account %d: %w", accountID, err)
	}
	out, err := scanHeads(rows)
	if err != nil {
		return nil, fmt.Errorf("history of account %d: %w", accountID, err)
	}
	return out, nil
}

// scanHeads reads and closes rows of listHead's list, in their order.
func scanHeads(rows *sql.Rows) ([]Snapshot, error) {
	defer rows.Close()
	var (
		out  []Snapshot
		scan snapshotScan
	)
	for rows.Next() {
		if err := scan.scan(rows); err != nil {
			return nil, err
		}
		out = append(out, scan.sn)
	}
	return out, rows.Err()
}

// RecentHeads is HistoryHeads of [window, to] with, first, the latest
// snapshot in [from, window) when there is one: what a card's trend and
// model changes compare with, without the days between (a card reads the
// first day of a long status from StatusRun instead).
func (s *Store) RecentHeads(ctx context.Context, accountID uint, from, window, to time.Time) ([]Snapshot, error) {
	cols := recentHeadColumns
	rows, err := s.orm(ctx).Raw(`SELECT * FROM (SELECT `+cols+` FROM snapshots
		WHERE account_id = @a AND day >= @from AND day < @window ORDER BY day DESC LIMIT 1) older
	UNION ALL SELECT * FROM (SELECT `+cols+` FROM snapshots
		WHERE account_id = @a AND day >= @window AND day <= @to) recent`,
		map[string]any{"a": accountID, "from": dayKey(from), "window": dayKey(window), "to": dayKey(to)}).Rows()
	if err != nil {
		return nil, fmt.Errorf("recent history of account %d: %w", accountID, err)
	}
	out, err := scanHeads(rows)
	if err != nil {
		return nil, fmt.Errorf("recent history of account %d: %w", accountID, err)
	}
	// The union keeps each part's order in practice, which SQL does not
	// promise.
	slices.SortFunc(out, func(a, b Snapshot) int { return strings.Compare(a.Day, b.Day) })
	return out, nil
}

// StatusRun is an account's latest snapshot's day and status, and the day
// that status began (CurrentScore.StatusSince).
type StatusRun struct {
	Day, Status, Since string
}

// StatusRun reads the account's from current_scores; ok is false when it
// has no snapshot.
func (s *Store) StatusRun(ctx context.Context, accountID uint) (run StatusRun, ok bool, err error) {
	var rows []struct{ Day, Status, StatusSince *string }
	if err := s.orm(ctx).Raw(`SELECT day, status, status_since FROM current_scores WHERE account_id = ?`, accountID).
		Scan(&rows).Error; err != nil {
		return run, false, fmt.Errorf("status run of account %d: %w", accountID, err)
	}
	if len(rows) == 0 || rows[0].Day == nil || rows[0].Status == nil || rows[0].StatusSince == nil {
		return run, false, nil
	}
	return StatusRun{Day: *rows[0].Day, Status: *rows[0].Status, Since: *rows[0].StatusSince}, true, nil
}

// LatestStatusCounts counts, per status, the accounts active on day whose
// latest snapshot on or before day is dated since or later: one bar of the
// weekly summary's chart. It is LatestSnapshotHeads counted in the
// database, so a bar ships a handful of rows instead of one per account
// (100,000 heads eight times over for a summary at 100,000 accounts).
func (s *Store) LatestStatusCounts(ctx context.Context, day time.Time, since string) (map[string]int, error) {
	t := dayKey(day)
	out := map[string]int{}
	d1, d2, full, ok, err := s.newestDays(ctx, t)
	if err != nil || !ok {
		return out, err
	}
	var rows []struct {
		Status string
		N      int
	}
	q := s.latestSQL(snapshotHead, full, false, "@since") + ` SELECT status, COUNT(*) AS n FROM latest WHERE day >= @since GROUP BY status`
	err = s.portfolioRead(ctx, func(db *gorm.DB) error {
		return db.Raw(q, map[string]any{"t": t, "d1": d1, "d2": d2, "since": since}).Scan(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("latest status counts: %w", err)
	}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// recentHeadColumns is RecentHeads' list, in snapshotShape's order: what
// a card reads of each head (day, status, score, model), all of which the
// (account_id, day) index holds on PostgreSQL, so the month of heads is
// read from it alone where the table's pages are all visible, not from
// 30 table pages, one a day. ID, Computed and UpdatedAt read as zero.
const recentHeadColumns = "0, account_id, day, known, score, 0, status, '', '', profile, model_version, NULL"
