package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AlertModels lists the records of alerts, the outbox and scheduled task
// runs, for migrations (AllModels includes them).
var AlertModels = []any{&AlertState{}, &AlertRecord{}, &OutboxMessage{}, &TaskRun{}}

// MigrateAlerts creates the alert, outbox and task-run tables. Migrations
// already do once AllModels includes AlertModels; it is idempotent, so
// tests and older wiring may call it too.
func (s *Store) MigrateAlerts(ctx context.Context) error {
	if err := s.db.WithContext(ctx).AutoMigrate(AlertModels...); err != nil {
		return fmt.Errorf("migrate alerts: %w", err)
	}
	return nil
}

// AlertState is the hysteresis memory of one (account, rule): whether the
// rule is armed and how many times it has fired (scoring.ArmState).
type AlertState struct {
	AccountID uint   `gorm:"primaryKey;autoIncrement:false"`
	Rule      string `gorm:"primaryKey;size:32"`
	Seen      bool   `gorm:"not null;default:false"`
	Armed     bool   `gorm:"not null;default:false"`
	Arming    int    `gorm:"not null;default:0"`
	Mark      string `gorm:"size:64"`
	UpdatedAt time.Time
}

// AlertRecord is one fired alert. DedupeKey (account/rule/arming) is
// unique, so a crossing seen twice (two replicas, a re-run) is stored once.
type AlertRecord struct {
	ID           uint   `gorm:"primaryKey"`
	DedupeKey    string `gorm:"size:128;not null;uniqueIndex"`
	AccountID    uint   `gorm:"not null;index"`
	Rule         string `gorm:"size:32;not null"`
	Arming       int    `gorm:"not null"`
	Day          string `gorm:"size:10;not null;index"`
	FromScore    int    `gorm:"not null"` // -1 when unknown
	ToScore      int    `gorm:"not null"`
	Reason       string `gorm:"size:128"`
	Muted        bool   `gorm:"not null;default:false"` // fired while the account was snoozed: stored, not posted
	AckedBy      string `gorm:"size:128"`
	AckedAt      *time.Time
	SnoozedBy    string  `gorm:"size:128"`
	SnoozedUntil *string `gorm:"size:10"` // the account's alerts are muted through this day
	CreatedAt    time.Time
}

// TableName names the table "alerts".
func (AlertRecord) TableName() string { return "alerts" }

// AlertStates loads the arm states of the given accounts, by account then rule.
func (s *Store) AlertStates(ctx context.Context, accountIDs []uint) (map[uint]scoring.ArmStates, error) {
	if len(accountIDs) == 0 {
		return map[uint]scoring.ArmStates{}, nil
	}
	// A long id list (a whole portfolio's rescore) reads the whole table in
	// one query and keeps the accounts asked for, so the number of queries
	// does not grow with the accounts; a short one (a write, a batch, a
	// stream's rescore on PostgreSQL) probes by id.
	// Rows are scanned by hand: a portfolio has about five per account,
	// 50,000 at 10,000 accounts, too many for gorm's reflection. The ids
	// and armings are read into int64: database/sql converts a driver's
	// int64 into a uint or an int through a formatted string.
	q := "SELECT account_id, rule, seen, armed, arming, COALESCE(mark, '') FROM alert_states"
	var args []any
	var want map[uint]bool
	switch {
	case s.dialect == DialectPostgres && len(accountIDs) <= MaxSubset:
		// One array parameter, probed by id: a stream's rescore of a few
		// thousand accounts reads theirs only.
		q += " WHERE account_id = ANY(CAST(? AS bigint[]))"
		args = append(args, idArray(accountIDs))
	case len(accountIDs) > alertBatch:
		want = make(map[uint]bool, len(accountIDs))
		for _, id := range accountIDs {
			want[id] = true
		}
	default:
		q += " WHERE account_id IN ?"
		args = append(args, accountIDs)
	}
	return s.loadAlertStates(ctx, q, args, want, len(accountIDs))
}

// AllAlertStates loads every account's arm states, by account then rule:
// what the daily rescore reads beside its snapshots' COPY, before it knows
// which accounts' states change (commands.Alerter.Prefetch).
func (s *Store) AllAlertStates(ctx context.Context) (map[uint]scoring.ArmStates, error) {
	return s.loadAlertStates(ctx, "SELECT account_id, rule, seen, armed, arming, COALESCE(mark, '') FROM alert_states", nil, nil, 0)
}

