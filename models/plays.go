package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"gorm.io/gorm"
)

// TaskModels lists the records of plays: tasks, their history and the
// state triggers' memory (AllModels includes them).
var TaskModels = []any{&Task{}, &TaskEvent{}, &TriggerStateRow{}}

// openTask is the condition of an open task, and the predicate of the
// partial unique index that allows one open task per (account, play).
const openTask = "closed_at IS NULL"

// Task is work a play opened on an account, owned by a CSM. At most one
// task per (account, play) is open at a time: the partial unique index
// task_open holds on both databases, so two transactions that both
// decide to open it store one, and the later trigger updates it.
type Task struct {
	ID        uint   `gorm:"primaryKey"`
	AccountID uint   `gorm:"not null;index;uniqueIndex:task_open,where:closed_at IS NULL"`
	Play      string `gorm:"size:64;not null;uniqueIndex:task_open,where:closed_at IS NULL"`
	Title     string `gorm:"size:256;not null"`
	Steps     string `gorm:"type:text"`      // the play's steps when it opened, one a line
	Owner     string `gorm:"size:128;index"` // CSM handle; "" when the account had none
	OpenedOn  string `gorm:"size:10;not null"`
	DueOn     string `gorm:"size:10;not null;index"`
	// EscalateAfter is how many days overdue the task is escalated; 0
	// never. EscalatedOn is the day it was, nil until then.
	EscalateAfter int     `gorm:"not null;default:0"`
	EscalatedOn   *string `gorm:"size:10"`
	SnoozedUntil  *string `gorm:"size:10"`            // left out of "your day" through this day
	Triggers      int     `gorm:"not null;default:1"` // triggers that opened or updated it
	LastTrigger   string  `gorm:"size:32;not null"`
	ClosedAt      *time.Time
	ClosedBy      string `gorm:"size:128"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Open reports whether the task is still open.
func (t Task) Open() bool { return t.ClosedAt == nil }

// StepList is the task's steps as a list.
func (t Task) StepList() []string {
	if t.Steps == "" {
		return nil
	}
	return strings.Split(t.Steps, "\n")
}

// EscalateOn is the day the task is escalated if still open, and false
// when it never is.
func (t Task) EscalateOn() (string, bool) {
	if t.EscalateAfter <= 0 {
		return "", false
	}
	due, err := time.Parse(DayLayout, t.DueOn)
	if err != nil {
		return "", false
	}
	return due.AddDate(0, 0, t.EscalateAfter).Format(DayLayout), true
}

// Task event kinds: what happened to a task, in its history.
const (
	EventOpened     = "opened"     // a trigger opened it
	EventTriggered  = "triggered"  // another trigger fired while it was open
	EventSnoozed    = "snoozed"    // someone snoozed it
	EventReassigned = "reassigned" // someone gave it to another CSM
	EventDone       = "done"       // someone closed it
	EventEscalated  = "escalated"  // overdue: the manager or the channel was told
)

// TaskEvent is one line of a task's history. Key is the dedupe key of the
// trigger behind it (the alert's or state trigger's key and the play), so
// a trigger seen by two replicas or a re-run is recorded once; people's
// actions have none.
type TaskEvent struct {
	ID      uint    `gorm:"primaryKey"`
	TaskID  uint    `gorm:"not null;index"`
	Kind    string  `gorm:"size:16;not null"`
	Trigger string  `gorm:"size:32"`
	Key     *string `gorm:"size:160;uniqueIndex"`
	Day     string  `gorm:"size:10;not null"`
	Detail  string  `gorm:"size:500"` // "score 42 → 35", "until 2025-03-10", "maria → lee"
	By      string  `gorm:"size:128"`
	ByID    string  `gorm:"size:160"`
	At      time.Time
}

// TriggerStateRow is the memory of one (account, state trigger)
// (scoring.TriggerState). Accounts whose triggers never fired have no
// row: the zero state is armed.
type TriggerStateRow struct {
	AccountID uint   `gorm:"primaryKey;autoIncrement:false"`
	Trigger   string `gorm:"primaryKey;size:32"`
	Fired     bool   `gorm:"not null;default:false"`
	Arming    int    `gorm:"not null;default:0"`
	UpdatedAt time.Time
}

// TableName names the table "trigger_states".
func (TriggerStateRow) TableName() string { return "trigger_states" }

// Task loads one task by id (ErrNotFound when absent).
func (s *Store) Task(ctx context.Context, id uint) (Task, error) {
	var t Task
	if err := s.orm(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return Task{}, fmt.Errorf("task %d: %w", id, notFound(err))
	}
	return t, nil
}

// TaskEvents lists a task's history, oldest first.
func (s *Store) TaskEvents(ctx context.Context, taskID uint) ([]TaskEvent, error) {
	var out []TaskEvent
	if err := s.orm(ctx).Where("task_id = ?", taskID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("task %d history: %w", taskID, err)
	}
	return out, nil
}

// OpenTasks lists the open tasks, soonest due first: every one, or those
// of one owner.
func (s *Store) OpenTasks(ctx context.Context, owner *string) ([]Task, error) {
	q := s.orm(ctx).Where(openTask)
	if owner != nil {
		q = q.Where("owner = ?", *owner)
	}
	var out []Task
	if err := q.Order("due_on, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("open tasks: %w", err)
	}
	return out, nil
}

// OpenTasksOf lists the open tasks of the given accounts (every open
// task when there are more than a thousand ids, filtered here), by id.
func (s *Store) OpenTasksOf(ctx context.Context, accountIDs []uint) ([]Task, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	q, want := ofAccounts(s.orm(ctx).Where(openTask), accountIDs)
	var rows []Task
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("open tasks of accounts: %w", err)
	}
	if want == nil {
		return rows, nil
	}
	out := rows[:0]
	for _, t := range rows {
		if want[t.AccountID] {
			out = append(out, t)
		}
	}
	return out, nil
}

// ofAccounts restricts q to the rows of the given accounts: by their ids
// up to a thousand, else not at all, returning the set the caller keeps
// (a rescore of every account reads the whole table once rather than
// binding ten thousand ids).
func ofAccounts(q *gorm.DB, accountIDs []uint) (*gorm.DB, map[uint]bool) {
	if len(accountIDs) <= maxProbedIDs {
		return q.Where("account_id IN ?", accountIDs), nil
	}
	want := make(map[uint]bool, len(accountIDs))
	for _, id := range accountIDs {
		want[id] = true
	}
	return q, want
}

// TaskEventKeys reports which of keys are already in some task's history.
func (s *Store) TaskEventKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := inParts(keys, maxProbedIDs, func(part []string) error {
		var found []string
		if err := s.orm(ctx).Model(&TaskEvent{}).Where("key IN ?", part).Pluck("key", &found).Error; err != nil {
			return fmt.Errorf("task event keys: %w", err)
		}
		for _, k := range found {
			out[k] = true
		}
		return nil
	})
	return out, err
}

// TaskPair names a task by its account and play.
type TaskPair struct {
	AccountID uint
	Play      string
}

// InsertTasks opens tasks, one statement per thousand, skipping those
// whose (account, play) has an open task already (stored by another
// transaction meanwhile); it returns the ids of the ones it stored.
func (s *Store) InsertTasks(ctx context.Context, tasks []Task, now time.Time) (map[TaskPair]uint, error) {
	out := make(map[TaskPair]uint, len(tasks))
	err := inParts(tasks, alertBatch, func(part []Task) error {
		args := make([]any, 0, 12*len(part))
		for _, t := range part {
			args = append(args, t.AccountID, t.Play, t.Title, t.Steps, t.Owner, t.OpenedOn, t.DueOn, t.EscalateAfter,
				max(t.Triggers, 1), t.LastTrigger, now.UTC(), now.UTC())
		}
		// The conflict target names the partial index by its columns and
		// predicate, which both databases require to use it.
		q := `INSERT INTO tasks (account_id, play, title, steps, owner, opened_on, due_on, escalate_after, triggers, last_trigger, created_at, updated_at) VALUES ` +
			placeholders(len(part), 12) + ` ON CONFLICT (account_id, play) WHERE ` + openTask + ` DO NOTHING RETURNING id, account_id, play`
		var rows []struct {
			ID        uint
			AccountID uint
			Play      string
		}
		if err := scanReturning(s.orm(ctx), &rows, q, args...); err != nil {
			return fmt.Errorf("open %d tasks: %w", len(part), err)
		}
		for _, r := range rows {
			out[TaskPair{r.AccountID, r.Play}] = r.ID
		}
		return nil
	})
	return out, err
}

// InsertTaskEvents stores history lines, one statement per thousand; a
// line whose Key is stored already is skipped. It returns the keys it
// stored (lines without a key are always stored).
func (s *Store) InsertTaskEvents(ctx context.Context, events []TaskEvent) (map[string]bool, error) {
	out := map[string]bool{}
	err := inParts(events, alertBatch, func(part []TaskEvent) error {
		args := make([]any, 0, 9*len(part))
		for _, e := range part {
			args = append(args, e.TaskID, e.Kind, e.Trigger, e.Key, e.Day, truncate(e.Detail, 500), e.By, e.ByID, e.At.UTC())
		}
		q := `INSERT INTO task_events (task_id, kind, trigger, key, day, detail, by, by_id, at) VALUES ` +
			placeholders(len(part), 9) + ` ON CONFLICT (key) DO NOTHING RETURNING key`
		var rows []struct{ Key *string }
		if err := scanReturning(s.orm(ctx), &rows, q, args...); err != nil {
			return fmt.Errorf("record %d task events: %w", len(part), err)
		}
		for _, r := range rows {
			if r.Key != nil {
				out[*r.Key] = true
			}
		}
		return nil
	})
	return out, err
}

// TaskRetrigger is a trigger that fired again on an open task.
type TaskRetrigger struct {
	TaskID  uint
	Trigger string
	DueOn   string // the task's due day after it: the earlier of its own and the play's from today
	Count   int    // how many triggers fired on it in this call
}

// RetriggerTasks records, in one statement per thousand, that triggers
// fired again on open tasks: their count, the last trigger, and the due
// day (never later than it was).
func (s *Store) RetriggerTasks(ctx context.Context, rs []TaskRetrigger, now time.Time) error {
	return inParts(rs, alertBatch, func(part []TaskRetrigger) error {
		args := make([]any, 0, 1+4*len(part))
		for _, r := range part {
			args = append(args, r.TaskID, max(r.Count, 1), r.Trigger, r.DueOn)
		}
		args = append(args, now.UTC())
		// A named CTE of VALUES, since SQLite cannot name the columns of
		// VALUES in FROM; both databases take UPDATE … FROM.
		q := `WITH v(id, n, trig, due) AS (VALUES ` + typedRows(len(part), "BIGINT", "BIGINT", "TEXT", "TEXT") + `)
			UPDATE tasks SET triggers = tasks.triggers + v.n, last_trigger = v.trig,
			due_on = CASE WHEN v.due < tasks.due_on THEN v.due ELSE tasks.due_on END, updated_at = ?
			FROM v WHERE tasks.id = v.id AND tasks.` + openTask
		if err := s.orm(ctx).Exec(q, args...).Error; err != nil {
			return fmt.Errorf("update %d retriggered tasks: %w", len(part), err)
		}
		return nil
	})
}

// TasksToEscalate lists the open tasks of the given accounts (every
// account's with more than a thousand ids) that escalate on day or
// before and have not been escalated yet.
func (s *Store) TasksToEscalate(ctx context.Context, day time.Time, accountIDs []uint) ([]Task, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	q, want := ofAccounts(s.orm(ctx).Where(openTask+" AND escalated_on IS NULL AND escalate_after > 0 AND due_on < ?", dayKey(day)), accountIDs)
	var rows []Task
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("tasks to escalate: %w", err)
	}
	var out []Task
	for _, t := range rows {
		if on, ok := t.EscalateOn(); ok && on <= dayKey(day) && (want == nil || want[t.AccountID]) {
			out = append(out, t)
		}
	}
	return out, nil
}

// MarkEscalated records that tasks were escalated on day and returns the
// ids this call marked: a task another transaction marked first is left
// out, so its escalation is sent once.
func (s *Store) MarkEscalated(ctx context.Context, ids []uint, day time.Time) (map[uint]bool, error) {
	out := map[uint]bool{}
	err := inParts(ids, maxProbedIDs, func(part []uint) error {
		var marked []uint
		err := s.orm(ctx).Raw(`UPDATE tasks SET escalated_on = ? WHERE id IN ? AND escalated_on IS NULL AND `+openTask+` RETURNING id`,
			dayKey(day), part).Scan(&marked).Error
		if err != nil {
			return fmt.Errorf("mark tasks escalated: %w", err)
		}
		for _, id := range marked {
			out[id] = true
		}
		return nil
	})
	return out, err
}

// ErrTaskClosed is returned by task changes on a task already closed.
var ErrTaskClosed = errors.New("task is closed")

// CloseTask marks an open task done by who; ErrTaskClosed when it was
// closed already (the first close wins).
func (s *Store) CloseTask(ctx context.Context, id uint, by string, at time.Time) (Task, error) {
	return s.changeTask(ctx, id, map[string]any{"closed_at": at.UTC(), "closed_by": by, "updated_at": at.UTC()})
}

// SnoozeTask moves an open task's due day to due and keeps it out of
// "your day" through until.
func (s *Store) SnoozeTask(ctx context.Context, id uint, until, due time.Time, at time.Time) (Task, error) {
	return s.changeTask(ctx, id, map[string]any{"snoozed_until": dayKey(until), "due_on": dayKey(due), "updated_at": at.UTC()})
}

// ReassignTask gives an open task to the CSM with handle owner.
func (s *Store) ReassignTask(ctx context.Context, id uint, owner string, at time.Time) (Task, error) {
	return s.changeTask(ctx, id, map[string]any{"owner": owner, "updated_at": at.UTC()})
}

func (s *Store) changeTask(ctx context.Context, id uint, fields map[string]any) (Task, error) {
	res := s.orm(ctx).Model(&Task{}).Where("id = ? AND "+openTask, id).Updates(fields)
	if res.Error != nil {
		return Task{}, fmt.Errorf("change task %d: %w", id, res.Error)
	}
	t, err := s.Task(ctx, id)
	if err != nil {
		return Task{}, err
	}
	if res.RowsAffected == 0 {
		return t, fmt.Errorf("change task %d: %w", id, ErrTaskClosed)
	}
	return t, nil
}

// TriggerStates loads the state triggers' memory of the given accounts
// (the whole table, filtered here, for more than a thousand ids).
func (s *Store) TriggerStates(ctx context.Context, accountIDs []uint) (map[uint]map[string]scoring.TriggerState, error) {
	out := map[uint]map[string]scoring.TriggerState{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	q, want := ofAccounts(s.orm(ctx).Model(&TriggerStateRow{}), accountIDs)
	var rows []TriggerStateRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("trigger states: %w", err)
	}
	for _, r := range rows {
		if want != nil && !want[r.AccountID] {
			continue
		}
		if out[r.AccountID] == nil {
			out[r.AccountID] = map[string]scoring.TriggerState{}
		}
		out[r.AccountID][r.Trigger] = scoring.TriggerState{Fired: r.Fired, Arming: r.Arming}
	}
	return out, nil
}

// SaveTriggerStates upserts state triggers' memory, one statement per
// thousand rows.
func (s *Store) SaveTriggerStates(ctx context.Context, states map[uint]map[string]scoring.TriggerState, now time.Time) error {
	var rows []TriggerStateRow
	for id, m := range states {
		for trig, st := range m {
			rows = append(rows, TriggerStateRow{AccountID: id, Trigger: trig, Fired: st.Fired, Arming: st.Arming, UpdatedAt: now.UTC()})
		}
	}
	return inParts(rows, alertBatch, func(part []TriggerStateRow) error {
		args := make([]any, 0, 5*len(part))
		for _, r := range part {
			args = append(args, r.AccountID, r.Trigger, r.Fired, r.Arming, r.UpdatedAt)
		}
		q := `INSERT INTO trigger_states (account_id, trigger, fired, arming, updated_at) VALUES ` + placeholders(len(part), 5) +
			` ON CONFLICT (account_id, trigger) DO UPDATE SET fired = excluded.fired, arming = excluded.arming, updated_at = excluded.updated_at`
		if err := s.orm(ctx).Exec(q, args...).Error; err != nil {
			return fmt.Errorf("save %d trigger states: %w", len(part), err)
		}
		return nil
	})
}

// RequeueMessages replaces the payloads of queued or delivered outbox
// messages (by id) and makes them due now, one statement per thousand:
// a delivered one is then updated in place through its Ref, a pending one
// is posted with the new content. A message that failed for good is left
// alone.
func (s *Store) RequeueMessages(ctx context.Context, payloads map[uint]string, now time.Time) error {
	ids := make([]uint, 0, len(payloads))
	for id := range payloads {
		ids = append(ids, id)
	}
	return inParts(ids, alertBatch, func(part []uint) error {
		args := make([]any, 0, 2*len(part)+4)
		for _, id := range part {
			args = append(args, id, payloads[id])
		}
		args = append(args, OutboxPending, now.UTC(), OutboxPending, OutboxSent)
		q := `WITH v(id, payload) AS (VALUES ` + typedRows(len(part), "BIGINT", "TEXT") + `)
			UPDATE outbox SET payload = v.payload, status = ?, next_attempt_at = ? FROM v
			WHERE outbox.id = v.id AND outbox.status IN (?, ?)`
		if err := s.orm(ctx).Exec(q, args...).Error; err != nil {
			return fmt.Errorf("requeue %d outbox messages: %w", len(part), err)
		}
		return nil
	})
}

// TakeInbox hands over the pending messages queued for one channel of a
// platform that delivers them itself (the console shows a user's direct
// messages between commands), marking them sent, oldest first.
func (s *Store) TakeInbox(ctx context.Context, platform, channel string, now time.Time) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := s.orm(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("platform = ? AND channel = ? AND status = ?", platform, channel, OutboxPending).Order("id").Find(&out).Error; err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]uint, len(out))
		for i, m := range out {
			ids[i] = m.ID
		}
		return tx.Model(&OutboxMessage{}).Where("id IN ? AND status = ?", ids, OutboxPending).
			Updates(map[string]any{"status": OutboxSent, "sent_at": now.UTC(), "ref": "inbox"}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("take %s inbox of %s: %w", platform, channel, err)
	}
	return out, nil
}

// TasksByID loads tasks by id, in id order.
func (s *Store) TasksByID(ctx context.Context, ids []uint) ([]Task, error) {
	return findIn[Task](ctx, s, ids, "id IN ?", "tasks by id")
}

// TaskHistories loads the history of several tasks, by task, oldest first.
func (s *Store) TaskHistories(ctx context.Context, taskIDs []uint) (map[uint][]TaskEvent, error) {
	rows, err := findIn[TaskEvent](ctx, s, taskIDs, "task_id IN ?", "task histories")
	out := map[uint][]TaskEvent{}
	for _, e := range rows {
		out[e.TaskID] = append(out[e.TaskID], e)
	}
	return out, err
}

// TaskMessagesOf lists the outbox messages of a kind of several tasks, by
// task, oldest first.
func (s *Store) TaskMessagesOf(ctx context.Context, taskIDs []uint, kind string) (map[uint][]OutboxMessage, error) {
	rows, err := findIn[OutboxMessage](ctx, s, taskIDs, "task_id IN ? AND kind = ?", "task messages", kind)
	out := map[uint][]OutboxMessage{}
	for _, m := range rows {
		out[*m.TaskID] = append(out[*m.TaskID], m)
	}
	return out, err
}

// inParts calls fn with items n at a time: every item of a part is a
// bound parameter of one statement, and both databases bound their count.
func inParts[T any](items []T, n int, fn func(part []T) error) error {
	for len(items) > 0 {
		part := items[:min(n, len(items))]
		items = items[len(part):]
		if err := fn(part); err != nil {
			return err
		}
	}
	return nil
}

// placeholders is the VALUES list of rows rows of cols parameters each:
// "(?,?),(?,?)".
func placeholders(rows, cols int) string {
	row := "(" + strings.Repeat("?,", cols-1) + "?)"
	return strings.Repeat(row+",", rows-1) + row
}

// typedRows is placeholders with each column cast to its type, which
// PostgreSQL needs to type a VALUES list of parameters:
// "(CAST(? AS BIGINT), CAST(? AS TEXT)),…".
func typedRows(rows int, types ...string) string {
	cols := make([]string, len(types))
	for i, t := range types {
		cols[i] = "CAST(? AS " + t + ")"
	}
	row := "(" + strings.Join(cols, ", ") + ")"
	return strings.Repeat(row+",", rows-1) + row
}

// findIn loads the rows of T whose column is in ids (the where clause
// binds them first, then args), a thousand ids a statement, in id order.
func findIn[T any](ctx context.Context, s *Store, ids []uint, where, op string, args ...any) ([]T, error) {
	var out []T
	err := inParts(ids, maxProbedIDs, func(part []uint) error {
		var rows []T
		if err := s.orm(ctx).Where(where, append([]any{part}, args...)...).Order("id").Find(&rows).Error; err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, rows...)
		return nil
	})
	return out, err
}
