package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// The Signals queries are set-based: each source is read by one grouped
// query (GROUP BY account_id), optionally narrowed to one account, so
// AllSignals costs the same number of statements for 3 accounts or 3000 and
// Signals for one account gives exactly the same figures. Windows are string
// ranges over the stored "YYYY-MM-DD" day columns; rows dated after the
// as-of day are ignored so past days can be rescored.

// sigWindow holds the as-of day and the first day of each window of
// cfg.Windows ("the last N days" is T-(N-1) .. T).
type sigWindow struct {
	t string
	// first days: DAU, MAU, adoption (features used), value features seen,
	// support, engagement, executive sponsor touches, late payment, surveys
	dau, mau, adopt, seen, support, engage, exec, late, survey string
	activity                                                   string    // the earliest of dau, mau and adopt: the activity rows read
	endT                                                       time.Time // the first instant after day T in the organisation's zone
	account                                                    uint      // 0: every account (of subset)
	// subset narrows the pass to these accounts (nil: every active one);
	// the organisation-wide figures are still taken over every account.
	subset []uint
	// inSubset is the condition "account_id is one of subset" for the
	// dialect, and subsetArg what it binds to @subset (see subsetCond).
	inSubset  string
	subsetArg any
	// pointInTime: every account active as of a past day (PointInTimeSignals);
	// postgres: the database is PostgreSQL. They choose the activity pass.
	pointInTime, postgres bool
}

