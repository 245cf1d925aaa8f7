package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/models"
)

// iamOutcome is what "/health iam" found, decided inside its transaction.
type iamOutcome int

const (
	iamClaimed     iamOutcome = iota // the handle is now the caller's
	iamAlready                       // the caller already is that CSM
	iamCallerIsSet                   // the caller is another CSM here
	iamHandleTaken                   // the handle has another user here
	iamUnknown                       // no CSM nor account owner has the handle
)

// iam runs "/health iam HANDLE": a user says which CSM they are, so a team
// onboards without an admin. It only fills an empty slot: a handle that
// already has a user on this platform, or a caller already mapped to
// another handle, is refused and left to an admin (/health admin csm).
func (s *Service) iam(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	if problem := checkHandle(cmd.Handle); problem != "" {
		return userError(problem), nil
	}
	if caller.Platform == Console {
		return userError(fmt.Sprintf("On the console you are the CSM whose handle is your user name (%s); start it as %s with `healthbot console --as %s`.",
			caller.UserID, cmd.Handle, cmd.Handle)), nil
	}
	if _, ok := models.ChatColumn(caller.Platform); !ok || caller.UserID == "" {
		return userError("I cannot tell who you are on this platform, so I cannot map you to a CSM."), nil
	}
	var (
		outcome iamOutcome
		csm     models.CSM // the CSM involved: claimed, held by another, or the caller's own
		created bool
	)
	err := s.Store.WithTx(ctx, func(tx *models.Store) error {
		mine, err := tx.CSMByChatUser(ctx, caller.Platform, caller.UserID)
		switch {
		case err == nil:
			csm, outcome = mine, iamCallerIsSet
			if strings.EqualFold(mine.Handle, cmd.Handle) {
				outcome = iamAlready
			}
			return nil
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
		csm, err = tx.CSMByHandle(ctx, cmd.Handle)
		switch {
		case errors.Is(err, models.ErrNotFound):
			owns, err := tx.OwnsAccounts(ctx, cmd.Handle)
			if err != nil {
				return err
			}
			if !owns {
				outcome = iamUnknown
				return nil
			}
			if csm, err = tx.CreateCSM(ctx, cmd.Handle); err != nil {
				return err
			}
			created = true
		case err != nil:
			return err
		}
		if csm.ChatID(caller.Platform) != "" {
			outcome = iamHandleTaken
			return nil
		}
		err = tx.ClaimChatUser(ctx, csm.ID, caller.Platform, caller.UserID)
		if errors.Is(err, models.ErrChatIDTaken) {
			// Someone claimed it between our read and write: reload to say who.
			if csm, err = tx.CSMByHandle(ctx, csm.Handle); err != nil {
				return err
			}
			outcome = iamHandleTaken
			return nil
		}
		if err != nil {
			return err
		}
		outcome = iamClaimed
		return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditIAm,
			Subject: csm.Handle, Changes: []models.Change{{Field: caller.Platform + " user", New: caller.UserID}}})
	})
	if err != nil {
		return Reply{}, fmt.Errorf("iam: %w", err)
	}
	me := userLabel(caller.Platform, caller.UserID)
	switch outcome {
	case iamAlready:
		return userError(fmt.Sprintf("Nothing changed: you are already CSM %s on %s.", csm.Handle, caller.Platform)), nil
	case iamCallerIsSet:
		return userError(fmt.Sprintf("You are already CSM %s on %s. To be %s instead, ask a healthbot admin: /health admin csm %s %s. Nothing was changed.",
			csm.Handle, caller.Platform, cmd.Handle, cmd.Handle, me)), nil
	case iamHandleTaken:
		s.logger().InfoContext(ctx, "iam refused: handle already mapped", "platform", caller.Platform, "user", caller.UserID,
			"handle", csm.Handle, "holder", csm.ChatID(caller.Platform))
		return userError(fmt.Sprintf("CSM %s is already %s on %s. If that is wrong, ask a healthbot admin: /health admin csm %s %s. Nothing was changed.",
			csm.Handle, userLabel(caller.Platform, csm.ChatID(caller.Platform)), caller.Platform, csm.Handle, me)), nil
	case iamUnknown:
		return s.iamUnknown(ctx, cmd.Handle)
	}
	s.logger().InfoContext(ctx, "iam: chat user claimed csm", "platform", caller.Platform, "user", caller.UserID,
		"name", caller.UserName, "handle", csm.Handle, "csm_created", created)
	return Reply{Ephemeral: true, Colour: "green",
		Text:    fmt.Sprintf("CSM %s on %s: (none) → %s. /health now lists your accounts.", csm.Handle, caller.Platform, me),
		Context: []string{"If this was a mistake, ask a healthbot admin to remap it with /health admin csm."}}, nil
}

// iamUnknown refuses a handle nobody has, naming the known ones so a typo
// is easy to fix rather than creating a CSM who owns nothing.
func (s *Service) iamUnknown(ctx context.Context, handle string) (Reply, error) {
	known, err := s.Store.CSMHandles(ctx)
	if err != nil {
		return Reply{}, fmt.Errorf("iam: %w", err)
	}
	msg := fmt.Sprintf("No CSM has the handle %q and no account is owned by it.", handle)
	switch {
	case len(known) == 0:
		msg += " No CSM handles are known yet: accounts get them from their owner column when imported."
	case len(known) <= 30:
		msg += " Known handles: " + strings.Join(known, ", ") + "."
	default:
		msg += fmt.Sprintf(" %d handles are known; use the one in your accounts' owner column.", len(known))
	}
	return userError(msg + " Nothing was changed."), nil
}
