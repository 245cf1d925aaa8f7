package commands

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// accountNow is what a task's message says of its account today.
type accountNow struct {
	acc    models.Account
	known  bool
	score  int
	status scoring.Status
}

func accountNowOf(sc Scored) accountNow {
	return accountNow{acc: sc.Account, known: sc.Result.Known, score: sc.Result.Score, status: sc.Result.Status}
}

// label is "35 Critical", or "no data".
func (a accountNow) label() string {
	if !a.known {
		return "no data"
	}
	return fmt.Sprintf("%d %s", a.score, a.status)
}

func (a accountNow) colour() string {
	if !a.known {
		return scoring.StatusColour(scoring.NoData)
	}
	return scoring.StatusColour(a.status)
}

// TaskInput is everything a task's message says.
type TaskInput struct {
	Task    models.Task
	History []models.TaskEvent // oldest first
	Account models.Account
	// Known, Score and Status are the account's score today.
	Known    bool
	Score    int
	Status   scoring.Status
	Owner    models.CSM // the owner's CSM row (Handle set even when there is none)
	Platform string
	Day      time.Time
	// Channel says the message is posted in the account's channel because
	// the owner cannot be sent a direct message there.
	Channel bool
}

func (in TaskInput) now() accountNow {
	return accountNow{acc: in.Account, known: in.Known, score: in.Score, status: in.Status}
}

// TaskMessage is a task's message to its owner: what to do on which
// account, why (its triggers), by when, its steps and history, with
// buttons Done, Snooze 7 days, Reassign and Log touch while it is open. It
// is sent when the task opens and edited in place as it changes.
func TaskMessage(in TaskInput) Reply {
	t, now := in.Task, in.now()
	r := Reply{Colour: now.colour(), Title: t.Title}
	var lead []string
	if len(in.History) > 0 {
		lead = append(lead, sentence(fmt.Sprintf("%s is %s: %s", in.Account.Name, now.label(), in.History[0].Detail)))
	} else {
		lead = append(lead, fmt.Sprintf("%s is %s.", in.Account.Name, now.label()))
	}
	switch {
	case !t.Open():
		r.Colour = "grey"
		lead = append(lead, fmt.Sprintf("Done by %s on %s.", t.ClosedBy, t.ClosedAt.In(time.UTC).Format(models.DayLayout)))
	default:
		lead = append(lead, sentence(capitalize(dueText(t, in.Day))))
		if t.SnoozedUntil != nil && *t.SnoozedUntil >= in.Day.Format(models.DayLayout) {
			lead = append(lead, "Snoozed until "+fmtDay(*t.SnoozedUntil)+".")
		}
	}
	if in.Channel {
		lead = append(lead, fmt.Sprintf("Posted here because %s cannot be sent a direct message on this platform (/health iam HANDLE maps a chat user to a CSM).", ownerName(t.Owner)))
	}
	r.Text = strings.Join(lead, "\n")
	if steps := t.StepList(); len(steps) > 0 {
		var b strings.Builder
		for i, s := range steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, s)
		}
		r.Sections = append(r.Sections, Section{Title: "Steps", Text: strings.TrimRight(b.String(), "\n")})
	}
	var f []Field
	if in.Account.MRRCents > 0 {
		f = append(f, Field{Label: "MRR", Value: fmtMoney(in.Account.MRRCents)})
	}
	if in.Account.RenewalOn != nil {
		f = append(f, Field{Label: "Renewal", Value: *in.Account.RenewalOn})
	}
	if len(f) > 0 {
		r.Sections = append(r.Sections, Section{Fields: f})
	}
	if h := historyLines(in.History); h != "" {
		r.Sections = append(r.Sections, Section{Title: "History", Text: h})
	}
	r.Context = append(r.Context, OwnerLine(t.Owner, in.Owner, in.Platform))
	ctx := fmt.Sprintf("Task %d · play %s · opened %s", t.ID, t.Play, fmtDay(t.OpenedOn))
	if on, ok := t.EscalateOn(); ok && t.Open() && t.EscalatedOn == nil {
		ctx += " · sent to the owner's manager if still open on " + fmtDay(on)
	}
	r.Context = append(r.Context, ctx)
	if t.Open() {
		r.Buttons = taskButtons(t, in.Account, false)
	}
	return r
}

