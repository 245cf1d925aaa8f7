package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// taskSnoozeDays is how far "Snooze 7 days" moves a task: the alerts'
// snooze length (alerts.snooze_days), so one button means one thing.
func (s *Service) taskSnoozeDays() int {
	if d := s.Config.Alerts.SnoozeDays; d > 0 {
		return d
	}
	return 7
}

// taskDone answers "/health tasks done TASK" (the Done button): the task
// is closed, by the caller, and its messages say so.
func (s *Service) taskDone(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	return s.changeTask(ctx, caller, cmd.Task, "close", func(tx *models.Store, t models.Task, now time.Time) (models.Task, models.TaskEvent, error) {
		t, err := tx.CloseTask(ctx, t.ID, recordedBy(caller), now)
		return t, models.TaskEvent{Kind: models.EventDone}, err
	}, func(t models.Task) string {
		return fmt.Sprintf("Closed task %d (%s).", t.ID, t.Title)
	})
}

// taskSnooze answers "/health tasks snooze TASK": due in a week at the
// earliest, and out of "your day" until then.
func (s *Service) taskSnooze(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	until := s.today().AddDate(0, 0, s.taskSnoozeDays())
	return s.changeTask(ctx, caller, cmd.Task, "snooze", func(tx *models.Store, t models.Task, now time.Time) (models.Task, models.TaskEvent, error) {
		due := until
		if d, ok := storedDay(t.DueOn); ok && d.After(due) {
			due = d
		}
		t, err := tx.SnoozeTask(ctx, t.ID, until, due, now)
		return t, models.TaskEvent{Kind: models.EventSnoozed, Detail: "until " + until.Format(models.DayLayout) + ", due " + due.Format(models.DayLayout)}, err
	}, func(t models.Task) string {
		return fmt.Sprintf("Snoozed task %d (%s) until %s: %s.", t.ID, t.Title, fmtDay(until.Format(models.DayLayout)), dueText(t, s.today()))
	})
}

// taskReassign answers "/health tasks reassign TASK [HANDLE|@user]": the
// task goes to another CSM, who gets its message; without a new owner it
// asks for one.
func (s *Service) taskReassign(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	if cmd.Handle == "" && cmd.User == "" {
		return s.reassignForm(ctx, cmd.Task)
	}
	handle := cmd.Handle
	if cmd.User != "" {
		csm, err := s.Store.CSMByChatUser(ctx, caller.Platform, cmd.User)
		if errors.Is(err, models.ErrNotFound) {
			return userError(fmt.Sprintf("%s is not mapped to a CSM, so I cannot tell whose task it becomes. They can say which CSM they are with /health iam HANDLE. Nothing was changed.",
				userLabel(caller.Platform, cmd.User))), nil
		}
		if err != nil {
			return Reply{}, fmt.Errorf("reassign task: %w", err)
		}
		handle = csm.Handle
	}
	csm, err := s.Store.CSMByHandle(ctx, handle)
	if errors.Is(err, models.ErrNotFound) {
		known, herr := s.Store.CSMHandles(ctx)
		if herr != nil {
			return Reply{}, fmt.Errorf("reassign task: %w", herr)
		}
		return userError(fmt.Sprintf("There is no CSM %q. Known CSMs: %s. Nothing was changed.", handle, strings.Join(known, ", "))), nil
	}
	if err != nil {
		return Reply{}, fmt.Errorf("reassign task: %w", err)
	}
	if t, err := s.Store.Task(ctx, cmd.Task); err == nil && t.Open() && t.Owner == csm.Handle {
		return userError(fmt.Sprintf("Task %d (%s) is @%s's already; nothing was changed.", t.ID, t.Title, csm.Handle)), nil
	}
	return s.changeTask(ctx, caller, cmd.Task, "reassign", func(tx *models.Store, t models.Task, now time.Time) (models.Task, models.TaskEvent, error) {
		from := t.Owner
		t, err := tx.ReassignTask(ctx, t.ID, csm.Handle, now)
		return t, models.TaskEvent{Kind: models.EventReassigned, Detail: handleLabel(from) + " → " + handleLabel(csm.Handle)}, err
	}, func(t models.Task) string {
		return fmt.Sprintf("Task %d (%s) is now @%s's; they have been sent it.", t.ID, t.Title, csm.Handle)
	})
}

// reassignForm asks for a task's new owner, offering the CSMs by handle.
func (s *Service) reassignForm(ctx context.Context, id uint) (Reply, error) {
	t, err := s.Store.Task(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return userError(noTask(id)), nil
	}
	if err != nil {
		return Reply{}, fmt.Errorf("reassign task: %w", err)
	}
	if !t.Open() {
		return userError(closedTask(t)), nil
	}
	acc, err := s.Store.Account(ctx, t.AccountID)
	if err != nil {
		return Reply{}, fmt.Errorf("reassign task: %w", err)
	}
	handles, err := s.Store.CSMHandles(ctx)
	if err != nil {
		return Reply{}, fmt.Errorf("reassign task: %w", err)
	}
	field := FormField{Name: "handle", Label: "New owner", Required: true, MaxLength: 64, Placeholder: "a CSM handle"}
	if len(handles) > 0 && len(handles) <= maxFormOptions {
		field.Kind = FieldSelect
		for _, h := range handles {
			if h != t.Owner {
				field.Options = append(field.Options, Option{Value: h, Label: h})
			}
		}
	} else {
		field.Kind = FieldText
	}
	return Reply{
		Ephemeral: true,
		Text:      fmt.Sprintf("Who should own task %d (%s)? Pick a CSM, or type it: /health tasks reassign %d HANDLE", t.ID, t.Title, t.ID),
		Form: &Form{ID: FormReassign, Title: "Reassign task " + strconv.FormatUint(uint64(t.ID), 10), Submit: "Reassign", Account: acc.Slug,
			Hidden: map[string]string{"task": strconv.FormatUint(uint64(t.ID), 10)}, Fields: []FormField{field}},
	}, nil
}

