package commands

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// listLimit caps the accounts a list shows; the rest are counted.
const listLimit = 25

// listFilters maps Command.Status to the status it selects.
var listFilters = map[string]scoring.Status{
	"healthy":  scoring.Healthy,
	"stable":   scoring.Stable,
	"at-risk":  scoring.AtRisk,
	"critical": scoring.Critical,
}

// healthList answers "/health list [status]": accounts in a status (all
// when none is given), worst first, with score, status and MRR (for a
// caller who may see it).
func (s *Service) healthList(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	var want scoring.Status
	if cmd.Status != "" {
		st, ok := listFilters[strings.ToLower(cmd.Status)]
		if !ok {
			return userError("/health list takes a status: healthy, stable, at-risk or critical (or none for all)."), nil
		}
		want = st
	}
	day := s.today()
	money := caller.Role.SeesMRR()
	pg, err := s.page(ctx, day, models.ScoreFilter{Status: string(want)}, listLimit, money)
	if err != nil {
		return Reply{}, fmt.Errorf("health list: %w", err)
	}
	if want == "" {
		r := renderListOf(fmt.Sprintf("All accounts: %d", pg.total), pg.rows, pg.total, pg.totalMRR(), money)
		r.Text = statusCountsOf(pg.count)
		return pg.annotate(r, day), nil
	}
	r := renderListOf(fmt.Sprintf("%s accounts: %d", want, pg.total), pg.rows, pg.total, pg.totalMRR(), money)
	if pg.total == 0 {
		r.Text = fmt.Sprintf("No account is %s today.", want)
	} else {
		r.Colour = scoring.StatusColour(want)
	}
	return pg.annotate(r, day), nil
}

// sortWorstFirst orders by score ascending, accounts with no data last,
// larger MRR first among equals (it is the money at stake) when money may
// be shown, by name otherwise (the order would tell MRR apart).
func sortWorstFirst(sc []Scored, money bool) {
	sort.SliceStable(sc, func(i, j int) bool {
		a, b := sc[i], sc[j]
		if a.Result.Known != b.Result.Known {
			return a.Result.Known
		}
		if a.Result.Score != b.Result.Score {
			return a.Result.Score < b.Result.Score
		}
		if money && a.Account.MRRCents != b.Account.MRRCents {
			return a.Account.MRRCents > b.Account.MRRCents
		}
		return strings.ToLower(a.Account.Name) < strings.ToLower(b.Account.Name)
	})
}

// renderList shows accounts worst first, one line each, at most listLimit,
// with their MRR and its total in the section title when money may be
// shown. Each line names the account's profile when some account listed
// has one other than the default: a model without profiles has nothing to
// tell apart.
func renderList(title string, sc []Scored, money bool) Reply {
	var total int64
	for _, x := range sc {
		total += x.Account.MRRCents
	}
	return renderListOf(title, sc, len(sc), total, money)
}

// renderListOf is renderList of a page: sc holds the worst of n accounts
// (at least listLimit of them when there are more), whose MRR is total.
func renderListOf(title string, sc []Scored, n int, total int64, money bool) Reply {
	sortWorstFirst(sc, money)
	profiles := false
	for _, x := range sc {
		profiles = profiles || x.Result.Profile != "" && x.Result.Profile != scoring.DefaultProfile
	}
	lines := make([]string, 0, min(len(sc), listLimit)+1)
	for i, x := range sc {
		if i >= listLimit {
			break
		}
		l := x.Account.Name + " — " + scoreLabel(x.Result)
		if money {
			l += " · MRR " + fmtMoney(x.Account.MRRCents)
		}
		if x.Result.Capped() {
			l += fmt.Sprintf(" · capped, computed %d", x.Result.Computed)
		}
		if profiles {
			l += " · profile " + x.Result.Profile
		}
		lines = append(lines, l)
	}
	if more := n - listLimit; more > 0 {
		lines = append(lines, fmt.Sprintf("…and %d more", more))
	}
	r := Reply{Colour: "grey", Title: title}
	if n > 0 {
		head := "Worst first"
		if money {
			head += " · total MRR " + fmtMoney(total)
		}
		r.Sections = []Section{{Title: head, Text: strings.Join(lines, "\n")}}
	}
	return r
}

// statusCounts is "Healthy 12 · Stable 9 · At-risk 4 · Critical 2 · no data 1".
func statusCounts(sc []Scored) string {
	n := map[scoring.Status]int{}
	for _, x := range sc {
		n[statusOfResult(x.Result)]++
	}
	return statusCountsOf(n)
}

// statusCountsOf is statusCounts of counts by status.
func statusCountsOf(n map[scoring.Status]int) string {
	var parts []string
	for _, st := range []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical, scoring.NoData} {
		if n[st] > 0 || st != scoring.NoData {
			parts = append(parts, fmt.Sprintf("%s %d", st, n[st]))
		}
	}
	return strings.Join(parts, " · ")
}
