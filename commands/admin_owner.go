package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/models"
)

// adminOwner runs "/health admin owner ACCOUNT HANDLE": the account's owner
// CSM, named by handle (created when new) or by a mention of a mapped chat
// user; "none" leaves the account without owner.
func (s *Service) adminOwner(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	handle := cmd.Handle
	if cmd.User != "" {
		csm, problem, err := s.csmNamed(ctx, caller.Platform, cmd.User, "")
		if err != nil {
			return Reply{}, fmt.Errorf("admin owner: %w", err)
		}
		if problem != "" {
			return userError(problem), nil
		}
		handle = csm
	}
	clear := strings.EqualFold(handle, "none")
	if !clear {
		if problem := checkHandle(handle); problem != "" {
			return userError(problem), nil
		}
	}
	acc, reply, err := resolve(ctx, s.Store, s.today(), cmd.Account)
	if err != nil || acc == nil {
		return reply, err
	}
	created := false
	err = s.Store.WithTx(ctx, func(tx *models.Store) error {
		if clear {
			handle = ""
		} else {
			csm, err := tx.CSMByHandle(ctx, handle)
			switch {
			case errors.Is(err, models.ErrNotFound):
				if _, err := tx.CreateCSM(ctx, handle); err != nil {
					return err
				}
				created = true
			case err != nil:
				return err
			default:
				handle = csm.Handle // the stored spelling, so /health matches it
			}
		}
		var changes []models.Change
		if created {
			changes = append(changes, models.Change{Field: "csm", New: handle})
		}
		if handle != acc.Owner {
			if err := tx.SetAccountOwner(ctx, acc.ID, handle); err != nil {
				return err
			}
			changes = append(changes, models.Change{Field: "owner", Old: acc.Owner, New: handle})
		}
		if len(changes) == 0 {
			return nil
		}
		return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditAdminOwner,
			Subject: acc.Slug, Accounts: []uint{acc.ID}, Changes: changes})
	})
	if err != nil {
		return Reply{}, fmt.Errorf("admin owner: %w", err)
	}
	if handle == acc.Owner && !created {
		return userError(fmt.Sprintf("Nothing changed: %s's owner is already %s.", acc.Name, orNone(handle))), nil
	}
	s.logger().InfoContext(ctx, "admin: account owner set", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "account", acc.Slug, "old", acc.Owner, "new", handle, "csm_created", created)
	var lines []string
	if created {
		lines = append(lines, fmt.Sprintf("Created CSM %s (no chat user yet: /health admin csm %s @them, or they say /health iam %s).", handle, handle, handle))
	}
	if handle != acc.Owner {
		lines = append(lines, fmt.Sprintf("%s owner: %s → %s.", acc.Name, orNone(acc.Owner), orNone(handle)))
	}
	return Reply{Ephemeral: true, Colour: "green", Text: strings.Join(lines, "\n")}, nil
}
