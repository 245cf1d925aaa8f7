package models

import (
	"context"
	"errors"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

var errNotImplemented = errors.New("not implemented yet")

// Signals gathers one account's scoring inputs as of day asOf.
func (s *Store) Signals(ctx context.Context, cfg scoring.Config, accountID uint, asOf time.Time) (scoring.Signals, error) {
	return scoring.Signals{}, errNotImplemented
}

// AllSignals gathers every active account's inputs as of day asOf with a
// constant number of set-based queries, calling fn once per account.
func (s *Store) AllSignals(ctx context.Context, cfg scoring.Config, asOf time.Time, fn func(scoring.Signals) error) error {
	return errNotImplemented
}
