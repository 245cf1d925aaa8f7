package models

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// CSMManager names a CSM's manager, who hears of the CSM's overdue tasks.
// It is the one place escalation asks "who manages this CSM?"
// (ManagersOf), so a richer model of people and roles can answer instead
// by changing ManagersOf alone.
type CSMManager struct {
	Handle  string `gorm:"primaryKey;size:128"` // the CSM
	Manager string `gorm:"size:128;not null"`   // the manager's CSM handle
}

// TableName names the table "csm_managers".
func (CSMManager) TableName() string { return "csm_managers" }

// SetManager makes manager the manager of the CSM with handle ("" removes it).
func (s *Store) SetManager(ctx context.Context, handle, manager string) error {
	if manager == "" {
		if err := s.orm(ctx).Where("handle = ?", handle).Delete(&CSMManager{}).Error; err != nil {
			return fmt.Errorf("remove manager of %s: %w", handle, err)
		}
		return nil
	}
	err := s.orm(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "handle"}}, DoUpdates: clause.AssignmentColumns([]string{"manager"})}).
		Create(&CSMManager{Handle: handle, Manager: manager}).Error
	if err != nil {
		return fmt.Errorf("set manager of %s: %w", handle, err)
	}
	return nil
}

// ManagersOf returns, by CSM handle, the manager of each CSM in handles
// that has one, as a CSM (with chat ids when the manager is mapped; a
// manager handle without a CSM row comes back with the handle alone).
// One query whatever the number of handles.
func (s *Store) ManagersOf(ctx context.Context, handles []string) (map[string]CSM, error) {
	out := map[string]CSM{}
	if len(handles) == 0 {
		return out, nil
	}
	var rows []struct {
		Handle        string
		Manager       string
		Name          string
		SlackUserID   string
		DiscordUserID string
	}
	err := s.orm(ctx).Raw(`SELECT m.handle, m.manager, COALESCE(c.name, '') AS name, COALESCE(c.slack_user_id, '') AS slack_user_id,
		COALESCE(c.discord_user_id, '') AS discord_user_id
		FROM csm_managers m LEFT JOIN csms c ON c.handle = m.manager WHERE m.handle IN ?`, handles).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("managers: %w", err)
	}
	for _, r := range rows {
		out[r.Handle] = CSM{Handle: r.Manager, Name: r.Name, SlackUserID: r.SlackUserID, DiscordUserID: r.DiscordUserID}
	}
	return out, nil
}