// windowDays is a configured window, or its default when unset, so a
// hand-built Config scores like the default one.
func windowDays(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func (s *Store) window(cfg scoring.Config, asOf time.Time, accountID uint) sigWindow {
	t := dayKey(asOf)
	day, _ := ParseDay(t)
	y, m, d := day.AddDate(0, 0, 1).Date()
	cw, dw := cfg.Windows, scoring.Default().Windows
	first := func(n, def int) string { return addDays(t, -(windowDays(n, def) - 1)) }
	w := sigWindow{
		t:       t,
		dau:     first(cw.DAUDays, dw.DAUDays),
		mau:     first(cw.MAUDays, dw.MAUDays),
		adopt:   first(cw.AdoptionDays, dw.AdoptionDays),
		seen:    first(cw.FeatureSeenDays, dw.FeatureSeenDays),
		support: first(cw.SupportDays, dw.SupportDays),
		engage:  first(cw.EngagementDays, dw.EngagementDays),
		exec:    first(cw.ExecSponsorDays, dw.ExecSponsorDays),
		late:    first(cw.LatePaymentDays, dw.LatePaymentDays),
		survey:  first(cw.SurveyDays, dw.SurveyDays),
		endT:    time.Date(y, m, d, 0, 0, 0, 0, s.loc),
		account: accountID,
	}
	w.activity = min(w.dau, w.mau, w.adopt)
	return w
}

// args are the named parameters every builder may use.
func (w sigWindow) args() map[string]any {
	return map[string]any{"t": w.t, "dau": w.dau, "mau": w.mau, "adopt": w.adopt, "seen": w.seen,
		"support": w.support, "engage": w.engage, "exec": w.exec, "late": w.late, "survey": w.survey,
		"activity": w.activity, "endT": w.endT, "account": w.account, "subset": w.subsetArg}
}

// filter narrows a query to the one account, or to the subset, if any.
func (w sigWindow) filter() string {
	switch {
	case w.account != 0:
		return " AND account_id = @account"
	case w.subset != nil:
		return " AND " + w.inSubset
	}
	return ""
}

// Signals gathers one account's scoring inputs as of day asOf (taken at
// its own calendar date: pass DayAt(now) or midnight UTC of the day) with
// cfg's windows, value features and custom components: pass the config of
// the account's profile (scoring.Model.For). The account is read whether
// or not it is active (ErrNotFound when absent).
func (s *Store) Signals(ctx context.Context, cfg scoring.Config, accountID uint, asOf time.Time) (scoring.Signals, error) {
	if accountID == 0 {
		return scoring.Signals{}, fmt.Errorf("signals: account 0: %w", ErrNotFound)
	}
	eff := &scoring.Effective{Config: cfg}
	stored, err := s.OrgAggregates(ctx, asOf)
	if err != nil {
		return scoring.Signals{}, fmt.Errorf("signals of account %d: %w", accountID, err)
	}
	sigs, order, _, err := s.gather(ctx, func(string, string) *scoring.Effective { return eff }, weighted(cfg.Components, cfg.Weights), asOf, accountID, nil, nil, stored, false)
	if err != nil {
		return scoring.Signals{}, fmt.Errorf("signals of account %d: %w", accountID, err)
	}
	if len(order) == 0 {
		return scoring.Signals{}, fmt.Errorf("signals of account %d: %w", accountID, ErrNotFound)
	}
	w := s.window(cfg, asOf, accountID)
	sig := sigs[accountID]
	// The day's full rescore saved the organisation's figures: a card
	// reads them rather than counting every ticket of the window again.
	if orgMean, ok := storedMean(stored, w); ok {
		sig.OrgMeanTickets90 = orgMean
		return *sig, nil
	}
	orgMean, err := orgMeanTickets(s.orm(ctx), w)
	if err != nil {
		return scoring.Signals{}, fmt.Errorf("signals of account %d: %w", accountID, err)
	}
	sig.OrgMeanTickets90 = orgMean
	return *sig, nil
}

// AllSignals gathers every active account's inputs as of day asOf under
// one config (no profiles), calling fn once per account in ascending id
// order: ModelSignals with scoring.ModelOf(cfg).
func (s *Store) AllSignals(ctx context.Context, cfg scoring.Config, asOf time.Time, fn func(scoring.Signals) error) error {
	m := scoring.ModelOf(cfg)
	return s.ModelSignals(ctx, &m, asOf, func(_ *scoring.Effective, sig scoring.Signals) error { return fn(sig) })
}

// ModelSignals gathers every active account's inputs as of day asOf,
// each with the windows, value features and custom components of its own
// profile (model.For(segment, plan)), and calls fn once per account in
// ascending id order with that profile and the account's signals. The
// statements are set-based: one per source for all accounts, plus one per
// further distinct window or value-feature set that a profile in use
// restates (see gather), whatever the number of accounts.
func (s *Store) ModelSignals(ctx context.Context, model *scoring.Model, asOf time.Time, fn func(*scoring.Effective, scoring.Signals) error) error {
	_, err := s.modelSignalsOf(ctx, model, asOf, nil, fn, false)
	return err
}

// weighted lists the custom components of comps that weights score (> 0),
// by name: the figures a rescore must gather.
func weighted(comps map[string]scoring.CustomComponent, weights map[string]float64) []scoring.NamedComponent {
	var out []scoring.NamedComponent
	for name, def := range comps {
		if weights[name] > 0 {
			out = append(out, scoring.NamedComponent{Name: name, CustomComponent: def})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// modelInputs lists the custom components that some profile of model
// scores: ModelSignals gathers each once for every account (ParseModel
// holds a component's figure the same in every profile that defines it).
func modelInputs(model *scoring.Model) []scoring.NamedComponent {
	var out []scoring.NamedComponent
	for _, in := range model.CustomInputs() {
		for _, e := range model.All() {
			if e.Config.Weights[in.Name] > 0 {
				out = append(out, in)
				break
			}
		}
	}
	return out
}

// byteOrder is the clause that makes a comparison of a day column (text,
// YYYY-MM-DD) byte by byte on PostgreSQL, where the database's collation
// (C.UTF-8 is not "C" to it) sends every comparison through strcoll; ""
// on SQLite, which compares bytes already. Days order the same either
// way. Only for comparisons no index is asked to serve: an index keeps
// the collation it was built in.
func byteOrder(postgres bool) string {
	if postgres {
		return ` COLLATE "C"`
	}
	return ""
}

// day is the day column col for a comparison inside an aggregate, or on a
// column no index serves: byte by byte on PostgreSQL (byteOrder). At
// 100,000 accounts, byte order took the tickets' read from 365 to 305 ms,
// the touches' from 335 to 300 and the invoices' from 385 to 325
// (BENCHMARKS.md).
func (w sigWindow) day(col string) string { return col + byteOrder(w.postgres) }

// scanDay is col for the statement's own range on it: byte by byte only
// when every account is read, which scans the table; a read of one
// account or a few keeps the collation its (account_id, day) index was
// built in.
func (w sigWindow) scanDay(col string) string {
	if w.account == 0 && w.subset == nil {
		return w.day(col)
	}
	return col
}

// activeAtNamed is activeAt with the named day parameter.
const activeAtNamed = "(COALESCE(accounts.churned_on, '9999-12-31') > @t)"

// churnedAtNamed is its negation: the account had churned by day @t.
const churnedAtNamed = "accounts.churned_on <= @t"

func mean(sum, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// activitySignals: DAU as user-days over the DAU window (7 days), MAU and
// value features used over the MAU and adoption windows (30 days). With no
// configured list every non-empty feature counts: a feature used in the
// adoption window was seen in the (longer) feature-seen window.
//
// Every account's figures come from the rollups (activityFromRollups),
// except those of accounts with activity dated after day T, which come
// from their raw rows: the last days of their users no longer tell who was
// active in a window ending at T. One row dated in 9999 so costs one
// account's raw rows, not the portfolio's. When most accounts have later
// activity (a past day rescored), or one account is asked for, every
// figure comes from the raw rows: one account's raw rows are an index
// range of a few hundred rows, cheaper than the rollup ranges, which are
// led by the day, not the account.
func activitySignals(db *gorm.DB, w sigWindow, features []string, m map[uint]*scoring.Signals) error {
	var ids []uint // nil: every account of w
	if w.pointInTime && w.postgres {
		if err := activityPerAccount(db, w, features, m); err != nil {
			return fmt.Errorf("activity: %w", err)
		}
		return nil
	}
	if w.account == 0 && !w.pointInTime {
		later, declined, err := activityFromRollups(db, w, features, m)
		if err != nil {
			return fmt.Errorf("activity rollups: %w", err)
		}
		if !declined && len(later) == 0 {
			return nil
		}
		if !declined && len(later) <= maxLaterAccounts {
			ids = later
		}
		// The rollups' figures of these accounts are wrong, and the raw
		// rows set only accounts with activity in the windows.
		for _, id := range later {
			m[id].ActiveUserDays7, m[id].MAU, m[id].ValueFeaturesUsed30 = 0, 0, 0
		}
	}
	if err := activityFromRows(db, w, features, ids, m); err != nil {
		return fmt.Errorf("activity: %w", err)
	}
	return nil
}

// maxLaterAccounts is how many accounts with activity after T are read
// from their raw rows one by one (in one IN list); with more, the raw rows
// of every account are read, in one pass.
const maxLaterAccounts = 500

// activityFromRows computes activitySignals from the raw activity rows of
// the windows, for the accounts ids (nil: every account of w).
func activityFromRows(db *gorm.DB, w sigWindow, features []string, ids []uint, m map[uint]*scoring.Signals) error {
	args := w.args()
	featureCond := "feature <> ''"
	if len(features) > 0 {
		featureCond = "feature IN @features"
		args["features"] = features
	}
	filter := w.filter()
	if ids != nil {
		filter += " AND account_id IN @ids"
		args["ids"] = ids
	}
	return eachRow(db, `SELECT account_id,
		COUNT(DISTINCT CASE WHEN day >= @dau THEN day || '/' || user_id END) AS user_days7,
		COUNT(DISTINCT CASE WHEN day >= @mau THEN user_id END) AS mau,
		COUNT(DISTINCT CASE WHEN day >= @adopt AND `+featureCond+` THEN feature END) AS used30
		FROM activities WHERE day >= @activity AND day <= @t`+filter+` GROUP BY account_id`, args, activityCounts(m))
}

// maxLaterDays is how many distinct days after T the rollups put up with:
// a day or two of activity ahead of the as-of day (tomorrow's first events
// in an early time zone, a stray bad row) costs the few accounts that have
// them their raw rows; more means a past day is being rescored, when most
// accounts have later activity and the raw rows are read for all.
const maxLaterDays = 3

// laterDays lists, as the CTE "later", the first maxLaterDays+1 distinct
// days after @t that hold activity, walking them with one probe each at
// the head of activity_days' key (the least day after the previous one),
// and then a NULL. It reads no more than that whatever the plan: the
// least day after a bound is an ordered index probe with LIMIT 1 in a
// generic plan as in a custom one. A range "day > @t" would not be: once
// pgx's cached statement gets PostgreSQL's generic plan (from the sixth
// run on), the planner guesses a third of the table after an unknown day
// and may scan all of activity_days (200-250 ms of the daily rescore
// instead of a few ms, seen when the check was a NOT EXISTS).
var laterDays = fmt.Sprintf(`WITH RECURSIVE later(day, n) AS (
	SELECT (SELECT MIN(day) FROM activity_days WHERE day > @t), 1
	UNION ALL
	SELECT (SELECT MIN(d.day) FROM activity_days d WHERE d.day > later.day), n + 1
	FROM later WHERE later.day IS NOT NULL AND n <= %d)
`, maxLaterDays)

// fewLaterDays holds when at most maxLaterDays days after @t hold
// activity: the rollup reads run only then.
var fewLaterDays = fmt.Sprintf("(SELECT COUNT(day) FROM later) <= %d", maxLaterDays)

// activityFromRollups computes activitySignals from the rollups
// (rollups.go). It returns the accounts with activity dated after T or
// queued for the rollups (not yet folded into them), whose figures it
// sets wrong (the caller reads them from the raw rows),
// or reports declined and leaves m alone when more than maxLaterDays
// days after T hold activity. The later accounts and the figures come
// from one statement, so they read one snapshot: an account gaining a
// later row meanwhile is either listed or has exact figures. User-days
// are the sum of the DAU window's activity_days (a range of its key,
// exact whatever came later); MAU and the features used are the users
// and features whose last day falls in their windows, counted in one
// pass over activity_last, exact for the accounts without later
// activity.
func activityFromRollups(db *gorm.DB, w sigWindow, features []string, m map[uint]*scoring.Signals) (later []uint, declined bool, err error) {
	args := w.args()
	keyCond := "1 = 1"
	if len(features) > 0 {
		keyCond = `"key" IN @features`
		args["features"] = features
	}
	args["last"] = min(w.mau, w.adopt)
	// Every account's keys are grouped by hashing a sequential scan, not
	// in the primary key's order: an index scan fetches each key's row
	// from the heap, 1.2 M fetches at 100,000 accounts (1.2 s, where the
	// scan and hash take 0.5 s), and the planner chose it on a table
	// written in key order (its correlation 1), as a bulk load leaves it.
	// "+ 0" hides the key's order from the planner. A subset of accounts
	// keeps the probes of its ids.
	lastAccount := "account_id"
	if w.postgres && w.subset == nil {
		lastAccount = "account_id + 0"
	}
	// The last days compared byte by byte (sigWindow.day): four comparisons a
	// row over 1.1 M rows at 100,000 accounts, 0.70-0.83 s for this part
	// through the collation, 0.62-0.65 s byte by byte. No index serves
	// last_day, so no plan depends on its collation.
	lastDay := w.day("last_day")
	var (
		part int
		id   uint
		a, b int64
	)
	dest := []any{&part, &id, &a, &b}
	err = eachRow(db, laterDays+`SELECT 0 AS part, 0 AS account_id, (SELECT COUNT(day) FROM later) AS a, 0 AS b
		UNION ALL
		SELECT 3, account_id, 0, 0 FROM activity_days
		WHERE day IN (SELECT day FROM later) AND `+fewLaterDays+w.filter()+` GROUP BY account_id
		UNION ALL
		SELECT 3, account_id, 0, 0 FROM `+RollupQueueTable+` WHERE `+fewLaterDays+w.filter()+` GROUP BY account_id
		UNION ALL
		SELECT 1, account_id, SUM(users), 0 FROM activity_days
		WHERE day >= @dau AND day <= @t AND `+fewLaterDays+w.filter()+` GROUP BY account_id
		UNION ALL
		SELECT 2, `+lastAccount+`,
			SUM(CASE WHEN kind = 'u' AND `+lastDay+` >= @mau THEN 1 ELSE 0 END),
			SUM(CASE WHEN kind = 'f' AND `+lastDay+` >= @adopt AND `+keyCond+` THEN 1 ELSE 0 END)
		FROM activity_last WHERE `+lastDay+` >= @last AND `+lastDay+` <= @t AND `+fewLaterDays+w.filter()+` GROUP BY `+lastAccount,
		args, func(rows rowScanner) error {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			sig := m[id]
			switch {
			case part == 0:
				declined = a > maxLaterDays
			case sig == nil:
			case part == 1:
				sig.ActiveUserDays7 = int(a)
			case part == 2:
				sig.MAU, sig.ValueFeaturesUsed30 = int(a), int(b)
			case part == 3:
				later = append(later, id)
			}
			return nil
		})
	if err != nil {
		return nil, false, err
	}
	slices.Sort(later) // an account may be both queued and later
	return slices.Compact(later), declined, nil
}

// openAt is "the ticket was still open at the end of day T". Tickets store
// only a close timestamp; SQLite keeps timestamps as text with an offset,
// so it compares them through julianday().
func (s *Store) openAt() string {
	if s.dialect == DialectSQLite {
		return "(closed_at IS NULL OR julianday(closed_at) >= julianday(@endT))"
	}
	return "(closed_at IS NULL OR closed_at >= @endT)"
}

// ticketSignals: the support window (opened in the last SupportDays, or
// still open at T) and the ticket rating counts.
func (s *Store) ticketSignals(db *gorm.DB, w sigWindow, m map[uint]*scoring.Signals) error {
	openCond := s.openAt()
	opened := w.day("opened_day")
	inWindow := "(" + opened + " >= @support OR " + openCond + ")"
	var (
		id                                   uint
		window, positive, negative           int64
		escalatedOpen, open, tickets90, ever int64
	)
	dest := []any{&id, &window, &positive, &negative, &escalatedOpen, &open, &tickets90, &ever}
	err := eachRow(db, `SELECT account_id,
		SUM(CASE WHEN `+inWindow+` THEN 1 ELSE 0 END) AS window_tickets,
		SUM(CASE WHEN `+inWindow+` AND sentiment = 'positive' THEN 1 ELSE 0 END) AS positive_tickets,
		SUM(CASE WHEN `+inWindow+` AND sentiment = 'negative' THEN 1 ELSE 0 END) AS negative_tickets,
		SUM(CASE WHEN escalated AND `+openCond+` THEN 1 ELSE 0 END) AS escalated_open,
		SUM(CASE WHEN `+openCond+` THEN 1 ELSE 0 END) AS open_tickets,
		SUM(CASE WHEN `+opened+` >= @support THEN 1 ELSE 0 END) AS tickets90,
		COUNT(*) AS ever
		FROM tickets WHERE `+w.scanDay("opened_day")+` <= @t`+w.filter()+` GROUP BY account_id`, w.args(), func(rows rowScanner) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if sig := m[id]; sig != nil {
			sig.WindowTickets, sig.PositiveTickets, sig.NegativeTickets = int(window), int(positive), int(negative)
			sig.EscalatedOpen, sig.OpenTickets, sig.Tickets90 = int(escalatedOpen), int(open), int(tickets90)
			sig.EverFiledTicket = ever > 0
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tickets: %w", err)
	}
	return nil
}

// touchSignals: the latest touch day, touches in the engagement window and
// executive sponsor touches in theirs (90 days each by default).
func touchSignals(db *gorm.DB, w sigWindow, m map[uint]*scoring.Signals) error {
	day := w.day("day")
	var (
		id                uint
		lastDay           *string
		touches90, exec90 int64
	)
	dest := []any{&id, &lastDay, &touches90, &exec90}
	err := eachRow(db, `SELECT account_id, MAX(`+day+`) AS last_day,
		SUM(CASE WHEN `+day+` >= @engage THEN 1 ELSE 0 END) AS touches90,
		SUM(CASE WHEN `+day+` >= @exec AND "exec" THEN 1 ELSE 0 END) AS exec90
		FROM touches WHERE `+w.scanDay("day")+` <= @t`+w.filter()+` GROUP BY account_id`, w.args(), func(rows rowScanner) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if sig := m[id]; sig != nil {
			sig.LastTouch = dayPtr(lastDay)
			sig.Touches90, sig.ExecTouches90 = int(touches90), int(exec90)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touches: %w", err)
	}
	return nil
}

// invoiceSignals: failed, overdue at T (an invoice paid after T was still
// open then) and paid late in the late-payment window (180 days). Invoices due after T are
// ignored, since an invoice carries no other date.
func invoiceSignals(db *gorm.DB, w sigWindow, m map[uint]*scoring.Signals) error {
	due, paid := w.day("due_on"), w.day("paid_on")
	overdueCond := "(" + due + " < @t AND (status = 'open' OR (status = 'paid' AND " + paid + " > @t)))"
	var (
		id                    uint
		failed, overdue, late int64
		oldest                *string
	)
	dest := []any{&id, &failed, &overdue, &oldest, &late}
	err := eachRow(db, `SELECT account_id,
		SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
		SUM(CASE WHEN `+overdueCond+` THEN 1 ELSE 0 END) AS overdue,
		MIN(CASE WHEN `+overdueCond+` THEN `+due+` END) AS oldest_overdue,
		SUM(CASE WHEN `+due+` >= @late AND paid_on IS NOT NULL AND `+paid+` > due_on AND `+paid+` <= @t THEN 1 ELSE 0 END) AS late
		FROM invoices WHERE `+w.scanDay("due_on")+` <= @t`+w.filter()+` GROUP BY account_id`, w.args(), func(rows rowScanner) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if sig := m[id]; sig != nil {
			sig.FailedInvoices, sig.OverdueInvoices, sig.LatePaid180 = int(failed), int(overdue), int(late)
			sig.OldestOverdueDue = dayPtr(oldest)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("invoices: %w", err)
	}
	return nil
}

// surveySignals: NPS and CSAT responses of the survey window (180 days).
// The sum of a bigint column is a numeric on PostgreSQL, which pgx decodes
// through math/big: cast back, it costs no allocation a row.
func surveySignals(db *gorm.DB, w sigWindow, m map[uint]*scoring.Signals) error {
	var (
		id                              uint
		promoters, passives, detractors int64
		csatN, csatSat, csatSum         int64
	)
	dest := []any{&id, &promoters, &passives, &detractors, &csatN, &csatSat, &csatSum}
	day := w.scanDay("day")
	err := eachRow(db, `SELECT account_id,
		SUM(CASE WHEN kind = 'nps' AND score >= 9 THEN 1 ELSE 0 END) AS promoters,
		SUM(CASE WHEN kind = 'nps' AND score >= 7 AND score <= 8 THEN 1 ELSE 0 END) AS passives,
		SUM(CASE WHEN kind = 'nps' AND score <= 6 THEN 1 ELSE 0 END) AS detractors,
		SUM(CASE WHEN kind = 'csat' THEN 1 ELSE 0 END) AS csatn,
		SUM(CASE WHEN kind = 'csat' AND score >= 4 THEN 1 ELSE 0 END) AS csat_sat,
		CAST(SUM(CASE WHEN kind = 'csat' THEN score ELSE 0 END) AS BIGINT) AS csat_sum
		FROM surveys WHERE `+day+` >= @survey AND `+day+` <= @t`+w.filter()+` GROUP BY account_id`, w.args(), func(rows rowScanner) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if sig := m[id]; sig != nil {
			sig.NPSPromoters, sig.NPSPassives, sig.NPSDetractors = int(promoters), int(passives), int(detractors)
			sig.CSATResponses, sig.CSATSatisfied, sig.CSATSum = int(csatN), int(csatSat), int(csatSum)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("surveys: %w", err)
	}
	return nil
}

// pulseSignals: each account's latest pulse on or before T, picked with a
// window function (SQLite >= 3.25 and PostgreSQL both have ROW_NUMBER).
func (s *Store) pulseSignals(db *gorm.DB, w sigWindow, m map[uint]*scoring.Signals) error {
	var (
		id                  uint
		colour, reason, day string
	)
	dest := []any{&id, &colour, &reason, &day}
	err := eachRow(db, `SELECT account_id, colour, COALESCE(reason, ''), day FROM (
		SELECT account_id, colour, reason, day,
		ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY `+s.latestOrder()+`) AS rn
		FROM pulses WHERE day <= @t`+w.filter()+`) latest WHERE rn = 1`, w.args(), func(rows rowScanner) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if sig := m[id]; sig != nil {
			d, err := ParseDay(day)
			if err != nil {
				return fmt.Errorf("account %d: %w", id, err)
			}
			sig.LatestPulse = &scoring.PulseSignal{Colour: colour, Reason: reason, Day: d}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pulses: %w", err)
	}
	return nil
}

// dayPtr parses an optional stored day; a malformed day reads as absent.
func dayPtr(day *string) *time.Time {
	if day == nil || *day == "" {
		return nil
	}
	t, err := ParseDay(*day)
	if err != nil {
		return nil
	}
	return &t
}

// eachRow runs a query and calls scan with each row; the signal queries
// return one row per account (10,000 and more), which gorm's reflective
// Scan made a visible share of a rescore's CPU time. On a read's own
// PostgreSQL connection (readGrouping, nativeReads) the rows are read with
// pgx itself rather than through database/sql: see eachRowNative.
//
// The callbacks scan into variables declared outside them, with one
// destination slice for the read: declared inside, each row's variables
// and slice escaped to the heap through Scan, about 2.4 M allocations of
// a daily rescore's 10.7 M at 100,000 accounts.
func eachRow(db *gorm.DB, query string, args map[string]any, scan func(rowScanner) error) error {
	var vars []any
	if len(args) > 0 {
		// An empty map would be taken for a positional argument.
		vars = []any{args}
	}
	return eachRowOf(db, query, vars, scan)
}

// eachRowOf is eachRow with gorm's arguments as they are: positional, or
// one map of named ones.
func eachRowOf(db *gorm.DB, query string, vars []any, scan func(rowScanner) error) error {
	if v, ok := db.Get(nativeConnKey); ok {
		return eachRowNative(db, v.(nativeConn), query, vars, scan)
	}
	rows, err := db.Raw(query, vars...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanAll(rows, scan)
}

// rowScanner reads the current row's columns: *sql.Rows, or pgx.Rows on
// a read's own connection (eachRowNative).
type rowScanner interface {
	Scan(dest ...any) error
}

// scanAll calls scan with each row of rows, *sql.Rows or pgx.Rows.
func scanAll(rows interface {
	rowScanner
	Next() bool
	Err() error
}, scan func(rowScanner) error) error {
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// nativeConnKey is the gorm setting under which readGrouping and
// nativeReads keep the connection their reads run on, as a nativeConn.
const nativeConnKey = "healthbot:native-conn"

// nativeReads runs fn with a db on which eachRow reads with pgx
// (eachRowNative): on PostgreSQL outside a transaction, a pooled
// connection of fn's own, in autocommit; elsewhere s's own db. The large
// reads of the daily rescore beside its COPY (every account's alert
// states and previous heads) run on the pool so.
func (s *Store) nativeReads(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.dialect != DialectPostgres || s.inTx {
		return fn(s.orm(ctx))
	}
	return s.orm(ctx).Connection(func(c *gorm.DB) error {
		conn, ok := c.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fn(c)
		}
		return fn(c.Set(nativeConnKey, nativeConn{conn, s.stats}).Session(&gorm.Session{}))
	})
}

// nativeConn is a read's own connection, and the Store's statement
// counters, which gorm's callbacks do not see a pgx statement reach.
type nativeConn struct {
	conn  *sql.Conn
	stats *queryStats
}

// eachRowNative is eachRow on conn, in the transaction db runs there
// (readGrouping's read-only one) or in autocommit (nativeReads):
// the statement gorm builds (named arguments bound, a list as one
// parameter per element, exactly as for database/sql) is run with pgx's
// own Query, whose Scan decodes each binary column straight into its
// destination. database/sql first boxes every column of every row into a
// driver.Value and then converts it: in a profile of two daily rescores
// at 100,000 accounts, eachRow's CPU fell from 1.61 s to 0.89 s this way,
// CPU the reads share with the database server on two cores
// (BENCHMARKS.md).
func eachRowNative(db *gorm.DB, nc nativeConn, query string, vars []any, scan func(rowScanner) error) error {
	stmt := db.Raw(query, vars...)
	if stmt.Error != nil {
		return stmt.Error
	}
	ctx := stmt.Statement.Context
	return nc.conn.Raw(func(dc any) error {
		began := time.Now()
		rows, err := dc.(*stdlib.Conn).Conn().Query(ctx, stmt.Statement.SQL.String(), stmt.Statement.Vars...)
		nc.stats.counted(stmt, began, err)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scanAll(rows, scan)
	})
}

// activityCounts scans rows of (account id, user-days in the DAU window,
// MAU, value features used) into m's signals: the raw activity pass of the
// rescore and of the point-in-time backtest read the same columns.
func activityCounts(m map[uint]*scoring.Signals) func(rowScanner) error {
	return func(rows rowScanner) error {
		var (
			id                     uint
			userDays7, mau, used30 int64
		)
		if err := rows.Scan(&id, &userDays7, &mau, &used30); err != nil {
			return err
		}
		if sig := m[id]; sig != nil {
			sig.ActiveUserDays7, sig.MAU, sig.ValueFeaturesUsed30 = int(userDays7), int(mau), int(used30)
		}
		return nil
	}
}
