package commands

import (
	"context"
	"fmt"

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
