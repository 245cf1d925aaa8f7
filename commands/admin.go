package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/models"
)

// ChatUser is a chat user on a platform (Slack, Discord, Console);
// an empty Platform matches the id on every platform.
type ChatUser struct {
	Platform string
	UserID   string
}

// String is the user as HEALTHBOT_ADMINS spells it: "slack:U123" or "U123".
func (u ChatUser) String() string {
	if u.Platform == "" {
		return u.UserID
	}
	return u.Platform + ":" + u.UserID
}

// Matches says whether the caller is this user.
func (u ChatUser) Matches(c Caller) bool {
	return u.UserID != "" && u.UserID == c.UserID && (u.Platform == "" || u.Platform == c.Platform)
}

// adminHelp answers a bare "/health admin": the commands, and whether the
// caller may run them (with the id to put in HEALTHBOT_ADMINS if not).
func (s *Service) adminHelp(ctx context.Context, caller Caller, _ Command) (Reply, error) {
	me := ChatUser{Platform: caller.Platform, UserID: caller.UserID}
	names, err := s.adminNames(ctx, caller.Platform)
	if err != nil {
		return Reply{}, fmt.Errorf("admin help: %w", err)
	}
	var status string
	switch {
	case caller.Role == RoleAdmin:
		status = "You are a healthbot admin."
	case names == "":
		status = "No healthbot admins are set here, so only the console can run these commands. Whoever runs healthbot can name admins in " + adminsEnv + ", or give the admin role from the console; your id is " + me.String() + "."
	default:
		status = "You are not a healthbot admin (your id: " + me.String() + "). Your role: " + string(caller.Role) + ". Admins: " + names + "."
	}
	return Reply{Ephemeral: true, Colour: "grey", Title: "healthbot configuration", Text: strings.Join(helpLines(true), "\n"),
		Context: []string{status, "CSMs can say which CSM they are with " + exampleIAm + "."}}, nil
}

// adminCSM runs "/health admin csm HANDLE USER".
func (s *Service) adminCSM(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	platform, id := splitPlatform(cmd.User, caller.Platform)
	if problem := checkUserID(platform, id); problem != "" {
		return userError(problem + " Nothing was changed. Example: " + exampleAdminCSM), nil
	}
	if problem := checkHandle(cmd.Handle); problem != "" {
		return userError(problem), nil
	}
	if platform == Console {
		return s.adminCSMConsole(ctx, caller, cmd.Handle, id)
	}
	var m models.ChatMapping
	err := s.Store.WithTx(ctx, func(tx *models.Store) error {
		var err error
		if m, err = tx.MapChatUser(ctx, cmd.Handle, platform, id); err != nil {
			return err
		}
		if !m.Created && m.Previous == id && len(m.TakenFrom) == 0 {
			return nil
		}
		changes := []models.Change{{Field: platform + " user", Old: m.Previous, New: id}}
		if m.Created {
			changes = append([]models.Change{{Field: "csm", New: m.CSM.Handle}}, changes...)
		}
		for _, h := range m.TakenFrom {
			changes = append(changes, models.Change{Field: h + "'s " + platform + " user", Old: id})
		}
		return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditAdminCSM,
			Subject: m.CSM.Handle, Changes: changes})
	})
	if err != nil {
		return Reply{}, fmt.Errorf("admin csm: %w", err)
	}
	if !m.Created && m.Previous == id && len(m.TakenFrom) == 0 {
		return userError(fmt.Sprintf("Nothing changed: CSM %s is already %s on %s.", m.CSM.Handle, userLabel(platform, id), platform)), nil
	}
	s.logger().InfoContext(ctx, "admin: chat user mapped to csm", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "handle", m.CSM.Handle, "platform", platform, "old", m.Previous, "new", id,
		"created", m.Created, "taken_from", m.TakenFrom)
	var lines []string
	if m.Created {
		lines = append(lines, fmt.Sprintf("Created CSM %s.", m.CSM.Handle))
	}
	lines = append(lines, fmt.Sprintf("CSM %s on %s: %s → %s.", m.CSM.Handle, platform, userLabel(platform, m.Previous), userLabel(platform, id)))
	for _, h := range m.TakenFrom {
		lines = append(lines, fmt.Sprintf("CSM %s on %s: %s → (none).", h, platform, userLabel(platform, id)))
	}
	return Reply{Ephemeral: true, Colour: "green", Text: strings.Join(lines, "\n"),
		Context: []string{"/health now lists " + m.CSM.Handle + "'s accounts for " + userLabel(platform, id) + "."}}, nil
}

// adminCSMConsole maps a console user: there the user name is the handle,
// so the only change possible is creating the CSM.
func (s *Service) adminCSMConsole(ctx context.Context, caller Caller, handle, user string) (Reply, error) {
	if user != handle {
		return userError(fmt.Sprintf("On the console a user is the CSM whose handle is their user name, so %s cannot be mapped to %s; start the console as that CSM with `healthbot console --as %s`. To map a chat user from here, prefix the platform: /health admin csm %s slack:U0123ABCD. Nothing was changed.",
			user, handle, handle, handle)), nil
	}
	var created bool
	err := s.Store.WithTx(ctx, func(tx *models.Store) error {
		_, err := tx.CSMByHandle(ctx, handle)
		if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		created = true
		if _, err = tx.CreateCSM(ctx, handle); err != nil {
			return err
		}
		return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditAdminCSM,
			Subject: handle, Changes: []models.Change{{Field: "csm", New: handle}}})
	})
	if err != nil {
		return Reply{}, fmt.Errorf("admin csm: %w", err)
	}
	if !created {
		return userError(fmt.Sprintf("Nothing changed: console user %s is CSM %s already.", user, handle)), nil
	}
	s.logger().InfoContext(ctx, "admin: csm created", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "handle", handle)
	return Reply{Ephemeral: true, Colour: "green", Text: fmt.Sprintf("Created CSM %s: console user %s is that CSM.", handle, user)}, nil
}

// checkHandle says what is wrong with a CSM handle, "" when it is usable.
func checkHandle(h string) string {
	if h == "" || len(h) > 128 || !plainChatWord.MatchString(h) {
		return fmt.Sprintf("%q is not a CSM handle: use the name in the accounts' owner column, one word without commas, colons or <>. Nothing was changed.", h)
	}
	return ""
}
