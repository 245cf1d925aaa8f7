package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
)

// importCSV is `healthbot import KIND FILE.csv`.
func (m *Main) importCSV(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return usagef("usage: healthbot import KIND FILE.csv, KIND one of %s", strings.Join(ingestion.Kinds, ", "))
	}
	kind, path := args[0], args[1]
	if !slices.Contains(ingestion.Kinds, kind) {
		return usagef("import: unknown kind %q, want one of %s", kind, strings.Join(ingestion.Kinds, ", "))
	}
	var r io.Reader = m.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return usagef("import: %v", err)
		}
		defer f.Close()
		r = f
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	// The audit trail records the batch as the shell's user's, with its file.
	user := strings.TrimSpace(m.Getenv("USER"))
	res, err := ingestion.Ingest(ctx, m.store, kind, ingestion.NewCSVDecoder(r, kind), ingestion.IngestOptions{
		By: models.Actor{Origin: models.OriginCLI, ID: user, Name: user}, Source: path, At: m.Now()})
	if err != nil {
		var be *ingestion.BatchError
		if errors.As(err, &be) {
			return fmt.Errorf("import %s: %w", path, err)
		}
		if errors.Is(err, models.ErrBusy) {
			return fmt.Errorf("import %s %s: nothing was written, run it again once the other writes are done: %w", kind, path, err)
		}
		return fmt.Errorf("import %s %s: %w", kind, path, err)
	}
	fmt.Fprintf(m.Stdout, "imported %s from %s: %d records, %d inserted, %d updated, %d unchanged\n",
		kind, path, res.Records, res.Inserted, res.Updated, res.Unchanged)
	if kind == ingestion.KindActivity {
		// The batch queued its activity for the rollups; fold it now
		// rather than leave it to whichever rescore comes next.
		if _, err := m.store.FoldActivityRollups(ctx, 0); err != nil {
			return fmt.Errorf("import %s: the activity was written, but not yet folded into the rollups (the next rescore folds it): %w", path, err)
		}
	}
	if kind == ingestion.KindAccounts {
		// Connector events parked for accounts that exist now.
		rep, err := (&connector.Applier{Store: m.store, Now: m.Now}).ReplayArrived(ctx, nil)
		if err != nil {
			return fmt.Errorf("import %s: the accounts were written, but the connector events waiting for them were not applied (they stay parked): %w", path, err)
		}
		if n := len(rep.Replayed); n > 0 {
			fmt.Fprintf(m.Stdout, "applied %d of %d connector events that waited for these accounts\n", rep.ReplayedWritten(), n)
			res.Accounts = append(res.Accounts, rep.Accounts...)
		}
	}
	if len(res.Accounts) > 0 {
		// New data moves scores: refresh today's snapshots of the changed
		// accounts so /health and alerts see it now, not at the next
		// scheduled rescore.
		var scored []commands.Scored
		err := m.store.WithTx(ctx, func(tx *models.Store) error {
			var err error
			scored, err = m.service.RescoreAccounts(ctx, tx, m.today(), res.Accounts)
			return err
		})
		if err != nil {
			return fmt.Errorf("import %s: the records were written, but rescoring failed (run `healthbot rescore`): %w", kind, err)
		}
		fmt.Fprintf(m.Stdout, "rescored %d changed accounts for %s\n", len(scored), m.today().Format(models.DayLayout))
	}
	return nil
}
