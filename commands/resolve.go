package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
)

// resolve finds the active account a user named. When none or several
// match, it returns nil and the reply that says so.
func resolve(ctx context.Context, store *models.Store, day time.Time, query string) (*models.Account, Reply, error) {
	accounts, err := store.ActiveAccounts(ctx, day)
	if err != nil {
		return nil, Reply{}, fmt.Errorf("list accounts: %w", err)
	}
	l := LookupAccount(accounts, query)
	if l.Account == nil {
		return nil, userError(l.Message()), nil
	}
	return l.Account, Reply{}, nil
}
