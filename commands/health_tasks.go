package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// tasksWithButtons is how many tasks of a list get their own buttons:
// four each, and Discord draws at most 25 buttons under a message; the
// rest are listed with the command that acts on them.
const tasksWithButtons = 5

// tasksListed bounds the tasks a list names; the rest are counted.
const tasksListed = 25

// tasksList answers "/health tasks [mine|all|overdue]": open tasks,
// soonest due first, the first few with their buttons. The bare form is
// the caller's own tasks, everyone's when they own none.
func (s *Service) tasksList(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	day := s.today()
	var (
		owner *string
		title string
		why   string
	)
	if cmd.Action == "" {
		csm, err := s.Store.CSMByChatUser(ctx, caller.Platform, caller.UserID)
		switch {
		case err == nil:
			owner, title = &csm.Handle, fmt.Sprintf("Your open tasks (%s)", csm.Handle)
		case errors.Is(err, models.ErrNotFound):
			why = "You are not mapped to a CSM here (/health iam HANDLE), so these are everyone's tasks."
		default:
			return Reply{}, fmt.Errorf("tasks: %w", err)
		}
	}
	tasks, err := s.Store.OpenTasks(ctx, owner)
	if err != nil {
		return Reply{}, fmt.Errorf("tasks: %w", err)
	}
	if owner != nil && len(tasks) == 0 {
		why = fmt.Sprintf("You (%s) have no open task, so these are everyone's.", *owner)
		if tasks, err = s.Store.OpenTasks(ctx, nil); err != nil {
			return Reply{}, fmt.Errorf("tasks: %w", err)
		}
		owner = nil
	}
	if owner == nil {
		title = "Open tasks"
	}
	if cmd.Action == TasksOverdue {
		title = "Overdue tasks"
		tasks = overdue(tasks, day)
	}
	view, err := s.taskView(ctx, day, tasks)
	if err != nil {
		return Reply{}, fmt.Errorf("tasks: %w", err)
	}
	r := Reply{Ephemeral: true, Colour: "grey", Title: fmt.Sprintf("%s: %d", title, len(view.tasks))}
	lead := []string{dueCounts(view.tasks, day)}
	if why != "" {
		lead = append([]string{why}, lead...)
	}
	if len(view.tasks) == 0 {
		none := "Nothing to do: no task is open."
		if cmd.Action == TasksOverdue {
			none = "Nothing is overdue."
		}
		lead = []string{none}
		if why != "" {
			lead = append([]string{why}, lead...)
		}
	}
	r.Text = strings.Join(lead, "\n")
	r.Sections = view.sections(day, owner == nil)
	return r, nil
}

// overdue keeps the tasks past their due day.
func overdue(tasks []models.Task, day time.Time) []models.Task {
	var out []models.Task
	for _, t := range tasks {
		if t.DueOn < day.Format(models.DayLayout) {
			out = append(out, t)
		}
	}
	return out
}

// dueCounts is "1 overdue · 1 due today · 2 later".
func dueCounts(tasks []models.Task, day time.Time) string {
	today := day.Format(models.DayLayout)
	var late, now, later int
	for _, t := range tasks {
		switch {
		case t.DueOn < today:
			late++
		case t.DueOn == today:
			now++
		default:
			later++
		}
	}
	return fmt.Sprintf("%d overdue · %d due today · %d later", late, now, later)
}

// taskView is tasks with what their lines show of their accounts.
type taskView struct {
	tasks    []models.Task
	accounts map[uint]accountNow
}

