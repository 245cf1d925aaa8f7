package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
)

// resolve finds the active account a user named. When none or several
// match, it returns nil and the reply that says so.
//
// Nearly every command names an account by its slug, so an exact slug is
// tried first: one indexed lookup. Only other queries list the active
// accounts, and then only their id, slug and name; the match is loaded in
// full afterwards. Listing whole rows of 10,000 accounts on every call cost
// 50-320 ms on the benchmark machine.
func resolve(ctx context.Context, store *models.Store, day time.Time, query string) (*models.Account, Reply, error) {
	if q := strings.ToLower(strings.TrimSpace(query)); q != "" {
		a, err := store.AccountBySlug(ctx, q)
		switch {
		case err == nil && activeOn(a, day):
			// Slugs are unique and validated lower-case at ingestion, so this
			// is the single account LookupAccount's first step would find.
			return &a, Reply{}, nil
		case err != nil && !errors.Is(err, models.ErrNotFound):
			return nil, Reply{}, fmt.Errorf("resolve account: %w", err)
		}
	}
	names, err := store.ActiveAccountNames(ctx, day)
	if err != nil {
		return nil, Reply{}, fmt.Errorf("list accounts: %w", err)
	}
	l := LookupAccount(names, query)
	if l.Account == nil {
		return nil, userError(l.Message()), nil
	}
	a, err := store.Account(ctx, l.Account.ID)
	if err != nil {
		return nil, Reply{}, fmt.Errorf("resolve account: %w", err)
	}
	return &a, Reply{}, nil
}

// activeOn says whether a has not churned on day.
func activeOn(a models.Account, day time.Time) bool {
	return a.ChurnedOn == nil || *a.ChurnedOn > day.Format(models.DayLayout)
}
