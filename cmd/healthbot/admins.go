package main

import (
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/commands"
)

// parseAdmins reads HEALTHBOT_ADMINS (already split on commas and spaces):
// chat user ids, each optionally prefixed "slack:", "discord:" or
// "console:" to hold on that platform only. A pasted mention (<@U123>)
// is accepted as its id.
func parseAdmins(entries []string) ([]commands.ChatUser, error) {
	var out []commands.ChatUser
	for _, e := range entries {
		u := commands.ChatUser{UserID: e}
		if p, id, ok := strings.Cut(e, ":"); ok {
			if p = strings.ToLower(p); !commands.IsPlatform(p) {
				return nil, fmt.Errorf("%q: the platform prefix must be slack, discord or console", e)
			}
			u = commands.ChatUser{Platform: p, UserID: id}
		}
		u.UserID = commands.UserRef(u.UserID)
		if u.UserID == "" || strings.ContainsAny(u.UserID, "<>:") {
			return nil, fmt.Errorf("%q is not a chat user id (e.g. slack:U0123ABCD, discord:112233445566778899 or console:maria)", e)
		}
		out = append(out, u)
	}
	return out, nil
}
