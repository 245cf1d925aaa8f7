package models_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// interleavedTouches is n touches spread over accounts and days in
// round-robin order, so every chunk spans every account and most days: the
// shape that made the day-range lookup read the whole table per chunk.
func interleavedTouches(ids []uint, n int) []models.Touch {
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	rows := make([]models.Touch, n)
	for i := range rows {
		rows[i] = models.Touch{AccountID: ids[i%len(ids)], At: base.AddDate(0, 0, i%500).Add(time.Duration(i/500) * time.Minute), Kind: "call", By: fmt.Sprint("csm", i%3), Note: "n"}
	}
	return rows
}

func seedAccounts(t testing.TB, s *models.Store, n int) []uint {
	t.Helper()
	var rows []models.Account
	for i := range n {
		rows = append(rows, models.Account{ExternalID: fmt.Sprint("k", i), Name: fmt.Sprint("K", i), Slug: fmt.Sprint("k", i)})
	}
	c, err := s.UpsertAccounts(context.Background(), rows)
	if err != nil || len(c.Changed) != n {
		t.Fatalf("accounts: %+v %v", c, err)
	}
	return c.Changed
}

// TestUpsertByNaturalKeyCounts: touches, surveys and MRR changes looked up
// by their exact keys count inserted, updated and unchanged exactly across
// chunks, with a key repeated inside the batch and keys shared by rows of
// other accounts or days.
func TestUpsertByNaturalKeyCounts(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		ids := seedAccounts(t, s, 7)
		tx := func(fn func(tx *models.Store) (models.Counts, error)) string {
			t.Helper()
			var c models.Counts
			if err := s.WithTx(ctx, func(tx *models.Store) error {
				var err error
				c, err = fn(tx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%d/%d/%d", c.Inserted, c.Updated, c.Unchanged)
		}
		n := models.IngestChunk*2 + 31
		touches := interleavedTouches(ids, n)
		touches = append(touches, touches[3]) // a repeat within the batch
		if got, want := tx(func(tx *models.Store) (models.Counts, error) { return tx.UpsertTouches(ctx, touches) }), fmt.Sprintf("%d/0/1", n); got != want {
			t.Errorf("touches first: got %s, want %s", got, want)
		}
		again := interleavedTouches(ids, n)
		again[10].Note, again[n-1].Exec = "changed", true
		again = append(again, models.Touch{AccountID: ids[0], At: again[0].At, Kind: "email", By: "csm0"}) // same instant, other kind
		if got := tx(func(tx *models.Store) (models.Counts, error) { return tx.UpsertTouches(ctx, again) }); got != fmt.Sprintf("1/2/%d", n-2) {
			t.Errorf("touches again: got %s, want 1/2/%d", got, n-2)
		}

		at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		var surveys []models.Survey
		for i := range n {
			surveys = append(surveys, models.Survey{AccountID: ids[i%len(ids)], Kind: "nps", Score: i % 11, At: at.Add(time.Duration(i) * time.Hour), Respondent: fmt.Sprint("r", i%5)})
		}
		if got, want := tx(func(tx *models.Store) (models.Counts, error) { return tx.UpsertSurveys(ctx, surveys) }), fmt.Sprintf("%d/0/0", n); got != want {
			t.Errorf("surveys first: got %s, want %s", got, want)
		}
		surveys[7].Score = (surveys[7].Score + 1) % 11
		surveys = append(surveys, models.Survey{AccountID: surveys[0].AccountID, Kind: "csat", Score: 3, At: surveys[0].At, Respondent: surveys[0].Respondent})
		if got, want := tx(func(tx *models.Store) (models.Counts, error) { return tx.UpsertSurveys(ctx, surveys) }), fmt.Sprintf("1/1/%d", n-1); got != want {
			t.Errorf("surveys again: got %s, want %s", got, want)
		}

		var mrr []models.MRRChange
		for i := range n {
			mrr = append(mrr, models.MRRChange{AccountID: ids[i%len(ids)], EffectiveOn: at.AddDate(0, 0, i/len(ids)).Format(models.DayLayout), MRRCents: int64(i)})
		}
		if got, want := tx(func(tx *models.Store) (models.Counts, error) { return tx.UpsertMRR(ctx, mrr) }), fmt.Sprintf("%d/0/0", n); got != want {
			t.Errorf("mrr first: got %s, want %s", got, want)
		}
		mrr[n-1].MRRCents = 1
		if got, want := tx(func(tx *models.Store) (models.Counts, error) { return tx.UpsertMRR(ctx, mrr) }), fmt.Sprintf("0/1/%d", n-1); got != want {
			t.Errorf("mrr again: got %s, want %s", got, want)
		}
	})
}

// BenchmarkUpsertInterleavedTouches ingests 60,000 touches interleaved
// over 200 accounts and 500 days, 1000 rows a call in one
// transaction as the ingestion sink writes them, into a table that already
// holds the batch's earlier chunks. Each iteration uses new instants, so
// every row is an insert and the table grows by 60,000 rows.
func BenchmarkUpsertInterleavedTouches(b *testing.B) {
	var s *models.Store
	if os.Getenv("HEALTHBOT_BENCH_SQLITE") != "" {
		s = modelstest.MustOpenSQLite(b)
	} else {
		s = modelstest.MustOpenPostgres(b)
	}
	ctx := context.Background()
	ids := seedAccounts(b, s, 200)
	const n = 60000
	iter := 0
	for b.Loop() {
		rows := interleavedTouches(ids, n)
		for i := range rows {
			rows[i].By = fmt.Sprint(rows[i].By, "-", iter)
		}
		iter++
		if err := s.WithTx(ctx, func(tx *models.Store) error {
			for part := range slices.Chunk(rows, models.IngestChunk) {
				c, err := tx.UpsertTouches(ctx, part)
				if err != nil {
					return err
				}
				if c.Inserted != len(part) {
					return fmt.Errorf("got %+v, want %d inserted", c, len(part))
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
