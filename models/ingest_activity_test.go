package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestInsertActivityCounts writes more than one chunk of activity with
// repeats inside the batch, then again, then a batch half old, half new:
// the counts must say exactly what was stored, in a plain transaction
// (multi-row INSERT) and in a bulk one (COPY on PostgreSQL, falling back to
// INSERT when a row is already stored).
func TestInsertActivityCounts(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		t.Run(fmt.Sprint("bulk=", bulk), func(t *testing.T) { testInsertActivityCounts(t, bulk) })
	}
}

func testInsertActivityCounts(t *testing.T, bulk bool) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		var ids []uint
		for i := range 3 {
			c, err := s.UpsertAccounts(ctx, []models.Account{{ExternalID: fmt.Sprint("x", i), Name: fmt.Sprint("X", i), Slug: fmt.Sprint("x", i)}})
			if err != nil || len(c.Changed) != 1 {
				t.Fatalf("account: %+v %v", c, err)
			}
			ids = append(ids, c.Changed[0])
		}
		n := models.ActivityChunk*2 + 17
		rows := make([]models.Activity, 0, n+2)
		for i := range n {
			rows = append(rows, models.Activity{AccountID: ids[i%2], Day: "2026-01-01", UserID: fmt.Sprint("u", i), Feature: "f"})
		}
		rows = append(rows, rows[5], rows[n-1]) // repeats within the batch
		insert := func(rows []models.Activity) models.Counts {
			t.Helper()
			var c models.Counts
			withTx := s.WithTx
			if bulk {
				withTx = s.WithBulkTx
			}
			err := withTx(ctx, func(tx *models.Store) error {
				var err error
				c, err = tx.InsertActivity(ctx, rows)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(c.Changed)
			return c
		}
		// Chunks 1 and 2 are new; chunk 3 repeats a row of chunk 1 and one
		// of its own.
		if c := insert(rows); c.Inserted != n || c.Unchanged != 2 || !slices.Equal(c.Changed, ids[:2]) {
			t.Errorf("first: got %+v, want %d inserted, 2 unchanged, accounts %v", c, n, ids[:2])
		}
		fresh := models.Activity{AccountID: ids[0], Day: "2026-01-05", UserID: "v"}
		if c := insert([]models.Activity{fresh, fresh, {AccountID: ids[1], Day: "2026-01-05", UserID: "v"}}); c.Inserted != 2 || c.Unchanged != 1 {
			t.Errorf("repeat within a new chunk: got %+v, want 2 inserted, 1 unchanged", c)
		}
		if c := insert(rows); c.Inserted != 0 || c.Unchanged != n+2 || len(c.Changed) != 0 {
			t.Errorf("again: got %+v, want all %d unchanged", c, n+2)
		}
		mixed := append(rows[:10:10], models.Activity{AccountID: ids[2], Day: "2026-01-02", UserID: "u", Feature: ""})
		if c := insert(mixed); c.Inserted != 1 || c.Unchanged != 10 || !slices.Contains(c.Changed, ids[2]) {
			t.Errorf("mixed: got %+v, want 1 inserted (account %d), 10 unchanged", c, ids[2])
		}
		if s.Dialect() == models.DialectPostgres {
			// PostgreSQL reports the inserted rows' accounts exactly.
			if c := insert(append(mixed, models.Activity{AccountID: ids[2], Day: "2026-01-03", UserID: "u"})); !slices.Equal(c.Changed, ids[2:]) {
				t.Errorf("postgres changed: got %v, want %v", c.Changed, ids[2:])
			}
		}
	})
}
