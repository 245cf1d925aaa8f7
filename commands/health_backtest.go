package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// healthBacktest answers "/health backtest" (admins): the backtest of the
// health model in use over the default year of weekly evaluation days, in
// words, with its ROC curve and the churn rate of each status as pictures.
func (s *Service) healthBacktest(ctx context.Context, _ Caller, _ Command) (Reply, error) {
	model := s.Model
	if model == nil {
		m := scoring.ModelOf(s.Config)
		model = &m
	}
	run, err := s.Backtest(ctx, model, BacktestOptions{})
	if errors.Is(err, ErrBadBacktest) {
		return Reply{Ephemeral: true, Colour: "grey", Text: err.Error()}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	return BacktestReply(run), nil
}

// BacktestReply is a backtest as a chat answer.
func BacktestReply(run BacktestRun) Reply {
	rep := run.Report
	r := Reply{Colour: "grey", Title: "Backtest: does the health score predict churn?", Text: backtestLead(run)}
	if rep.Samples == 0 {
		return r
	}
	r.Charts = BacktestCharts(rep)
	var st Section
	st.Title = "Churn within " + countNoun(run.Horizon, "day") + ", by status on the day"
	for _, sr := range rep.Statuses {
		st.Fields = append(st.Fields, Field{Label: string(sr.Status), Value: statusRateText(sr)})
	}
	warn := Section{Title: "At-risk or Critical as a churn warning", Fields: []Field{
		{Label: "precision", Value: fmtShare(rep.Precision) + " of warned samples churned"},
		{Label: "recall", Value: fmtShare(rep.Recall) + " of churned samples were warned"},
		{Label: "lead time", Value: leadTimeText(rep)},
	}}
	comps := Section{Title: "Each component alone (AUC)"}
	for _, c := range rep.Components {
		comps.Fields = append(comps.Fields, Field{Label: c.Name, Value: fmt.Sprintf("%s over %d samples", c.AUC, c.Samples)})
	}
	r.Sections = []Section{st, warn, comps}
	r.Context = backtestNotes(run)
	return r
}

// backtestLead is the answer in one paragraph: the span, the samples and the AUC.
func backtestLead(run BacktestRun) string {
	rep := run.Report
	span := "no evaluation day"
	if n := len(run.Days); n > 0 {
		span = fmt.Sprintf("%s, every 7 days from %s to %s", countNoun(n, "evaluation day"),
			run.Days[0].Format(models.DayLayout), run.Days[n-1].Format(models.DayLayout))
	}
	if rep.Samples == 0 {
		return fmt.Sprintf("No account had a score on any of the %s: there is nothing to backtest yet. Load older history (activity, tickets, touches, invoices) or pick other days.", span)
	}
	return fmt.Sprintf("%s. %s of %s, %d labelled churned (the account left within %s). AUC %s: the chance that a sample that churned scored lower than one that stayed (0.50 is a coin flip, 1 is perfect).",
		upperFirst(span), countNoun(rep.Samples, "sample"), countNoun(run.Accounts, "account"), rep.Churned,
		countNoun(run.Horizon, "day"), rep.AUC)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// statusRateText is "25.0% (1 of 4 samples churned)".
func statusRateText(sr scoring.StatusRate) string {
	if sr.Samples == 0 {
		return "no samples"
	}
	return fmt.Sprintf("%s (%d of %s churned)", fmtShare(sr.ChurnRate), sr.Churned, countNoun(sr.Samples, "sample"))
}

// fmtShare is a share as a percentage with one decimal, or "n/a".
func fmtShare(v scoring.Stat) string {
	if !v.Defined() {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", float64(v)*100)
}

// leadTimeText is the median warning lead time and whom it covers.
func leadTimeText(rep scoring.BacktestReport) string {
	if !rep.LeadTimeDays.Defined() {
		return fmt.Sprintf("n/a: none of %s was warned in the horizon before it left", countNoun(rep.ChurnedAccounts, "churned account"))
	}
	return fmt.Sprintf("median %s days from the first warning to the churn, over %d of %s", fmtPts(float64(rep.LeadTimeDays)),
		rep.WarnedAccounts, countNoun(rep.ChurnedAccounts, "churned account"))
}

// backtestNotes say what the point-in-time scores approximate, and what
// was left out.
func backtestNotes(run BacktestRun) []string {
	f := run.Facts
	notes := []string{
		"Scores are recomputed from the stored rows as of each day, not read from snapshots.",
		fmt.Sprintf("Kept without a date, so approximated: a departed sponsor (%s) counts from the day after the last touch with them present; ticket sentiment and escalation, segment, plan and seats are today's; an invoice's status is today's (%s count as failed from their due day, %s never as overdue).",
			countNoun(f.SponsorDeparted, "account"), countNoun(f.FailedInvoices, "failed invoice"), countNoun(f.VoidInvoices, "void invoice")),
	}
	if run.Report.Unknown > 0 {
		notes = append(notes, fmt.Sprintf("%s left out: no component had data on the day.", countNoun(run.Report.Unknown, "sample")))
	}
	return notes
}

// BacktestText is a backtest as plain text lines, for `healthbot backtest`.
func BacktestText(run BacktestRun) string {
	r := BacktestReply(run)
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.Text + "\n")
	for _, sec := range r.Sections {
		b.WriteString("\n" + sec.Title + ":\n")
		width := 0
		for _, f := range sec.Fields {
			width = max(width, len(f.Label))
		}
		for _, f := range sec.Fields {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, f.Label, f.Value)
		}
	}
	if len(r.Context) > 0 {
		b.WriteString("\n")
		for _, c := range r.Context {
			b.WriteString(c + "\n")
		}
	}
	return b.String()
}
