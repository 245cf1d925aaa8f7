package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// Two ingestions of different rows, each in two statements that meet the
// other's accounts in the opposite order, both succeed. Each statement's
// insert trigger writes the account-days and the keys it touched, which
// stay locked until its transaction commits: without the trigger's lock on
// the rollups, the second statements waited for each other's first ones
// and PostgreSQL aborted one of the transactions as a deadlock.
func TestActivityRollupsInsertersDoNotDeadlock(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	createRollupAccounts(t, s, 2)
	rows := func(acct uint, user string) []models.Activity {
		return []models.Activity{{AccountID: acct, Day: day(0), UserID: user, Feature: "reports"}}
	}
	// Each writer inserts into one account, tells the other, waits for the
	// other's first statement (for at most a while: the other may be
	// waiting for this one) and inserts into the other account.
	write := func(first, second uint, user string, wrote chan<- struct{}, other <-chan struct{}) error {
		return s.WithTx(ctx, func(tx *models.Store) error {
			if _, err := tx.InsertActivity(ctx, rows(first, user)); err != nil {
				return err
			}
			close(wrote)
			select {
			case <-other:
			case <-time.After(500 * time.Millisecond):
			}
			_, err := tx.InsertActivity(ctx, rows(second, user))
			return err
		})
	}
	aWrote, bWrote := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- write(1, 2, "a", aWrote, bWrote) }()
	<-aWrote
	errB := write(2, 1, "b", bWrote, aWrote)
	if errA := <-done; errA != nil || errB != nil {
		t.Fatalf("concurrent inserters: first %v, second %v", errA, errB)
	}
	checkRollups(t, s, "two crossed inserters")
}
