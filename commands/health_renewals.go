package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// maxRenewalDays bounds /health renewals DAYS: ten years ahead is
// already more than any contract.
const maxRenewalDays = 3650

// renewals answers "/health renewals [DAYS]": the accounts renewing in
// the next DAYS days (90 by default), worst first, with score, 7-day
// trend, status, MRR (for those who may see it) and owner.
func (s *Service) renewals(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	money := caller.Role.SeesMRR()
	days := cmd.Days
	switch {
	case days == 0:
		days = scoring.RenewalWindowDays
	case days < 0 || days > maxRenewalDays:
		return userError(fmt.Sprintf("/health renewals takes a number of days from 1 to %d (%d when left out). Example: /health renewals 60",
			maxRenewalDays, scoring.RenewalWindowDays)), nil
	}
	day := s.today()
	pg, err := s.page(ctx, day, models.ScoreFilter{RenewFrom: day.Format(models.DayLayout), RenewTo: day.AddDate(0, 0, days).Format(models.DayLayout)}, listLimit, money)
	if err != nil {
		return Reply{}, fmt.Errorf("renewals: %w", err)
	}
	renewing := pg.rows
	sortWorstFirst(renewing, money)
	renewing = renewing[:min(len(renewing), listLimit)]
	trend, err := s.trends(ctx, day, renewing)
	if err != nil {
		return Reply{}, fmt.Errorf("renewals: %w", err)
	}
	// Private unless asked for in public: the row shows MRR (Spec.MRR).
	r := Reply{Colour: "grey", Title: fmt.Sprintf("Renewals in the next %s: %d", countNoun(days, "day"), pg.total)}
	if pg.total == 0 {
		r.Text = fmt.Sprintf("No active account renews in the next %s.", countNoun(days, "day"))
		return r, nil
	}
	total := pg.totalMRR()
	atRisk := pg.count[scoring.AtRisk] + pg.count[scoring.Critical]
	risk := pg.mrr[scoring.AtRisk] + pg.mrr[scoring.Critical]
	r.Text = fmt.Sprintf("%d At-risk or Critical", atRisk)
	if money {
		r.Text = fmt.Sprintf("MRR up for renewal %s · %d At-risk or Critical, MRR %s", fmtMoney(total), atRisk, fmtMoney(risk))
	}
	if atRisk > 0 {
		r.Colour = "orange"
	}
	r.Sections = []Section{{Title: "Worst first", Text: renewalLines(renewing, pg.total, trend, day, listLimit, true, money)}}
	return pg.annotate(r, day), nil
}

// renewingWithin keeps the accounts whose renewal falls in day .. day+days.
func renewingWithin(scored []Scored, day time.Time, days int) []Scored {
	from, to := day.Format(models.DayLayout), day.AddDate(0, 0, days).Format(models.DayLayout)
	var out []Scored
	for _, sc := range scored {
		if r := sc.Account.RenewalOn; r != nil && *r >= from && *r <= to {
			out = append(out, sc)
		}
	}
	return out
}

// renewalLines is a line a renewal, in the order given, at most limit
// then how many more of the n renewing: "Globex — renews Wed 30 Apr 2025 (in 58 days) · 55
// At-risk ▼3 (7d) · MRR 1,200 · @maria" (the MRR when money, the owner
// when owner).
func renewalLines(sc []Scored, n int, trend map[uint]int, day time.Time, limit int, owner, money bool) string {
	var lines []string
	for i, x := range sc {
		if i == limit {
			break
		}
		l := fmt.Sprintf("%s — renews %s", x.Account.Name, fmtDay(*x.Account.RenewalOn))
		if d, ok := storedDay(*x.Account.RenewalOn); ok {
			l += " (" + inDays(dayDiff(day, d)) + ")"
		}
		l += " · " + scoreWithTrend(x.Result, trend)
		if money {
			l += " · MRR " + fmtMoney(x.Account.MRRCents)
		}
		if owner {
			l += " · " + handleLabel(x.Account.Owner)
		}
		lines = append(lines, l)
	}
	if n > limit {
		lines = append(lines, fmt.Sprintf("…and %d more", n-limit))
	}
	return strings.Join(lines, "\n")
}

// inDays is "today", "in 1 day", "in 58 days".
func inDays(n int) string {
	if n == 0 {
		return "today"
	}
	return "in " + countNoun(n, "day")
}

// scoreWithTrend is "55 At-risk ▼3 (7d)", the trend left out when the
// account has no snapshot a week back.
func scoreWithTrend(r scoring.Result, trend map[uint]int) string {
	s := scoreLabel(r)
	if d, ok := trend[r.AccountID]; ok && r.Known {
		s += " " + fmtChange(d) + " (7d)"
	}
	return s
}

// trends is each scored account's change over 7 days: its score now less
// its latest snapshot on or before 7 days ago, for the accounts that have
// one with a known score. One query.
func (s *Service) trends(ctx context.Context, day time.Time, scored []Scored) (map[uint]int, error) {
	out := map[uint]int{}
	if len(scored) == 0 {
		return out, nil
	}
	ids := make([]uint, len(scored))
	for i, sc := range scored {
		ids[i] = sc.Account.ID
	}
	prev, err := s.Store.PreviousSnapshots(ctx, day.AddDate(0, 0, -6), ids)
	if err != nil {
		return nil, err
	}
	for _, sc := range scored {
		if p, ok := prev[sc.Account.ID]; ok && p.Known && sc.Result.Known {
			out[sc.Account.ID] = sc.Result.Score - p.Score
		}
	}
	return out, nil
}

// parseRenewals reads "/health renewals [DAYS]".
func parseRenewals(cmd *Command, in typed) error {
	switch len(in.rest) {
	case 0:
		return nil
	case 1:
		n, err := strconv.Atoi(in.rest[0].text)
		if err != nil || n <= 0 || n > maxRenewalDays {
			return inputErrorf("/health renewals takes a number of days from 1 to %d (90 when left out); %q is not one. For an account whose name starts with \"renewals\", quote it: /health \"%s\".",
				maxRenewalDays, in.rest[0].text, joinTokens(in.args))
		}
		cmd.Days = n
		return nil
	}
	return inputErrorf("/health renewals takes one number of days, e.g. /health renewals 60. For an account whose name starts with \"renewals\", quote it: /health \"%s\".", joinTokens(in.args))
}

var renewalDaysParam = Param{Name: "days", Type: ParamInteger, Description: "How many days ahead (90 when left out)",
	Min: 1, Max: maxRenewalDays, set: setDays}
