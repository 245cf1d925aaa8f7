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
	pf, err := s.portfolio(ctx, day)
	scored := pf.scored
	if err != nil {
		return Reply{}, fmt.Errorf("health mine: %w", err)
	}
	var mine []Scored
	if handle != "" {
		for _, sc := range scored {
			if sc.Account.Owner == handle {
				mine = append(mine, sc)
			}
		}
	}
	if len(mine) > 0 {
		name := csm.Name
		if name == "" {
			name = csm.Handle
		}
		r := renderList(fmt.Sprintf("Your accounts (%s): %d", name, len(mine)), mine, caller.Role.SeesMRR())
		r.Text = statusCounts(mine)
		return pf.annotate(r, day), nil
	}
	why := "You are not mapped to a CSM here, so these are everyone's accounts."
	if handle != "" {
		why = fmt.Sprintf("You (%s) own no active accounts, so these are everyone's.", handle)
	}
	r := renderList(fmt.Sprintf("All accounts: %d", len(scored)), scored, caller.Role.SeesMRR())
	r.Text = why + "\n" + statusCounts(scored)
	return pf.annotate(r, day), nil
}
