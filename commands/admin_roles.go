package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/models"
)

// adminRole runs "/health admin role USER ROLE": what a chat user may do
// (Role), or "none" to take their role away. Giving the first role puts
// roles in use (everyone without one becomes a viewer) and taking the last
// away ends it (everyone is a CSM again); the reply says so.
func (s *Service) adminRole(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	want := strings.ToLower(strings.TrimSpace(cmd.Role))
	if want == "none" {
		want = ""
	} else if _, ok := ParseRole(want); !ok {
		return userError(fmt.Sprintf("%q is not a role: use %s. Nothing was changed. Example: %s", cmd.Role, orList(roleWords()), exampleAdminRole)), nil
	}
	platform, id := splitPlatform(cmd.User, caller.Platform)
	if problem := checkUserID(platform, id); problem != "" {
		return userError(problem + " Nothing was changed. Example: " + exampleAdminRole), nil
	}
	if platform == Console {
		return userError("On the console every user is an admin (whoever runs the terminal already holds the database), so a role there would change nothing. Nothing was changed."), nil
	}
	user := ChatUser{Platform: platform, UserID: id}
	var old string
	var wasInUse, inUse bool
	err := s.Store.WithTx(ctx, func(tx *models.Store) error {
		var err error
		if _, wasInUse, err = tx.RoleOf(ctx, platform, id); err != nil {
			return err
		}
		if old, err = tx.SetRole(ctx, platform, id, want); err != nil || old == want {
			return err
		}
		if _, inUse, err = tx.RoleOf(ctx, platform, id); err != nil {
			return err
		}
		return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditAdminRole,
			Subject: user.String(), Changes: []models.Change{{Field: "role", Old: old, New: want}}})
	})
	if err != nil {
		return Reply{}, fmt.Errorf("admin role: %w", err)
	}
	who := userLabel(platform, id)
	if platform != caller.Platform {
		who = user.String()
	}
	if old == want {
		return userError(fmt.Sprintf("Nothing changed: %s already has %s.", who, roleName(want))), nil
	}
	s.logger().InfoContext(ctx, "admin: role set", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "platform", platform, "user", id, "old", old, "new", want)
	var notes []string
	switch {
	case !wasInUse && inUse:
		notes = append(notes, "Roles are now in use: everyone without a role is a viewer (scores, no MRR, no recording) until an admin gives them one with /health admin role.")
	case wasInUse && !inUse:
		notes = append(notes, "Nobody has a role any more: everyone is a CSM again, as before roles were used.")
	}
	if s.isAdmin(Caller{Platform: platform, UserID: id}) {
		notes = append(notes, fmt.Sprintf("%s stays an admin while HEALTHBOT_ADMINS names them.", who))
	}
	return Reply{Ephemeral: true, Colour: "green",
		Text:    fmt.Sprintf("Role of %s on %s: %s → %s.", who, platform, orNone(old), orNone(want)),
		Context: notes}, nil
}

// roleName is "the csm role", or "no role" for "".
func roleName(role string) string {
	if role == "" {
		return "no role"
	}
	return "the " + role + " role"
}

// adminManager runs "/health admin manager CSM MANAGER": the CSM's
// manager (a CSM handle, created when new, or a mapped chat user), or
// "none". A task the CSM leaves overdue escalates to their manager.
func (s *Service) adminManager(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	csm, problem, err := s.csmNamed(ctx, caller.Platform, cmd.User, cmd.Handle)
	if err != nil || problem != "" {
		return userError(problem), err
	}
	var manager string
	switch m := strings.TrimSpace(cmd.Manager); {
	case strings.EqualFold(m, "none"):
	case isMention(m):
		if manager, problem, err = s.csmNamed(ctx, caller.Platform, UserRef(m), ""); err != nil || problem != "" {
			return userError(problem), err
		}
	default:
		manager = handleWord(m)
		if problem := checkHandle(manager); problem != "" {
			return userError(problem), nil
		}
	}
	var (
		old string
		mgr models.CSM
	)
	err = s.Store.WithTx(ctx, func(tx *models.Store) error {
		var err error
		if old, err = tx.SetManager(ctx, csm, manager); err != nil || strings.EqualFold(old, manager) {
			return err
		}
		if manager != "" {
			if mgr, err = tx.ManagerOf(ctx, csm); err != nil {
				return err
			}
			manager = mgr.Handle // the stored spelling
		}
		return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditAdminManager,
			Subject: csm, Changes: []models.Change{{Field: "manager", Old: old, New: manager}}})
	})
	switch {
	case errors.Is(err, models.ErrSelfManager):
		return userError(fmt.Sprintf("%s cannot be their own manager. Nothing was changed.", csm)), nil
	case err != nil:
		return Reply{}, fmt.Errorf("admin manager: %w", err)
	case strings.EqualFold(old, manager):
		return userError(fmt.Sprintf("Nothing changed: %s's manager is already %s.", csm, orNone(old))), nil
	}
	s.logger().InfoContext(ctx, "admin: manager set", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "csm", csm, "old", old, "new", manager)
	r := Reply{Ephemeral: true, Colour: "green", Text: fmt.Sprintf("Manager of %s: %s → %s.", csm, orNone(old), orNone(manager))}
	if manager != "" {
		r.Context = append(r.Context, fmt.Sprintf("Tasks on %s's accounts left overdue escalate to %s.", csm, manager))
		if mgr.SlackUserID == "" && mgr.DiscordUserID == "" {
			r.Context = append(r.Context, fmt.Sprintf("%s has no chat user yet, so escalations cannot reach them: /health admin csm %s @them.", manager, manager))
		}
	}
	return r, nil
}

// csmNamed is the handle of the CSM named by a mapped chat user on
// platform (user) or by handle: an existing CSM, or an account owner not
// yet stored as one (stored now). problem says why none is, for the user.
func (s *Service) csmNamed(ctx context.Context, platform, user, handle string) (csm, problem string, err error) {
	if user != "" {
		c, err := s.Store.CSMByChatUser(ctx, platform, user)
		if errors.Is(err, models.ErrNotFound) {
			who := userLabel(platform, user)
			return "", fmt.Sprintf("%s is not mapped to a CSM, so I cannot tell whose handle to set. Map them first: /health admin csm HANDLE %s. Nothing was changed.", who, who), nil
		}
		if err != nil {
			return "", "", err
		}
		return c.Handle, "", nil
	}
	if problem := checkHandle(handle); problem != "" {
		return "", problem, nil
	}
	c, err := s.Store.CSMByHandle(ctx, handle)
	if err == nil {
		return c.Handle, "", nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return "", "", err
	}
	if owns, err := s.Store.OwnsAccounts(ctx, handle); err != nil || !owns {
		return "", fmt.Sprintf("No CSM has the handle %q and no account is owned by it. Nothing was changed.", handle), err
	}
	if err := s.Store.EnsureCSMs(ctx, []string{handle}); err != nil {
		return "", "", err
	}
	return handle, "", nil
}
