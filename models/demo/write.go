package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/models"
	"gorm.io/gorm"
)

// batchSize bounds the rows per INSERT of the smaller tables (tickets have
// about 9 columns), well under both databases' bound-parameter limits.
const batchSize = 500

// write inserts the portfolio: accounts first for their ids, then the
// activity (insertActivity), then every other table in multi-row batches.
func (p *portfolio) write(ctx context.Context, store *models.Store) error {
	db := store.DB().WithContext(ctx)
	csms := append([]models.CSM(nil), CSMs...)
	if err := db.CreateInBatches(&csms, batchSize).Error; err != nil {
		return fmt.Errorf("insert csms: %w", err)
	}
	rows := make([]models.Account, len(p.accounts))
	for i, a := range p.accounts {
		rows[i] = a.row
	}
	if err := db.CreateInBatches(&rows, batchSize).Error; err != nil {
		return fmt.Errorf("insert accounts: %w", err)
	}
	var (
		activity []models.Activity
		tickets  []models.Ticket
		touches  []models.Touch
		pulses   []models.Pulse
		surveys  []models.Survey
		invoices []models.Invoice
		mrr      []models.MRRChange
	)
	for i, a := range p.accounts {
		id := rows[i].ID
		for _, r := range a.activity {
			r.AccountID = id
			activity = append(activity, r)
		}
		for _, r := range a.tickets {
			r.AccountID, r.OpenedDay = id, store.DayOf(r.OpenedAt)
			tickets = append(tickets, r)
		}
		for _, r := range a.touches {
			r.AccountID, r.Day = id, store.DayOf(r.At)
			touches = append(touches, r)
		}
		for _, r := range a.pulses {
			r.AccountID, r.Day = id, store.DayOf(r.At)
			pulses = append(pulses, r)
		}
		for _, r := range a.surveys {
			r.AccountID, r.Day = id, store.DayOf(r.At)
			surveys = append(surveys, r)
		}
		for _, r := range a.invoices {
			r.AccountID = id
			invoices = append(invoices, r)
		}
		for _, r := range a.mrr {
			r.AccountID = id
			mrr = append(mrr, r)
		}
	}
	if err := insertActivity(ctx, store, activity); err != nil {
		return fmt.Errorf("insert activity: %w", err)
	}
	for _, step := range []struct {
		what string
		n    int
		rows any
	}{
		{"tickets", len(tickets), &tickets}, {"touches", len(touches), &touches},
		{"pulses", len(pulses), &pulses}, {"surveys", len(surveys), &surveys}, {"invoices", len(invoices), &invoices},
		{"mrr changes", len(mrr), &mrr},
	} {
		if step.n == 0 {
			continue // gorm refuses to insert an empty slice
		}
		if err := db.CreateInBatches(step.rows, batchSize).Error; err != nil {
			return fmt.Errorf("insert %s: %w", step.what, err)
		}
	}
	return nil
}

// activityBatch is how many activity rows one INSERT carries: the SQLite
// driver binds in time quadratic in a statement's parameters, so a few
// hundred parameters per statement beat a few thousand.
const activityBatch = 100

// insertActivity writes the activity rows, the bulk of the demo, with one
// prepared multi-row INSERT reused batch after batch, skipping gorm's
// per-batch reflection and SQL building.
func insertActivity(ctx context.Context, store *models.Store, rows []models.Activity) error {
	if len(rows) == 0 {
		return nil
	}
	pool := store.DB().WithContext(ctx).Statement.ConnPool
	if store.Dialect() == models.DialectSQLite {
		// A page cache big enough for the whole load (SQLite's default is
		// 2 MB) keeps the transaction from spilling pages to the WAL as it
		// goes, which took a third of the time; the connection gets its
		// usual cache back afterwards.
		var kib int64
		if err := pool.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&kib); err != nil {
			return err
		}
		if _, err := pool.ExecContext(ctx, "PRAGMA cache_size = -65536"); err != nil {
			return err
		}
		defer func() { _, _ = pool.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", kib)) }()
	}
	stmt := func(n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO activities (account_id, day, user_id, feature) VALUES ")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if store.Dialect() == models.DialectPostgres {
				fmt.Fprintf(&b, "($%d,$%d,$%d,$%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
			} else {
				b.WriteString("(?,?,?,?)")
			}
		}
		return b.String()
	}
	rebuild, err := pauseRollupTrigger(ctx, store, pool)
	if err != nil {
		return err
	}
	full, err := pool.PrepareContext(ctx, stmt(min(activityBatch, len(rows))))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, 4*activityBatch)
	for start := 0; start < len(rows); start += activityBatch {
		part := rows[start:min(start+activityBatch, len(rows))]
		args = args[:0]
		for _, r := range part {
			args = append(args, r.AccountID, r.Day, r.UserID, r.Feature)
		}
		if len(part) == activityBatch || start == 0 {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = pool.ExecContext(ctx, stmt(len(part)), args...)
		}
		if err != nil {
			return err
		}
	}
	return rebuild()
}

// pauseRollupTrigger turns off the trigger that keeps the activity rollups
// as rows are inserted (one rollup update per row, a third of the load's
// time) and returns the func that rebuilds the rollups set-based and turns
// it back on, as the scale generator does; all of it inside the load's
// transaction, so a failed load leaves the trigger as it was. SQLite
// cannot disable a trigger: it is dropped and created again from its
// stored definition.
func pauseRollupTrigger(ctx context.Context, store *models.Store, pool gorm.ConnPool) (func() error, error) {
	name := models.ActivityRollupInsertTrigger
	var restore string
	if store.Dialect() == models.DialectPostgres {
		if _, err := pool.ExecContext(ctx, "ALTER TABLE activities DISABLE TRIGGER "+name); err != nil {
			return nil, fmt.Errorf("activity rollups: %w", err)
		}
		restore = "ALTER TABLE activities ENABLE TRIGGER " + name
	} else {
		if err := pool.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", name).Scan(&restore); err != nil {
			return nil, fmt.Errorf("activity rollups: %w", err)
		}
		if _, err := pool.ExecContext(ctx, "DROP TRIGGER "+name); err != nil {
			return nil, fmt.Errorf("activity rollups: %w", err)
		}
	}
	return func() error {
		for _, q := range append(models.ActivityRollupRebuild(), restore) {
			if _, err := pool.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("activity rollups: %w", err)
			}
		}
		return nil
	}, nil
}
