package models

import (
	"context"
	"fmt"
)

// ManagersOf is ManagerOf for several CSMs at once: by CSM handle, the
// manager of each CSM in handles that has one (a task overdue with that
// CSM escalates to them). One query whatever the number of handles.
func (s *Store) ManagersOf(ctx context.Context, handles []string) (map[string]CSM, error) {
	out := map[string]CSM{}
	if len(handles) == 0 {
		return out, nil
	}
	var rows []struct {
		Of            string
		ID            uint
		Handle        string
		Name          string
		Email         string
		SlackUserID   string
		DiscordUserID string
		ManagerID     *uint
	}
	err := s.orm(ctx).Raw(`SELECT c.handle AS of, m.id, m.handle, m.name, m.email, m.slack_user_id, m.discord_user_id, m.manager_id
		FROM csms c JOIN csms m ON m.id = c.manager_id WHERE c.handle IN ?`, handles).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("managers: %w", err)
	}
	for _, r := range rows {
		out[r.Of] = CSM{ID: r.ID, Handle: r.Handle, Name: r.Name, Email: r.Email, SlackUserID: r.SlackUserID, DiscordUserID: r.DiscordUserID, ManagerID: r.ManagerID}
	}
	return out, nil
}
