package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ActivityPruned says what PruneActivity removed.
type ActivityPruned struct {
	Before     string   // rows of days before this one are gone
	Dropped    []string // month tables dropped (PostgreSQL)
	Deleted    int64    // rows deleted one by one (SQLite; the default partition)
	MonthsMade int      // month tables created ahead (PostgreSQL)
}

// MaintainActivity keeps activities' partitions and retention (the daily
// job of `serve`): on PostgreSQL it creates the tables of the current
// month and the next monthsAhead, and of any month with rows in the
// default partition, moving those rows to it; when keepDays > 0 it then
// drops the raw activity of days more than keepDays before now
// (PruneActivity). keepDays must be
// at least the longest activity window of the scoring config, which the
// caller checks.
func (s *Store) MaintainActivity(ctx context.Context, now time.Time, keepDays int) (ActivityPruned, error) {
	var out ActivityPruned
	n, err := s.maintainMonths(ctx, activityMonths, now)
	if err != nil {
		return out, err
	}
	out.MonthsMade = n
	if keepDays <= 0 {
		return out, nil
	}
	today, _ := ParseDay(s.DayOf(now))
	p, err := s.PruneActivity(ctx, today.AddDate(0, 0, -keepDays))
	p.MonthsMade = out.MonthsMade
	return p, err
}

// PruneActivity removes raw activity of days before before, and the
// rollup rows that only they backed, so the rollups still match the
// activity left. On PostgreSQL it works a month at a time: it drops the
// month tables that end on or before before's month (one catalog change
// each, whatever their size), deletes the same days from the default
// partition, and leaves the days of before's own month until that month
// can go whole: Before says which day the cut fell on. SQLite deletes the
// rows (its triggers keep the rollups).
func (s *Store) PruneActivity(ctx context.Context, before time.Time) (ActivityPruned, error) {
	if s.dialect != DialectPostgres {
		cut := before.Format(DayLayout)
		res := s.orm(ctx).Exec("DELETE FROM activities WHERE day < ?", cut)
		if res.Error != nil {
			return ActivityPruned{}, fmt.Errorf("prune activity: %w", res.Error)
		}
		return ActivityPruned{Before: cut, Deleted: res.RowsAffected}, nil
	}
	cut := monthStart(before)
	out := ActivityPruned{Before: cut.Format(DayLayout)}
	var parts []struct{ Name, Bound string }
	err := s.orm(ctx).Raw(`SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass('activities') ORDER BY c.relname`).Scan(&parts).Error
	if err != nil {
		return out, fmt.Errorf("prune activity: %w", err)
	}
	err = s.WithTx(ctx, func(tx *Store) error {
		db := tx.orm(ctx)
		// Queued rows of the days dropped below must not be folded in
		// afterwards: fold them now. In this read-committed transaction
		// the fold holds ingestion off to the commit.
		if err := db.Exec("SELECT activity_rollup_fold()").Error; err != nil {
			return err
		}
		for _, p := range parts {
			if !strings.HasPrefix(p.Name, "activities_") || p.Name == "activities_default" {
				continue
			}
			m, err := time.Parse("2006_01", strings.TrimPrefix(p.Name, "activities_"))
			if err != nil || m.AddDate(0, 1, 0).After(cut) {
				continue
			}
			if err := db.Exec("DROP TABLE " + p.Name).Error; err != nil {
				return err
			}
			out.Dropped = append(out.Dropped, p.Name)
		}
		// Straight at the partition: the parent's delete trigger would
		// recount what the rollup deletes below remove anyway.
		res := db.Exec("DELETE FROM activities_default WHERE day < ?", out.Before)
		if res.Error != nil {
			return res.Error
		}
		out.Deleted = res.RowsAffected
		if len(out.Dropped) == 0 && out.Deleted == 0 {
			return nil
		}
		// Every row of these days is gone: so are the day counts, and the
		// last days that fell on them (the key has no later row).
		for _, q := range []string{"DELETE FROM activity_days WHERE day < ?", "DELETE FROM activity_last WHERE last_day < ?"} {
			if err := db.Exec(q, out.Before).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("prune activity: %w", err)
	}
	return out, nil
}
