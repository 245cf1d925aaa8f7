package models_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestAccountIDsByExternalIDBeside: on PostgreSQL, outside a transaction,
// the lookup runs on a pooled connection and finds what
// AccountIDsByExternalID finds; elsewhere, inside a transaction, or with
// every pooled connection held, it looks nothing up and says so (ok
// false, no error) rather than wait; a context that has ended is an error.
func TestAccountIDsByExternalIDBeside(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedAccounts(t, s, 3)
		ext := []string{"k0", "k2", "nobody"}
		want, err := s.AccountIDsByExternalID(ctx, ext)
		if err != nil || len(want) != 2 || want["k0"] == 0 || want["k2"] == 0 {
			t.Fatalf("AccountIDsByExternalID = %v, %v; want k0 and k2", want, err)
		}
		got, ok, err := s.AccountIDsByExternalIDBeside(ctx, ext)
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect() != models.DialectPostgres {
			if ok || got != nil {
				t.Fatalf("SQLite: %v, ok %v; want nothing looked up", got, ok)
			}
			return
		}
		if !ok || !maps.Equal(got, want) {
			t.Fatalf("beside = %v, ok %v; want %v", got, ok, want)
		}
		if err := s.WithTx(ctx, func(tx *models.Store) error {
			got, ok, err := tx.AccountIDsByExternalIDBeside(ctx, ext)
			if ok || got != nil || err != nil {
				t.Errorf("in a transaction: %v, ok %v, %v; want nothing looked up", got, ok, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ended, cancel := context.WithCancel(ctx)
		cancel()
		if _, ok, err := s.AccountIDsByExternalIDBeside(ended, ext); ok || !errors.Is(err, context.Canceled) {
			t.Fatalf("ended context: ok %v, %v; want context.Canceled", ok, err)
		}
		modelstest.HoldConns(t, s, s.MaxConns())
		if got, ok, err := s.AccountIDsByExternalIDBeside(ctx, ext); ok || got != nil || err != nil {
			t.Fatalf("every connection held: %v, ok %v, %v; want nothing looked up", got, ok, err)
		}
	})
}
