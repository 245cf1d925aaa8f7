package commands

import (
	"context"

	"github.com/healthbot/healthbot/models"
)

// audit records a change a person made (a task closed, snoozed or
// reassigned) in the transaction that makes it. It is the one call the
// task actions make to the audit trail; until the trail has a store of
// its own, the change is logged with who, where from and what.
func (s *Service) audit(ctx context.Context, _ *models.Store, caller Caller, action string, accountID uint, detail string) error {
	s.logger().InfoContext(ctx, "audit", "action", action, "account_id", accountID, "detail", detail,
		"platform", caller.Platform, "user", caller.UserID, "name", caller.UserName)
	return nil
}
