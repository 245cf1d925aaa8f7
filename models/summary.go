package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"gorm.io/gorm"
)

// SnapshotsBetween streams every snapshot with from <= day <= to, ordered by
// account id then day, so trends of many accounts need one pass and bounded
// memory. fn may read the database; an error from fn stops the stream.
func (s *Store) SnapshotsBetween(ctx context.Context, from, to time.Time, fn func(Snapshot) error) error {
	db := s.orm(ctx)
	rows, err := db.Model(&Snapshot{}).Where("day >= ? AND day <= ?", dayKey(from), dayKey(to)).
		Order("account_id, day").Rows()
	if err != nil {
		return fmt.Errorf("snapshots between: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var snap Snapshot
		if err := db.ScanRows(rows, &snap); err != nil {
			return fmt.Errorf("snapshots between: %w", err)
		}
		if err := fn(snap); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("snapshots between: %w", err)
	}
	return nil
}

// mrrAtSQL is an account's MRR on day @<param>: the latest MRR change
// effective on or before it, else the account's current MRR.
func mrrAtSQL(param string) string {
	return `COALESCE((SELECT m.mrr_cents FROM mrr_changes m WHERE m.account_id = accounts.id AND m.effective_on <= @` + param +
		` ORDER BY m.effective_on DESC LIMIT 1), accounts.mrr_cents)`
}

// MRRAt maps each account active on day to its MRR in cents that day: the
// latest MRR change effective on or before it, else Account.MRRCents.
//
// Its rows are scanned one at a time into the map (eachRow): gathered into
// a slice of structs by gorm first, they cost about seven allocations
// each, 1.3 M of the weekly summary's 5.7 M an op at 100,000 accounts
// (it reads two days).
func (s *Store) MRRAt(ctx context.Context, day time.Time) (map[uint]int64, error) {
	out := map[uint]int64{}
	var (
		id  uint
		mrr int64
	)
	dest := []any{&id, &mrr}
	err := s.portfolioRead(ctx, func(db *gorm.DB) error {
		clear(out)
		return eachRow(db, `SELECT id, `+mrrAtSQL("t")+` AS mrr FROM accounts WHERE `+activeAtNamed,
			map[string]any{"t": dayKey(day)}, func(rows rowScanner) error {
				if err := rows.Scan(dest...); err != nil {
					return err
				}
				out[id] = mrr
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("mrr at %s: %w", dayKey(day), err)
	}
	return out, nil
}

// OrgInputs gathers the organisation-wide figures of the period [from, to]
// in four queries. The start cohort is the accounts active at from that had
// started by then (or have no start date), so accounts won during the
// period do not inflate retention.
func (s *Store) OrgInputs(ctx context.Context, from, to time.Time) (scoring.OrgInputs, error) {
	f, t := dayKey(from), dayKey(to)
	fromDay, _ := ParseDay(f)
	toDay, _ := ParseDay(t)
	in := scoring.OrgInputs{From: fromDay, To: toDay}
	args := map[string]any{"from": f, "to": t, "d30": addDays(t, -29)}
	// On PostgreSQL the steps run in one read-only transaction allowed
	// groupingWorkMem (readGrouping): the distinct users of a month of raw
	// activity (an old period's, or the accounts with later activity) are
	// hundreds of thousands of pairs, and at the default 4 MB the aggregate
	// spilled to disk and ran past 150 s at 100,000 accounts (2.7 s in
	// memory). SQLite reads without one: its transactions take the write
	// lock.
	steps := func(db *gorm.DB) error {
		for _, step := range []func(*gorm.DB, map[string]any, *scoring.OrgInputs) error{
			orgSurveys, orgTimeToValue, orgUsage, orgRevenue,
		} {
			if err := step(db, args, &in); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if s.dialect == DialectPostgres {
		err = s.readGrouping(s.orm(ctx), steps)
	} else {
		err = steps(s.orm(ctx))
	}
	if err != nil {
		return scoring.OrgInputs{}, fmt.Errorf("org inputs %s..%s: %w", f, t, err)
	}
	return in, nil
}

func orgSurveys(db *gorm.DB, args map[string]any, in *scoring.OrgInputs) error {
	var r struct{ Promoters, Passives, Detractors, CSATN, CSATSat, CSATSum int64 }
	err := db.Raw(`SELECT
		COALESCE(SUM(CASE WHEN kind = 'nps' AND score >= 9 THEN 1 ELSE 0 END), 0) AS promoters,
		COALESCE(SUM(CASE WHEN kind = 'nps' AND score >= 7 AND score <= 8 THEN 1 ELSE 0 END), 0) AS passives,
		COALESCE(SUM(CASE WHEN kind = 'nps' AND score <= 6 THEN 1 ELSE 0 END), 0) AS detractors,
		COALESCE(SUM(CASE WHEN kind = 'csat' THEN 1 ELSE 0 END), 0) AS csatn,
		COALESCE(SUM(CASE WHEN kind = 'csat' AND score >= 4 THEN 1 ELSE 0 END), 0) AS csat_sat,
		COALESCE(SUM(CASE WHEN kind = 'csat' THEN score ELSE 0 END), 0) AS csat_sum
		FROM surveys WHERE day >= @from AND day <= @to`, args).Scan(&r).Error
	if err != nil {
		return fmt.Errorf("surveys: %w", err)
	}
	in.NPSPromoters, in.NPSPassives, in.NPSDetractors = int(r.Promoters), int(r.Passives), int(r.Detractors)
	in.CSATResponses, in.CSATSatisfied, in.CSATSum = int(r.CSATN), int(r.CSATSat), int(r.CSATSum)
	return nil
}

// orgTimeToValue lists start→first-value days of accounts started in the
// period; a first-value date before the start counts as 0 days.
func orgTimeToValue(db *gorm.DB, args map[string]any, in *scoring.OrgInputs) error {
	var rows []struct{ StartedOn, FirstValueOn string }
	err := db.Raw(`SELECT started_on, first_value_on FROM accounts
		WHERE started_on >= @from AND started_on <= @to AND first_value_on IS NOT NULL AND first_value_on <> ''
		ORDER BY id`, args).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("time to value: %w", err)
	}
	in.TimeToValueDays = []int{}
	for _, r := range rows {
		start, err1 := ParseDay(r.StartedOn)
		value, err2 := ParseDay(r.FirstValueOn)
		if err1 != nil || err2 != nil {
			continue
		}
		in.TimeToValueDays = append(in.TimeToValueDays, max(0, int(value.Sub(start).Hours()/24)))
	}
	return nil
}

// orgUsage: distinct users of the period's last 30 days and licensed seats,
// over the accounts active at its end.
//
// The users come from the activity_last rollup (a user was active in the
// window when their last day falls in it), exact for every account
// without activity dated after the period or queued for the rollups;
// those few are counted from their raw rows. Counting distinct (account, user) pairs of the raw rows
// for the whole portfolio read a month of activity, as much as the
// benchmarks' baseline aggregate (0.85-1.5 s of the weekly summary's 2.8 s
// at 10,000 accounts). When more than maxLaterDays days after the period
// hold activity (an old period), the raw rows are read for all.
//
// The accounts with later activity are left out with NOT EXISTS, which
// PostgreSQL plans as an anti-join. As NOT IN it was a filter that the
// planner would not hash once it guessed the later days' rows past
// work_mem: at 100,000 accounts it checked each of 600,000 users against
// that list one by one, and a summary in serve spent over 37 s there
// (2.4 s as an anti-join). The users are counted per account before the
// join with accounts: joined first, the planner (guessing one row out of
// the anti-join) probed accounts once per user, 626,000 times (1.4-2.2 s
// at 100,000 accounts; 0.6-0.9 s counted first).
func orgUsage(db *gorm.DB, args map[string]any, in *scoring.OrgInputs) error {
	const active = "(accounts.churned_on IS NULL OR accounts.churned_on > @to)"
	// The last days compared byte by byte on PostgreSQL, as the rescore
	// compares them (activityFromRollups): no index serves last_day, and
	// through the database's collation this scan of 600,000 users took
	// 0.47-0.65 s at 100,000 accounts, 0.38-0.50 s byte by byte.
	lastDay := "l.last_day" + byteOrder(db.Dialector.Name() == DialectPostgres)
	rollArgs := map[string]any{"t": args["to"], "to": args["to"], "d30": args["d30"]}
	var r struct {
		LaterDays          int64
		Rolled, Raw, Seats int64
	}
	err := db.Raw(strings.Replace(laterDays, "@t", "@to", -1)+`SELECT
		(SELECT COUNT(day) FROM later) AS later_days,
		(SELECT COALESCE(SUM(u.n), 0) FROM (SELECT account_id, COUNT(*) AS n FROM activity_last l
		    WHERE l.kind = 'u' AND `+lastDay+` >= @d30 AND `+lastDay+` <= @to GROUP BY account_id) u
		  JOIN accounts ON accounts.id = u.account_id
		  WHERE `+active+` AND NOT EXISTS (SELECT 1 FROM activity_days d WHERE d.account_id = u.account_id AND d.day IN (SELECT day FROM later))
		  AND NOT EXISTS (SELECT 1 FROM `+RollupQueueTable+` q WHERE q.account_id = u.account_id)) AS rolled,
		(`+rawUsers("activities.account_id IN (SELECT account_id FROM activity_days WHERE day IN (SELECT day FROM later) UNION SELECT account_id FROM "+RollupQueueTable+")")+`) AS raw,
		(SELECT COALESCE(SUM(seats), 0) FROM accounts WHERE churned_on IS NULL OR churned_on > @to) AS seats`,
		rollArgs).Scan(&r).Error
	if err != nil {
		return fmt.Errorf("usage: %w", err)
	}
	if r.LaterDays <= maxLaterDays {
		in.MAU, in.Seats = int(r.Rolled+r.Raw), int(r.Seats)
		return nil
	}
	var raw int64
	err = db.Raw(rawUsers("true"), args).Scan(&raw).Error
	if err != nil {
		return fmt.Errorf("usage: %w", err)
	}
	in.MAU, in.Seats = int(raw), int(r.Seats)
	return nil
}

// rawUsers counts the distinct users of the raw activity in [@d30, @to]
// of the accounts active at @to that also match filter (on activities):
// distinct per account first, then summed over the accounts found active
// (one probe of accounts per account, not per user).
// (OrgInputs gives it the work_mem to do so in memory.)
func rawUsers(filter string) string {
	return `SELECT COALESCE(SUM(u.n), 0) FROM (SELECT account_id, COUNT(*) AS n FROM (
		SELECT DISTINCT activities.account_id, activities.user_id FROM activities
		WHERE activities.day >= @d30 AND activities.day <= @to AND ` + filter + `) d GROUP BY account_id) u
	JOIN accounts ON accounts.id = u.account_id WHERE (accounts.churned_on IS NULL OR accounts.churned_on > @to)`
}

// orgRevenue: the start cohort's MRR at both ends of the period.
func orgRevenue(db *gorm.DB, args map[string]any, in *scoring.OrgInputs) error {
	var (
		churned    bool
		start, end int64
	)
	dest := []any{&churned, &start, &end}
	var n, expanded int
	var startSum, endSum int64
	err := eachRow(db, `SELECT COALESCE(churned_on <> '' AND churned_on <= @to, false), `+mrrAtSQL("from")+` AS start, `+mrrAtSQL("to")+` AS "end" FROM accounts
		WHERE (churned_on IS NULL OR churned_on > @from) AND (started_on IS NULL OR started_on = '' OR started_on <= @from)`,
		args, func(rows rowScanner) error {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if churned {
				end = 0
			}
			n++
			startSum += start
			endSum += end
			if end > start {
				expanded++
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("revenue: %w", err)
	}
	in.AccountsAtStart += n
	in.MRRStartCents += startSum
	in.MRREndCents += endSum
	in.Expanded += expanded
	return nil
}