// taskButtons are a task's Done, Snooze 7 days, Reassign and Log touch;
// numbered ("Done #12") where several tasks share a message.
func taskButtons(t models.Task, acc models.Account, numbered bool) []Button {
	id := strconv.FormatUint(uint64(t.ID), 10)
	suffix := ""
	if numbered {
		suffix = " #" + id
	}
	tasks := "/" + VerbHealth + " " + HealthTasks + " "
	return []Button{
		{Label: "Done" + suffix, Style: StylePrimary, Action: tasks + TasksDone + " " + id},
		{Label: "Snooze 7 days" + suffix, Action: tasks + TasksSnooze + " " + id},
		{Label: "Reassign" + suffix, Action: tasks + TasksReassign + " " + id},
		{Label: "Log touch" + suffix, Action: "/touch " + acc.Slug},
	}
}

// EscalationMessage tells the owner's manager (or the account's channel)
// that a task is overdue by its play's escalate_after_days.
func EscalationMessage(t models.Task, acc models.Account, now accountNow, platform string, day time.Time) Reply {
	r := Reply{Colour: "red", Title: "Overdue: " + t.Title}
	r.Text = fmt.Sprintf("%s's task on %s (%s) was due %s and is still open: %s overdue.",
		ownerName(t.Owner), acc.Name, now.label(), fmtDay(t.DueOn), countNoun(overdueDays(t, day), "day"))
	var f []Field
	if acc.MRRCents > 0 {
		f = append(f, Field{Label: "MRR", Value: fmtMoney(acc.MRRCents)})
	}
	if acc.RenewalOn != nil {
		f = append(f, Field{Label: "Renewal", Value: *acc.RenewalOn})
	}
	if len(f) > 0 {
		r.Sections = []Section{{Fields: f}}
	}
	r.Context = []string{fmt.Sprintf("Task %d · play %s · opened %s · /health tasks overdue lists every overdue task", t.ID, t.Play, fmtDay(t.OpenedOn))}
	r.Buttons = taskButtons(t, acc, false)
	return r
}

// historyLines is a task's history, a line an event: "Mon 3 Mar: opened
// — the score fell below 40 (48 → 35)".
func historyLines(events []models.TaskEvent) string {
	var lines []string
	for _, e := range events {
		l := fmtDay(e.Day) + ": " + e.Kind
		if e.Trigger != "" && e.Kind != models.EventOpened {
			l += " by " + e.Trigger
		}
		if e.Detail != "" {
			l += " — " + e.Detail
		}
		if e.By != "" {
			l += " (" + e.By + ")"
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// dueText is "due Thu 6 Mar (in 3 days)", "due today" or "overdue by 2
// days (due Thu 6 Mar)".
func dueText(t models.Task, day time.Time) string {
	due, ok := storedDay(t.DueOn)
	if !ok {
		return "due " + t.DueOn
	}
	switch d := dayDiff(day, due); {
	case d > 0:
		return fmt.Sprintf("due %s (in %s)", fmtDay(t.DueOn), countNoun(d, "day"))
	case d == 0:
		return "due today"
	default:
		return fmt.Sprintf("overdue by %s (due %s)", countNoun(-d, "day"), fmtDay(t.DueOn))
	}
}

// fmtDay shows a stored day as "Thu 6 Mar 2025".
func fmtDay(s string) string {
	d, ok := storedDay(s)
	if !ok {
		return s
	}
	return d.Format("Mon 2 Jan 2006")
}

func ownerName(h string) string {
	if h == "" {
		return "The account's owner"
	}
	return "@" + h
}

// sentence ends s with a full stop unless it ends with one already.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func joinLines(items []string) string { return strings.Join(items, "\n") }

// encodeReply is a Reply as an outbox payload.
func encodeReply(r Reply) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode message: %w", err)
	}
	return string(b), nil
}
