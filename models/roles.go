package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// UserRole is the role an admin gave a chat user: "admin", "manager",
// "csm" or "viewer" (commands.Role says what each may do). A user is
// named by platform and that platform's user id, as chat sends it; a user
// with no row has no stored role.
type UserRole struct {
	Platform  string `gorm:"primaryKey;size:16"`
	UserID    string `gorm:"primaryKey;size:64"`
	Role      string `gorm:"size:16;not null;index"`
	UpdatedAt time.Time
}

// RoleOf is the stored role of a chat user, "" when they have none, and
// whether any user has a stored role at all (until one does, healthbot
// treats everyone as it always did).
func (s *Store) RoleOf(ctx context.Context, platform, userID string) (role string, inUse bool, err error) {
	var rows []UserRole
	if err := s.orm(ctx).Where("platform = ? AND user_id = ?", platform, userID).Limit(1).Find(&rows).Error; err != nil {
		return "", false, fmt.Errorf("role of %s:%s: %w", platform, userID, err)
	}
	if len(rows) == 1 {
		return rows[0].Role, true, nil
	}
	if err := s.orm(ctx).Raw("SELECT EXISTS (SELECT 1 FROM user_roles)").Scan(&inUse).Error; err != nil {
		return "", false, fmt.Errorf("roles in use: %w", err)
	}
	return "", inUse, nil
}

// SetRole stores a chat user's role, replacing the one they had (old, ""
// when none); role "" removes it. Call it inside Store.WithTx with the
// Audit of the change.
func (s *Store) SetRole(ctx context.Context, platform, userID, role string) (old string, err error) {
	var rows []UserRole
	if err := s.orm(ctx).Clauses(lockingRead(s.dialect)...).Where("platform = ? AND user_id = ?", platform, userID).Find(&rows).Error; err != nil {
		return "", fmt.Errorf("set role of %s:%s: %w", platform, userID, err)
	}
	if len(rows) == 1 {
		old = rows[0].Role
	}
	if role == "" {
		err = s.orm(ctx).Where("platform = ? AND user_id = ?", platform, userID).Delete(&UserRole{}).Error
	} else {
		err = s.orm(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "platform"}, {Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"role", "updated_at"}),
		}).Create(&UserRole{Platform: platform, UserID: userID, Role: role}).Error
	}
	if err != nil {
		return "", fmt.Errorf("set role of %s:%s: %w", platform, userID, err)
	}
	return old, nil
}

// UsersWithRole lists the users holding role, by platform and id.
func (s *Store) UsersWithRole(ctx context.Context, role string) ([]UserRole, error) {
	var rows []UserRole
	if err := s.orm(ctx).Where("role = ?", role).Order("platform, user_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("users with role %s: %w", role, err)
	}
	return rows, nil
}

// lockingRead makes a read inside a transaction lock the rows it reads
// (FOR UPDATE) on PostgreSQL; SQLite's write transactions hold the
// database's write lock from BEGIN (_txlock=immediate), so they need none.
func lockingRead(dialect string) []clause.Expression {
	if dialect == DialectPostgres {
		return []clause.Expression{clause.Locking{Strength: "UPDATE"}}
	}
	return nil
}

// ErrSelfManager is returned by SetManager for a CSM named their own manager.
var ErrSelfManager = errors.New("a CSM cannot be their own manager")

// SetManager makes manager (a CSM handle, created when new) the manager
// of the CSM with handle csm, or removes their manager when manager is
// "". It returns the previous manager's handle ("" when none). Call it
// inside Store.WithTx with the Audit of the change; the CSM must exist.
func (s *Store) SetManager(ctx context.Context, csm, manager string) (old string, err error) {
	c, err := s.CSMByHandle(ctx, csm)
	if err != nil {
		return "", fmt.Errorf("set manager of %s: %w", csm, err)
	}
	if c.ManagerID != nil {
		var prev CSM
		if err := s.orm(ctx).Where("id = ?", *c.ManagerID).Take(&prev).Error; err != nil {
			return "", fmt.Errorf("set manager of %s: previous manager: %w", csm, notFound(err))
		}
		old = prev.Handle
	}
	var id *uint
	if manager != "" {
		m, err := s.CSMByHandle(ctx, manager)
		switch {
		case errors.Is(err, ErrNotFound):
			if m, err = s.CreateCSM(ctx, manager); err != nil {
				return "", fmt.Errorf("set manager of %s: %w", csm, err)
			}
		case err != nil:
			return "", fmt.Errorf("set manager of %s: %w", csm, err)
		}
		if m.ID == c.ID {
			return "", fmt.Errorf("set manager of %s: %w", csm, ErrSelfManager)
		}
		id = &m.ID
	}
	if err := s.orm(ctx).Model(&CSM{}).Where("id = ?", c.ID).Update("manager_id", id).Error; err != nil {
		return "", fmt.Errorf("set manager of %s: %w", csm, err)
	}
	return old, nil
}

// ManagerOf is the manager of the CSM with this handle (an account's
// Owner): who a task overdue with that CSM escalates to. It returns
// ErrNotFound when the handle has no CSM or the CSM has no manager.
func (s *Store) ManagerOf(ctx context.Context, handle string) (CSM, error) {
	c, err := s.CSMByHandle(ctx, handle)
	if err != nil {
		return CSM{}, fmt.Errorf("manager of %s: %w", handle, err)
	}
	if c.ManagerID == nil {
		return CSM{}, fmt.Errorf("manager of %s: %w", handle, ErrNotFound)
	}
	var m CSM
	if err := s.orm(ctx).Where("id = ?", *c.ManagerID).Take(&m).Error; err != nil {
		return CSM{}, fmt.Errorf("manager of %s: %w", handle, notFound(err))
	}
	return m, nil
}
