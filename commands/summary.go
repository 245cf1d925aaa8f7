package commands

import (
	"context"
	"errors"
)

// CONTRACT SKELETON, owned by the alerts-and-summary work (issue 5).

// Summary builds the weekly health summary as of now.
func (s *Service) Summary(ctx context.Context, caller Caller) (Reply, error) {
	return Reply{Ephemeral: true, Text: "The weekly summary is not built yet."}, errors.New("not implemented yet")
}
