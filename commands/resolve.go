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
	return resolveIn(ctx, store, day, query, false)
}

// resolveAny finds the account a user named, churned ones included: for
// the commands that still answer about an account once it has left (its
// card and chart, frozen; its audit history) or that must say it left (a pulse, a touch).
// An active account wins: a churned one is looked for only when no active
// account matches, so a departed "Acme" never makes "acme" ambiguous.
func resolveAny(ctx context.Context, store *models.Store, day time.Time, query string) (*models.Account, Reply, error) {
	return resolveIn(ctx, store, day, query, true)
}

// resolveIn is resolve, and with churned resolveAny.
func resolveIn(ctx context.Context, store *models.Store, day time.Time, query string, churned bool) (*models.Account, Reply, error) {
	if q := strings.ToLower(strings.TrimSpace(query)); q != "" {
		a, err := store.AccountBySlug(ctx, q)
		switch {
		case err == nil && (churned || activeOn(a, day)):
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
	if churned && l.Account == nil && len(l.Candidates) == 0 {
		gone, err := store.ChurnedAccountNames(ctx, day)
		if err != nil {
			return nil, Reply{}, fmt.Errorf("list accounts: %w", err)
		}
		if lc := LookupAccount(gone, query); lc.Account != nil || len(lc.Candidates) > 0 {
			l = lc
		}
	}
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

// churnDay is the day the account churned, when it has by day.
func churnDay(a models.Account, day time.Time) (time.Time, bool) {
	if activeOn(a, day) {
		return time.Time{}, false
	}
	return storedDay(*a.ChurnedOn)
}

// churnedReply refuses to record anything for an account that has left.
func churnedReply(a models.Account, churned time.Time, what string) Reply {
	return userError(fmt.Sprintf("%s churned on %s: healthbot no longer scores it, so no %s was recorded. /health %s shows its final score.",
		a.Name, churned.Format(models.DayLayout), what, a.Slug))
}
