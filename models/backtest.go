package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"gorm.io/gorm"
)

// PointInTimeSignals gathers the scoring inputs of every account active
// as of day asOf, as they stood then, for a backtest: the accounts that
// had started by asOf (started_on on or before it, or none) and had not
// churned by it, each with its own profile of model, figures from the
// stored rows dated on or before asOf (activity, tickets opened by then
// and still open at its end, touches, pulses, surveys, invoices due by
// then, custom metrics), its MRR from mrr_changes as of asOf and a source
// counted as connected only with a row dated by then. It runs the
// rescore's statements (ModelSignals) with asOf as their day: one
// set-based pass for every account.
//
// Facts the store keeps without a history are approximated (see
// BacktestFacts): a departed sponsor counts as departed from the day after
// the account's last touch with the sponsor present (on every day without
// such a touch); an account's segment, plan and seats, a ticket's
// sentiment and escalation and an invoice's status are taken as they are
// now (a failed invoice counts as failed from its due day; a void one
// never counts as overdue).
//
// On PostgreSQL the statements run in one read-only transaction without
// JIT compilation: each is a few hundred milliseconds of plain scans, and
// compiling them cost more than it saved (up to a third of a day's pass).
func (s *Store) PointInTimeSignals(ctx context.Context, model *scoring.Model, asOf time.Time, fn func(*scoring.Effective, scoring.Signals) error) error {
	var (
		sigs  map[uint]*scoring.Signals
		order []uint
		effs  []*scoring.Effective
	)
	read := func(st *Store) (err error) {
		sigs, order, effs, err = st.gather(ctx, model.For, modelInputs(model), asOf, 0, nil, nil, nil, true)
		return err
	}
	var err error
	if s.dialect != DialectPostgres || s.inTx {
		err = read(s)
	} else {
		err = s.orm(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
				return err
			}
			return read(s.bound(tx))
		}, &sql.TxOptions{ReadOnly: true})
	}
	if err != nil {
		return fmt.Errorf("signals as of %s: %w", dayKey(asOf), err)
	}
	for i, id := range order {
		if err := fn(effs[i], *sigs[id]); err != nil {
			return err
		}
	}
	return nil
}

// ChurnDays returns the churn day of every account that has one, by id:
// a backtest's labels.
func (s *Store) ChurnDays(ctx context.Context) (map[uint]time.Time, error) {
	var rows []struct {
		ID        uint
		ChurnedOn string
	}
	if err := s.orm(ctx).Raw(`SELECT id, churned_on FROM accounts WHERE churned_on IS NOT NULL AND churned_on <> ''`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("churn days: %w", err)
	}
	out := make(map[uint]time.Time, len(rows))
	for _, r := range rows {
		d, err := ParseDay(r.ChurnedOn)
		if err != nil {
			return nil, fmt.Errorf("churn days: account %d: %w", r.ID, err)
		}
		out[r.ID] = d
	}
	return out, nil
}

// BacktestFacts counts the stored facts a backtest takes as they are now
// on every past day, for its report to say how much rests on them.
type BacktestFacts struct {
	SponsorDeparted int // accounts whose sponsor_status is departed: departed after their last touch with the sponsor
	FailedInvoices  int // invoices whose status is failed: failed from their due day on
	VoidInvoices    int // invoices whose status is void: never counted overdue
}

// BacktestFacts counts them in one statement.
func (s *Store) BacktestFacts(ctx context.Context) (BacktestFacts, error) {
	var f BacktestFacts
	err := s.orm(ctx).Raw(`SELECT
		(SELECT COUNT(*) FROM accounts WHERE sponsor_status = 'departed') AS sponsor_departed,
		(SELECT COUNT(*) FROM invoices WHERE status = 'failed') AS failed_invoices,
		(SELECT COUNT(*) FROM invoices WHERE status = 'void') AS void_invoices`).Scan(&f).Error
	if err != nil {
		return BacktestFacts{}, fmt.Errorf("backtest facts: %w", err)
	}
	return f, nil
}

// EarliestDataDay is the first day of stored activity, tickets or touches
// (zero when there is none): where a backtest's history begins.
func (s *Store) EarliestDataDay(ctx context.Context) (time.Time, error) {
	var day *string
	err := s.orm(ctx).Raw(`SELECT MIN(d) FROM (
		SELECT MIN(day) AS d FROM activities
		UNION ALL SELECT MIN(opened_day) FROM tickets
		UNION ALL SELECT MIN(day) FROM touches) firsts`).Scan(&day).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("earliest data day: %w", err)
	}
	if d := dayPtr(day); d != nil {
		return *d, nil
	}
	return time.Time{}, nil
}

// activityPerAccount is activityFromRows for a past day on PostgreSQL:
// the rollups cannot tell a past window's users (every account has later
// activity), and activities has no index led by the day, so the grouped
// statement would read the whole table for a month of it. Here each
// account active on the day (and started by it) reads its own month, a
// range of the primary key (account_id, day, user_id, feature), which an
// index-only scan covers.
func activityPerAccount(db *gorm.DB, w sigWindow, features []string, m map[uint]*scoring.Signals) error {
	args := w.args()
	featureCond := "feature <> ''"
	if len(features) > 0 {
		featureCond = "feature IN @features"
		args["features"] = features
	}
	return eachRow(db, `SELECT accounts.id, x.user_days7, x.mau, x.used30 FROM accounts CROSS JOIN LATERAL (SELECT
		COUNT(DISTINCT CASE WHEN day >= @dau THEN day || '/' || user_id END) AS user_days7,
		COUNT(DISTINCT CASE WHEN day >= @mau THEN user_id END) AS mau,
		COUNT(DISTINCT CASE WHEN day >= @adopt AND `+featureCond+` THEN feature END) AS used30
		FROM activities WHERE account_id = accounts.id AND day >= @activity AND day <= @t) x
		WHERE `+activeAtNamed+` AND `+startedByNamed, args, activityCounts(m))
}

// startedByNamed: the account had started by day @t (an account without a
// start day counts as started).
const startedByNamed = "COALESCE(accounts.started_on, '0000-00-00') <= @t"

// mrrAtNamed is an account's MRR as of day @t: its latest change on or
// before @t, or, without one, the MRR it stores now.
const mrrAtNamed = `COALESCE((SELECT m.mrr_cents FROM mrr_changes m
	WHERE m.account_id = accounts.id AND m.effective_on <= @t
	ORDER BY m.effective_on DESC LIMIT 1), accounts.mrr_cents)`

// sponsorAtNamed is an account's sponsor status as of day @t, which the
// store keeps without a date: a sponsor who has left had not left yet on
// a day when a touch on or after it had them present ("exec"), so
// "departed" holds from the day after the last such touch (on every day
// when there is none).
//
// The probe runs for the departed sponsors alone, one index range each
// (touch_account_day): a CASE is evaluated in order, and LIMIT keeps the
// planner from hashing every touch with the sponsor present instead, which
// cost a scan of the touches per evaluation day.
const sponsorAtNamed = `CASE WHEN COALESCE(accounts.sponsor_status, '') <> 'departed' THEN ''
	WHEN (SELECT 1 FROM touches x WHERE x.account_id = accounts.id AND x.day >= @t AND x."exec" LIMIT 1) IS NULL THEN 'departed'
	ELSE '' END`