// loadAlertStates runs q, a select of alert_states' columns in
// AlertStates' order, keeping the accounts in want (nil: all).
func (s *Store) loadAlertStates(ctx context.Context, q string, args []any, want map[uint]bool, size int) (map[uint]scoring.ArmStates, error) {
	out := make(map[uint]scoring.ArmStates, size)
	var (
		id, arming  int64
		rule, mark  internedText // a few rules, and a few marks per rule
		seen, armed bool
		// An account's rules are written in one statement and mostly
		// read back together, so the last account's map is kept at hand;
		// rows in any other order are still grouped right.
		lastID     uint
		lastStates scoring.ArmStates
		dest       = []any{&id, &rule, &seen, &armed, &arming, &mark}
	)
	err := s.nativeReads(ctx, func(db *gorm.DB) error {
		return eachRowOf(db, q, args, func(rows rowScanner) error {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			acc := uint(id)
			if want != nil && !want[acc] {
				return nil
			}
			if lastStates == nil || acc != lastID {
				lastID, lastStates = acc, out[acc]
				if lastStates == nil {
					lastStates = scoring.ArmStates{}
					out[acc] = lastStates
				}
			}
			lastStates[rule.s] = scoring.ArmState{Seen: seen, Armed: armed, Arming: int(arming), Mark: mark.s}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load alert states: %w", err)
	}
	return out, nil
}

// SaveAlertStates upserts the arm states of several accounts: on
// PostgreSQL in one statement of six array parameters, elsewhere in
// batches of alertBatch rows.
func (s *Store) SaveAlertStates(ctx context.Context, states map[uint]scoring.ArmStates) error {
	var rows []AlertState
	for id, m := range states {
		for rule, st := range m {
			rows = append(rows, AlertState{AccountID: id, Rule: rule, Seen: st.Seen, Armed: st.Armed, Arming: st.Arming, Mark: st.Mark})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	var err error
	if s.dialect == DialectPostgres {
		err = s.saveAlertStatesPostgres(ctx, rows)
	} else {
		err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "account_id"}, {Name: "rule"}},
			DoUpdates: clause.AssignmentColumns([]string{"seen", "armed", "arming", "mark", "updated_at"}),
		}).CreateInBatches(&rows, alertBatch).Error
	}
	if err != nil {
		return fmt.Errorf("save alert states: %w", err)
	}
	return nil
}

// upsertAlertStatesPostgres writes alert states from six arrays, in key
// order, so two writers lock the rows they share in the same order. A
// new day's rescore changes a state of most accounts: at 100,000 accounts
// gorm's batches of 1,000 rows cost the client 0.6 s of reflection, and
// PostgreSQL a hundred statements to parse and plan.
const upsertAlertStatesPostgres = `INSERT INTO alert_states (account_id, rule, seen, armed, arming, mark, updated_at)
	SELECT a, r, s, d, n, m, ? FROM unnest(?::bigint[], ?::text[], ?::boolean[], ?::boolean[], ?::bigint[], ?::text[]) AS v(a, r, s, d, n, m)
	ORDER BY a, r
	ON CONFLICT (account_id, rule) DO UPDATE SET seen = excluded.seen, armed = excluded.armed, arming = excluded.arming,
		mark = excluded.mark, updated_at = excluded.updated_at`

func (s *Store) saveAlertStatesPostgres(ctx context.Context, rows []AlertState) error {
	n := len(rows)
	ids, rules, seen, armed, arming, marks := make([]int64, n), make([]string, n), make([]bool, n), make([]bool, n), make([]int64, n), make([]string, n)
	for i, r := range rows {
		ids[i], rules[i], seen[i], armed[i], arming[i], marks[i] = int64(r.AccountID), r.Rule, r.Seen, r.Armed, int64(r.Arming), r.Mark
	}
	return s.db.WithContext(BulkContext(ctx)).Exec(upsertAlertStatesPostgres, s.db.NowFunc(), arrayParam(ids), arrayParam(rules),
		arrayParam(seen), arrayParam(armed), arrayParam(arming), arrayParam(marks)).Error
}

// CSMsByHandle loads the CSMs with the given handles, by handle. Callers
// pass a handle per task or account, repeated: a rescore of 100,000
// accounts that found every one Critical opened 114,367 tasks and passed
// their 500 owners' handles 114,367 times, more than a statement's 65,535
// parameters. Each handle is asked for once, a MaxSubset at a time.
func (s *Store) CSMsByHandle(ctx context.Context, handles []string) (map[string]CSM, error) {
	out := map[string]CSM{}
	handles = slices.Compact(slices.Sorted(slices.Values(handles)))
	for part := range slices.Chunk(handles, MaxSubset) {
		var rows []CSM
		if err := s.db.WithContext(ctx).Where("handle IN ?", part).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("csms by handle: %w", err)
		}
		for _, c := range rows {
			out[c.Handle] = c
		}
	}
	return out, nil
}

