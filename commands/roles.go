package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/models"
)

// Role is what a chat user may do, each role everything the one before it
// may:
//   - viewer reads: cards, lists, summaries, histories; scores but no MRR
//     nor other money figures;
//   - csm also records: pulses, touches, presses on alerts (and tasks),
//     and sees MRR;
//   - manager is a CSM whom others' overdue work can escalate to;
//   - admin also changes configuration (/health admin …).
//
// Every row of the command table names the least role that may run it
// (Spec.Role), and Execute checks it, so a button press or a Discord
// option is checked as the typed command is.
type Role string

// The roles, least first.
const (
	RoleViewer  Role = "viewer"
	RoleCSM     Role = "csm"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
)

// Roles lists every role, least first.
var Roles = []Role{RoleViewer, RoleCSM, RoleManager, RoleAdmin}

// ParseRole reads a role as typed, in any case.
func ParseRole(s string) (Role, bool) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	return r, slices.Contains(Roles, r)
}

// AtLeast reports whether r may do what needs min. An unknown min needs
// more than any role (a row that forgot to say is nobody's but admins'
// through Spec.need; here, nobody's), and an unknown r is less than any.
func (r Role) AtLeast(min Role) bool {
	need := slices.Index(Roles, min)
	return need >= 0 && slices.Index(Roles, r) >= need
}

// SeesMRR reports whether r sees MRR and other money figures.
func (r Role) SeesMRR() bool { return r.AtLeast(RoleCSM) }

// who names the roles at least r, for a refusal: "CSMs, managers and admins".
func (r Role) who() string {
	plural := map[Role]string{RoleViewer: "viewers", RoleCSM: "CSMs", RoleManager: "managers", RoleAdmin: "admins"}
	var out []string
	for _, x := range Roles[max(slices.Index(Roles, r), 0):] {
		out = append(out, plural[x])
	}
	return andList(out)
}

// RoleOf is the caller's role: admin for the users named in
// HEALTHBOT_ADMINS (Service.Admins) and for the console's user (who runs
// the terminal already holds the database); else the role an admin gave
// them (/health admin role); else csm while nobody has been given a role
// (everyone in a served workspace or guild, as before roles existed), and
// viewer once someone has.
func (s *Service) RoleOf(ctx context.Context, caller Caller) (Role, error) {
	if s.isAdmin(caller) || caller.Platform == Console {
		return RoleAdmin, nil
	}
	stored, inUse, err := s.Store.RoleOf(ctx, caller.Platform, caller.UserID)
	if err != nil {
		return "", err
	}
	if r, ok := ParseRole(stored); ok {
		return r, nil
	}
	if !inUse {
		return RoleCSM, nil
	}
	return RoleViewer, nil
}

// Require checks that the caller's role is at least min before doing
// something ("acknowledge an alert"): ok, or a refusal to answer with
// that says who can and how to get the role. Rows of the command table
// are checked by Execute; Require is for actions outside it (alert and
// task buttons). The caller's Role is used when set (Execute sets it).
func (s *Service) Require(ctx context.Context, caller Caller, min Role, doing string) (refusal Reply, ok bool, err error) {
	role := caller.Role
	if role == "" {
		if role, err = s.RoleOf(ctx, caller); err != nil {
			return Reply{}, false, fmt.Errorf("role of %s:%s: %w", caller.Platform, caller.UserID, err)
		}
	}
	if role.AtLeast(min) {
		return Reply{}, true, nil
	}
	if min == RoleAdmin {
		r, err := s.refuseAdmin(ctx, caller)
		return r, false, err
	}
	s.logger().InfoContext(ctx, "refused: role too low", "doing", doing, "role", role, "needs", min,
		"platform", caller.Platform, "user", caller.UserID)
	me := ChatUser{Platform: caller.Platform, UserID: caller.UserID}
	msg := fmt.Sprintf("Only %s can %s; ask an admin to give you the %s role with /health admin role %s %s.",
		min.who(), doing, min, userLabel(caller.Platform, caller.UserID), min)
	admins, err := s.adminNames(ctx, caller.Platform)
	if err != nil {
		return Reply{}, false, err
	}
	if admins == "" {
		msg = fmt.Sprintf("Only %s can %s; ask whoever runs healthbot to give you the %s role from the console: /health admin role %s %s.",
			min.who(), doing, min, me, min)
	} else {
		msg += " Admins: " + admins + "."
	}
	return userError(msg), false, nil
}

// need is the least role that may run the row; a row that names none is
// for admins, so a command added without thinking of roles is closed
// rather than open.
func (r Spec) need() Role {
	if r.Role == "" {
		return RoleAdmin
	}
	return r.Role
}

// doing is what the row does, as a refusal says it.
func (r Spec) doing() string {
	if r.Doing != "" {
		return r.Doing
	}
	return "use " + r.Usage
}

// isAdmin says whether HEALTHBOT_ADMINS names the caller.
func (s *Service) isAdmin(c Caller) bool {
	for _, a := range s.Admins {
		if a.Matches(c) {
			return true
		}
	}
	return false
}

// adminsEnv explains where admins come from, for replies that refuse.
const adminsEnv = "HEALTHBOT_ADMINS (comma-separated chat user ids, each optionally prefixed slack:, discord: or console:)"

// refuseAdmin answers an admin-only command the caller may not run.
func (s *Service) refuseAdmin(ctx context.Context, caller Caller) (Reply, error) {
	names, err := s.adminNames(ctx, caller.Platform)
	if err != nil {
		return Reply{}, err
	}
	me := ChatUser{Platform: caller.Platform, UserID: caller.UserID}
	s.logger().WarnContext(ctx, "admin command refused: caller is not an admin", "platform", caller.Platform,
		"user", caller.UserID, "name", caller.UserName, "admins_set", names != "")
	if names == "" {
		return userError(fmt.Sprintf("Only healthbot admins can change configuration, and no healthbot admins are set. Whoever runs healthbot can name them in %s, for you: HEALTHBOT_ADMINS=%s, or give you the admin role from the console: /health admin role %s admin. Nothing was changed.",
			adminsEnv, me, me)), nil
	}
	return userError("Only healthbot admins can change configuration. Ask one of: " + names + ". Nothing was changed."), nil
}

// adminNames lists the chat admins, as mentions on the caller's platform:
// those of HEALTHBOT_ADMINS, then those given the admin role; "" when
// there are none. The console's user, an admin too, is nobody to ask.
func (s *Service) adminNames(ctx context.Context, platform string) (string, error) {
	var names []string
	add := func(p, id string) {
		n := ChatUser{Platform: p, UserID: id}.String()
		if p == "" || p == platform {
			n = userLabel(platform, id)
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, a := range s.Admins {
		add(a.Platform, a.UserID)
	}
	stored, err := s.Store.UsersWithRole(ctx, string(RoleAdmin))
	if err != nil {
		return "", fmt.Errorf("admins: %w", err)
	}
	for _, u := range stored {
		add(u.Platform, u.UserID)
	}
	return strings.Join(names, ", "), nil
}

// actorOf is the caller as the audit trail records who wrote something.
func actorOf(c Caller) models.Actor {
	return models.Actor{Origin: c.Platform, ID: c.UserID, Name: c.UserName}
}
