package models_test

import (
	"context"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestPortfolioReadSettings: on PostgreSQL a read over every account (the
// summary's bars and past heads, MRR at a day) runs without JIT and with
// the grouping work_mem, and a transaction's reads keep its settings.
func TestPortfolioReadSettings(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if s.Dialect() != models.DialectPostgres {
			return // SQLite has neither setting
		}
		ctx := context.Background()
		for name, want := range map[string]string{"jit": "off", "work_mem": "64MB"} {
			if got, err := models.PortfolioSetting(ctx, s, name); err != nil || got != want {
				t.Errorf("%s in a portfolio read = %q, %v; want %q", name, got, err, want)
			}
			var def string
			if err := s.DB().Raw("SHOW " + name).Scan(&def).Error; err != nil {
				t.Fatal(err)
			}
			err := s.WithTx(ctx, func(tx *models.Store) error {
				got, err := models.PortfolioSetting(ctx, tx, name)
				if err == nil && got != def {
					t.Errorf("%s in a transaction's portfolio read = %q, want the session's %q", name, got, def)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