// maxFormOptions is the most choices a form's select offers (Slack's
// static select takes 100); more CSMs than that are typed.
const maxFormOptions = 100

// changeTask is the flow of a person's change to a task: under a
// transaction, change the open task, record who did what in its history
// and the audit trail, and bring the task's messages up to date; then
// confirm. A closed or unknown task is a sentence, not an
// error.
func (s *Service) changeTask(ctx context.Context, caller Caller, id uint, op string,
	change func(tx *models.Store, t models.Task, now time.Time) (models.Task, models.TaskEvent, error),
	confirm func(t models.Task) string) (Reply, error) {
	if id == 0 {
		return userError("Which task? Give its number, e.g. /health tasks done 12 (/health tasks lists them)."), nil
	}
	now, day := s.now(), s.today()
	var done models.Task
	err := s.Store.WithTx(ctx, func(tx *models.Store) error {
		t, err := tx.Task(ctx, id)
		if err != nil {
			return err
		}
		before := t
		t, ev, err := change(tx, t, now)
		done = t
		if err != nil {
			return err
		}
		ev.TaskID, ev.Day, ev.At, ev.By, ev.ByID = t.ID, day.Format(models.DayLayout), now, recordedBy(caller), recordedByID(caller)
		if _, err := tx.InsertTaskEvents(ctx, []models.TaskEvent{ev}); err != nil {
			return err
		}
		if err := tx.Audit(ctx, models.TaskAudit(now, actorOf(caller), t.ID, t.Play, t.AccountID, taskChanges(before, t)...)); err != nil {
			return err
		}
		return s.syncTask(ctx, tx, day, t)
	})
	switch {
	case errors.Is(err, models.ErrNotFound):
		return userError(noTask(id)), nil
	case errors.Is(err, models.ErrTaskClosed):
		return userError(closedTask(done)), nil
	case err != nil:
		return Reply{}, fmt.Errorf("%s task %d: %w", op, id, err)
	}
	return Reply{Colour: "green", Text: confirm(done)}, nil
}

// syncTask brings one task's messages up to date after a person changed
// it, showing its account as of its latest snapshot.
func (s *Service) syncTask(ctx context.Context, tx *models.Store, day time.Time, t models.Task) error {
	if s.Planner == nil {
		return nil
	}
	acc, err := tx.Account(ctx, t.AccountID)
	if err != nil {
		return err
	}
	an := accountNow{acc: acc}
	prev, err := tx.PreviousSnapshots(ctx, day.AddDate(0, 0, 1), []uint{acc.ID})
	if err != nil {
		return err
	}
	if p, ok := prev[acc.ID]; ok {
		an.known, an.score, an.status = p.Known, p.Score, scoring.Status(p.Status)
	}
	return s.Planner.syncMessages(ctx, tx, day, []uint{t.ID}, map[uint]accountNow{acc.ID: an})
}

func noTask(id uint) string {
	return fmt.Sprintf("There is no task %d. /health tasks lists the open ones.", id)
}

func closedTask(t models.Task) string {
	if t.ClosedAt == nil {
		return fmt.Sprintf("Task %d is closed.", t.ID)
	}
	return fmt.Sprintf("Task %d (%s) was closed by %s on %s; nothing was changed.", t.ID, t.Title, t.ClosedBy, t.ClosedAt.UTC().Format(models.DayLayout))
}

// sortTasks orders tasks soonest due first, then by number.
func sortTasks(ts []models.Task) {
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].DueOn != ts[j].DueOn {
			return ts[i].DueOn < ts[j].DueOn
		}
		return ts[i].ID < ts[j].ID
	})
}

// taskChanges lists what a person's change did to a task, for the audit
// trail: its status, owner, due day and snooze.
func taskChanges(before, after models.Task) []models.Change {
	var out []models.Change
	status := func(t models.Task) string {
		if t.Open() {
			return "open"
		}
		return "done"
	}
	day := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for _, c := range []models.Change{
		{Field: "status", Old: status(before), New: status(after)},
		{Field: "owner", Old: before.Owner, New: after.Owner},
		{Field: "due", Old: before.DueOn, New: after.DueOn},
		{Field: "snoozed until", Old: day(before.SnoozedUntil), New: day(after.SnoozedUntil)},
	} {
		if c.Old != c.New {
			out = append(out, c)
		}
	}
	return out
}
