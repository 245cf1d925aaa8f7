package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
)

// The two queries below are missing from models.Store; they go through
// Store.DB() with plain SQL over the tables gorm names after the models
// (snapshots, accounts) and would move into models as methods.

// previousSnapshots loads, in one query, the latest snapshot before day of
// each account in ids (every account when ids is nil), keyed by account.
func previousSnapshots(ctx context.Context, store *models.Store, day time.Time, ids []uint) (map[uint]models.Snapshot, error) {
	q := `SELECT s.* FROM snapshots s JOIN (
		SELECT account_id, MAX(day) AS day FROM snapshots WHERE day < ? %s GROUP BY account_id
	) m ON s.account_id = m.account_id AND s.day = m.day`
	args := []any{day.Format(models.DayLayout)}
	filter := ""
	if ids != nil {
		if len(ids) == 0 {
			return map[uint]models.Snapshot{}, nil
		}
		filter = "AND account_id IN ?"
		args = append(args, ids)
	}
	var rows []models.Snapshot
	if err := store.DB().WithContext(ctx).Raw(fmt.Sprintf(q, filter), args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("previous snapshots: %w", err)
	}
	out := make(map[uint]models.Snapshot, len(rows))
	for _, r := range rows {
		out[r.AccountID] = r
	}
	return out, nil
}

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
