package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
)

// StoreAccounts suggests active accounts from the database for the account
// option's autocomplete: slug or name prefixes first, then names that
// merely contain what was typed; the value is the slug.
type StoreAccounts struct {
	Store *models.Store
	Now   func() time.Time // injected clock: "active" is as of today
}

// SuggestAccounts implements AccountSuggester.
func (s StoreAccounts) SuggestAccounts(ctx context.Context, prefix string, limit int) ([]Choice, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	accounts, err := s.Store.ActiveAccounts(ctx, s.Store.DayAt(now()))
	if err != nil {
		return nil, fmt.Errorf("suggest accounts: %w", err)
	}
	return suggest(accounts, prefix, limit), nil
}

// suggest ranks accounts against what the user typed.
func suggest(accounts []models.Account, typed string, limit int) []Choice {
	q := strings.ToLower(strings.TrimSpace(typed))
	var first, then []Choice
	for _, a := range accounts {
		c := Choice{Name: a.Name + " (" + a.Slug + ")", Value: a.Slug}
		name, slug := strings.ToLower(a.Name), strings.ToLower(a.Slug)
		switch {
		case strings.HasPrefix(slug, q) || strings.HasPrefix(name, q):
			first = append(first, c)
		case strings.Contains(name, q) || strings.Contains(slug, q):
			then = append(then, c)
		}
	}
	out := append(first, then...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
