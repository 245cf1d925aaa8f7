package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// Internals lent to the external tests (package commands_test), which can
// import commandstest where this package's own tests cannot (a cycle).
var (
	// MarkHandled is markHandled, for the handled alert golden.
	MarkHandled = markHandled
	// GoldenJSON is goldenJSON, so the alert goldens keep -update-alerts.
	GoldenJSON = goldenJSON
	// BoundedDistance is boundedDistance, for its test against the full table.
	BoundedDistance = boundedDistance
	// BarOf is barOf, for its test against the bars the database counts.
	BarOf = barOf
)

// FreshScores is every active account's score computed now from its
// signals (the full pass the lists used to run per call), keyed by
// account, and SnapshotScores what the lists now read: the two must agree
// whenever the writes have kept the snapshots current.
func FreshScores(ctx context.Context, s *Service) (map[uint]scoring.Result, error) {
	scored, err := s.scoreAll(ctx, s.Store, s.today())
	return resultsByID(scored), err
}

// SnapshotScores is what the lists read (portfolio), keyed by account,
// with the number of accounts shown from an earlier day's snapshot.
func SnapshotScores(ctx context.Context, s *Service) (map[uint]scoring.Result, int, error) {
	p, err := s.portfolio(ctx, s.today())
	return resultsByID(p.scored), p.stale, err
}

func resultsByID(scored []Scored) map[uint]scoring.Result {
	out := make(map[uint]scoring.Result, len(scored))
	for _, sc := range scored {
		out[sc.Account.ID] = sc.Result
	}
	return out
}

// FreshList is "/health list" as it was answered before the snapshots
// served it: every account rescored, then listed.
func FreshList(ctx context.Context, s *Service, money bool) (Reply, error) {
	scored, err := s.scoreAll(ctx, s.Store, s.today())
	if err != nil {
		return Reply{}, err
	}
	r := renderList(fmt.Sprintf("All accounts: %d", len(scored)), scored, money)
	r.Text = statusCounts(scored)
	return r, nil
}

// CardHistoryView is what a card shows of an account's history: the trend
// (with days in status), whether that status began historyDays or more
// ago, and the latest model change.
type CardHistoryView struct {
	Trend   scoring.TrendResult
	Capped  bool
	Changed *modelChange
}

// CardHistory is the card's view of the account's history as gatherCard
// reads it, and whether it read no more than a month of heads when they
// did not show the day the status began (stored: that day came from
// current_scores, or was not needed); CardHistoryFromYear is the same view from a read of the whole
// year of heads, as cards read it before: the two must agree.
func CardHistory(ctx context.Context, s *Service, acc models.Account) (view CardHistoryView, stored bool, err error) {
	day := s.today()
	c, err := s.gatherCard(ctx, acc, day)
	if err != nil {
		return view, false, err
	}
	hist, since, known, err := s.cardHistory(ctx, acc.ID, day)
	stored = known && since != "" || !known && c.Result.Status != scoring.Status(hist[len(hist)-1].Status)
	return CardHistoryView{Trend: c.Trend, Capped: c.StatusCapped, Changed: c.Changed}, stored, err
}

// CardHistoryFromYear: see CardHistory.
func CardHistoryFromYear(ctx context.Context, s *Service, acc models.Account) (CardHistoryView, error) {
	day := s.today()
	c, err := s.gatherCard(ctx, acc, day)
	if err != nil {
		return CardHistoryView{}, err
	}
	from := day.AddDate(0, 0, -historyDays)
	hist, err := s.Store.HistoryHeads(ctx, acc.ID, from, day.AddDate(0, 0, -1))
	if err != nil {
		return CardHistoryView{}, err
	}
	today := scoring.Point{Day: day, Known: c.Result.Known, Score: c.Result.Score, Status: c.Result.Status}
	tr := scoring.Trend(day, append(snapshotPoints(hist), today))
	// Days in status from every snapshot ever, capped at historyDays.
	all, err := s.Store.HistoryHeads(ctx, acc.ID, time.Time{}, day.AddDate(0, 0, -1))
	if err != nil {
		return CardHistoryView{}, err
	}
	whole := scoring.Trend(day, append(snapshotPoints(all), today))
	capped := whole.DaysInStatus > historyDays+1
	if capped {
		tr.BeganOn(day, from)
	}
	return CardHistoryView{Trend: tr, Capped: capped, Changed: latestModelChange(hist, c.Result, day.AddDate(0, 0, -30))}, nil
}
