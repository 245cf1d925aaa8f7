package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/healthbot/healthbot/models"
)

// healthMine answers a bare "/health": the caller's own accounts worst
// first, or everyone's (saying so) when the caller owns none. A Command
// built with an account (not typed: the grammar makes that a show) shows
// that account's card.
func (s *Service) healthMine(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	if cmd.Account != "" {
		return s.healthShow(ctx, caller, cmd)
	}
	handle := ""
	csm, err := s.Store.CSMByChatUser(ctx, caller.Platform, caller.UserID)
	switch {
	case err == nil:
		handle = csm.Handle
	case !errors.Is(err, models.ErrNotFound):
		return Reply{}, fmt.Errorf("health mine: %w", err)
	}
	day := s.today()
	money := caller.Role.SeesMRR()
	if handle != "" {
		mine, err := s.page(ctx, day, models.ScoreFilter{Owner: handle}, listLimit, money)
		if err != nil {
			return Reply{}, fmt.Errorf("health mine: %w", err)
		}
		if mine.total > 0 {
			name := csm.Name
			if name == "" {
				name = csm.Handle
			}
			r := renderListOf(fmt.Sprintf("Your accounts (%s): %d", name, mine.total), mine.rows, mine.total, mine.totalMRR(), money)
			r.Text = statusCountsOf(mine.count)
			return mine.annotate(r, day), nil
		}
	}
	all, err := s.page(ctx, day, models.ScoreFilter{}, listLimit, money)
	if err != nil {
		return Reply{}, fmt.Errorf("health mine: %w", err)
	}
	why := "You are not mapped to a CSM here, so these are everyone's accounts."
	if handle != "" {
		why = fmt.Sprintf("You (%s) own no active accounts, so these are everyone's.", handle)
	}
	r := renderListOf(fmt.Sprintf("All accounts: %d", all.total), all.rows, all.total, all.totalMRR(), money)
	r.Text = why + "\n" + statusCountsOf(all.count)
	return all.annotate(r, day), nil
}
