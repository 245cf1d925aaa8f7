package commands

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/models"
)

// upsertAccountsAndOwners is the accounts' ingestion write: the accounts,
// then a CSM row for each owner handle that has none, in the same
// transaction, so every owner can be mapped to chat users (/health iam,
// /health admin csm) without a separate CSM import.
func upsertAccountsAndOwners(tx *models.Store, ctx context.Context, rows []models.Account) (models.Counts, error) {
	c, err := tx.UpsertAccounts(ctx, rows)
	if err != nil {
		return models.Counts{}, err
	}
	owners := make([]string, 0, len(rows))
	for _, a := range rows {
		owners = append(owners, a.Owner)
	}
	if err := tx.EnsureCSMs(ctx, owners); err != nil {
		return models.Counts{}, fmt.Errorf("upsert accounts: %w", err)
	}
	return c, nil
}