// taskView loads the accounts of tasks and their latest scores (two
// queries), leaving out tasks of accounts no longer active.
func (s *Service) taskView(ctx context.Context, day time.Time, tasks []models.Task) (taskView, error) {
	v := taskView{accounts: map[uint]accountNow{}}
	if len(tasks) == 0 {
		return v, nil
	}
	accounts, err := s.Store.ActiveAccounts(ctx, day)
	if err != nil {
		return v, err
	}
	want := map[uint]bool{}
	for _, t := range tasks {
		want[t.AccountID] = true
	}
	var ids []uint
	for _, a := range accounts {
		if want[a.ID] {
			v.accounts[a.ID] = accountNow{acc: a}
			ids = append(ids, a.ID)
		}
	}
	snaps, err := s.Store.PreviousSnapshots(ctx, day.AddDate(0, 0, 1), ids)
	if err != nil {
		return v, err
	}
	for id, sn := range snaps {
		an := v.accounts[id]
		an.known, an.score, an.status = sn.Known, sn.Score, scoring.Status(sn.Status)
		v.accounts[id] = an
	}
	for _, t := range tasks {
		if _, ok := v.accounts[t.AccountID]; ok {
			v.tasks = append(v.tasks, t)
		}
	}
	sortTasks(v.tasks)
	return v, nil
}

// sections shows the first tasks one section each with their buttons,
// then the rest one line each, up to tasksListed, then how many more.
func (v taskView) sections(day time.Time, showOwner bool) []Section {
	var out []Section
	var rest []string
	for i, t := range v.tasks {
		an := v.accounts[t.AccountID]
		line := fmt.Sprintf("%s — %s · %s · play %s", an.acc.Name, an.label(), dueText(t, day), t.Play)
		if showOwner {
			line += " · " + handleLabel(t.Owner)
		}
		if t.SnoozedUntil != nil && *t.SnoozedUntil >= day.Format(models.DayLayout) {
			line += " · snoozed until " + fmtDay(*t.SnoozedUntil)
		}
		switch {
		case i < tasksWithButtons:
			out = append(out, Section{Title: fmt.Sprintf("#%d %s", t.ID, t.Title), Text: line, Buttons: taskButtons(t, an.acc, true)})
		case i < tasksListed:
			rest = append(rest, fmt.Sprintf("#%d %s: %s", t.ID, t.Title, line))
		}
	}
	if n := len(v.tasks) - tasksListed; n > 0 {
		rest = append(rest, fmt.Sprintf("…and %d more", n))
	}
	if len(rest) > 0 {
		out = append(out, Section{Title: "More tasks (act on one with /health tasks done|snooze|reassign TASK)", Text: strings.Join(rest, "\n")})
	}
	return out
}

// parseTasksMine reads the bare "/health tasks [mine]".
func parseTasksMine(_ *Command, in typed) error {
	if len(in.rest) == 0 || len(in.rest) == 1 && strings.EqualFold(in.rest[0].text, "mine") && !in.rest[0].quoted {
		return nil
	}
	return inputErrorf("/health tasks takes mine, all or overdue (or nothing for yours); to act on a task: /health tasks done|snooze|reassign TASK. For an account whose name starts with \"tasks\", quote it: /health \"%s\".", joinTokens(in.args))
}

// parseTaskID reads "/health tasks done|snooze TASK".
func parseTaskID(cmd *Command, in typed) error {
	if len(in.rest) != 1 {
		return inputError("Give the task's number, e.g. /health tasks done 12 (/health tasks lists them).")
	}
	return readTaskID(cmd, in.rest[0].text)
}

// parseTaskReassign reads "/health tasks reassign TASK [HANDLE|@user]".
func parseTaskReassign(cmd *Command, in typed) error {
	switch len(in.rest) {
	case 1:
		return readTaskID(cmd, in.rest[0].text)
	case 2:
		if err := readTaskID(cmd, in.rest[0].text); err != nil {
			return err
		}
		setOwner(cmd, in.rest[1].text)
		return nil
	}
	return inputError("Give the task's number and its new owner, e.g. /health tasks reassign 12 maria (or @maria).")
}

func readTaskID(cmd *Command, s string) error {
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 10, 32)
	if err != nil || n == 0 {
		return inputErrorf("%q is not a task number: give the number /health tasks shows, e.g. 12.", s)
	}
	cmd.Task = uint(n)
	return nil
}

var taskParam = Param{Name: "task", Type: ParamInteger, Description: "The task's number, as /health tasks shows it", Required: true,
	set: func(c *Command, v any) {
		if f, ok := v.(float64); ok && f > 0 {
			c.Task = uint(f)
		}
	}}
