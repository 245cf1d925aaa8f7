package main

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/models"
)

// migrate is `healthbot migrate`: Open applies the migrations.
func (m *Main) migrate(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return usagef("migrate takes no arguments; got %q", args)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	if err := m.store.Ready(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "migrated %s to schema version %d\n", redact(m.env.DatabaseURL), models.SchemaVersion)
	return nil
}