// AlertMessages lists the outbox messages of an alert, oldest first.
func (s *Store) AlertMessages(ctx context.Context, alertID uint) ([]OutboxMessage, error) {
	var out []OutboxMessage
	if err := s.db.WithContext(ctx).Where("alert_id = ?", alertID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("alert %d messages: %w", alertID, err)
	}
	return out, nil
}

// RequeueAlertMessage replaces the payload of one queued or delivered
// outbox message of an alert and makes it due now: delivered, it is then
// updated in place through its Ref; pending, it is posted with the new
// content. A message that failed for good is left alone.
func (s *Store) RequeueAlertMessage(ctx context.Context, id uint, payload string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND alert_id IS NOT NULL AND status IN ?", id, []string{OutboxPending, OutboxSent}).
		Updates(map[string]any{"payload": payload, "status": OutboxPending, "next_attempt_at": now.UTC()}).Error
	if err != nil {
		return fmt.Errorf("requeue outbox message %d: %w", id, err)
	}
	return nil
}

// InsertAlert stores a fired alert unless its dedupe key is already
// stored; created says whether this call stored it (and so owns its
// delivery).
func (s *Store) InsertAlert(ctx context.Context, a *AlertRecord) (created bool, err error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "dedupe_key"}},
		DoNothing: true,
	}).Create(a)
	if res.Error != nil {
		return false, fmt.Errorf("insert alert %s: %w", a.DedupeKey, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Alert loads one alert by id (ErrNotFound when absent).
func (s *Store) Alert(ctx context.Context, id uint) (AlertRecord, error) {
	var a AlertRecord
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			err = ErrNotFound
		}
		return AlertRecord{}, fmt.Errorf("alert %d: %w", id, err)
	}
	return a, nil
}

// Alerts lists alerts fired on days from..to (inclusive), oldest first.
func (s *Store) Alerts(ctx context.Context, from, to time.Time) ([]AlertRecord, error) {
	var out []AlertRecord
	err := s.db.WithContext(ctx).Where("day >= ? AND day <= ?", from.Format(DayLayout), to.Format(DayLayout)).
		Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

// AckAlert records who acknowledged an alert; the first acknowledgement wins.
func (s *Store) AckAlert(ctx context.Context, id uint, by string, at time.Time) (AlertRecord, error) {
	err := s.db.WithContext(ctx).Model(&AlertRecord{}).Where("id = ? AND acked_at IS NULL", id).
		Updates(map[string]any{"acked_by": by, "acked_at": at.UTC()}).Error
	if err != nil {
		return AlertRecord{}, fmt.Errorf("acknowledge alert %d: %w", id, err)
	}
	return s.Alert(ctx, id)
}

// SnoozeAlert mutes the alert's account through day until (inclusive).
func (s *Store) SnoozeAlert(ctx context.Context, id uint, by string, until time.Time) (AlertRecord, error) {
	day := until.Format(DayLayout)
	err := s.db.WithContext(ctx).Model(&AlertRecord{}).Where("id = ?", id).
		Updates(map[string]any{"snoozed_by": by, "snoozed_until": day}).Error
	if err != nil {
		return AlertRecord{}, fmt.Errorf("snooze alert %d: %w", id, err)
	}
	return s.Alert(ctx, id)
}

// SnoozedAccounts returns the accounts with an alert snoozed through day or later.
func (s *Store) SnoozedAccounts(ctx context.Context, day time.Time) (map[uint]bool, error) {
	var ids []uint
	err := s.db.WithContext(ctx).Model(&AlertRecord{}).Distinct("account_id").
		Where("snoozed_until >= ?", day.Format(DayLayout)).Pluck("account_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("snoozed accounts: %w", err)
	}
	out := make(map[uint]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
