package commands

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/models"
)

// lockAccount makes concurrent writers about the same account take turns
// until the transaction ends: a no-op UPDATE takes the row lock on
// PostgreSQL and the write lock on SQLite, so a duplicate check followed by
// an insert cannot interleave with another caller's.
func lockAccount(ctx context.Context, tx *models.Store, accountID uint) error {
	if err := tx.DB().WithContext(ctx).Exec("UPDATE accounts SET updated_at = updated_at WHERE id = ?", accountID).Error; err != nil {
		return fmt.Errorf("lock account %d: %w", accountID, err)
	}
	return nil
}
