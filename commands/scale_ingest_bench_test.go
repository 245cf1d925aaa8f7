package commands_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
	"github.com/healthbot/healthbot/models/gen/gentest"
)

// ndjsonRowsEnv sizes one NDJSON batch of BenchmarkScaleIngestNDJSON
// (default 100,000 rows: a day of a 17,000-account portfolio's activity).
const ndjsonRowsEnv = "HEALTHBOT_BENCH_INGEST_ROWS"

// BenchmarkScaleIngestNDJSON ingests a batch of activity as NDJSON through
// ingestion.Ingest (decode, validate, resolve accounts, write, queue for
// the rollups, audit, one transaction, committed), the day after the
// dataset's last, one new day per iteration, spread over the portfolio's
// accounts with a few users each. Before each ingestion, the same rows are COPYed raw
// into the same table (gentest.RawCopyActivity, rolled back), so each
// iteration has its own yardstick measured under the same load. It
// reports rows/s, the raw COPY's rows/s and their ratio (x-raw-copy,
// the target being at least 1/3), the median time of the fold each batch
// leaves to the work after its commit (fold-s, untimed otherwise), and
// the rate of a feed of batches folded beside them (feed-rows/s, see
// feedRate); per-iteration values are logged for medians and spread.
func BenchmarkScaleIngestNDJSON(b *testing.B) {
	n := 100000
	if v := os.Getenv(ndjsonRowsEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number", ndjsonRowsEnv, v)
		}
	}
	gentest.ForEachBenchDB(b, func(b *testing.B, s *models.Store, p gen.Params) {
		ctx := context.Background()
		cleanup := func() {
			if err := s.DB().Exec("DELETE FROM activities WHERE day > ?", p.End.Format(models.DayLayout)).Error; err != nil {
				b.Error(err)
			}
			gentest.Vacuum(b, s, true, "activities", "activity_days", "activity_last")
		}
		cleanup()
		b.Cleanup(cleanup)
		// ~6 users per account and day, as in the dataset, over as many
		// accounts as that takes (all of them when the batch is large).
		accounts := max(1, min(p.Accounts, n/6))
		var ids []struct {
			ID         uint
			ExternalID string
		}
		if err := s.DB().Raw("SELECT id, external_id FROM accounts ORDER BY id LIMIT ?", accounts).Scan(&ids).Error; err != nil {
			b.Fatal(err)
		}
		features := []string{"reports", "dashboards", "exports", ""}
		batch := func(i int) ([]byte, []models.Activity) {
			var buf bytes.Buffer
			rows := make([]models.Activity, 0, n)
			day := p.End.AddDate(0, 0, 1+i).Format(models.DayLayout)
			for k := 0; k < n; k++ {
				a := ids[k%len(ids)]
				user, feature := "u"+strconv.Itoa(k/len(ids)), features[k%len(features)]
				fmt.Fprintf(&buf, `{"account":%q,"user":%q,"day":%q,"feature":%q}`+"\n", a.ExternalID, user, day, feature)
				rows = append(rows, models.Activity{AccountID: a.ID, Day: day, UserID: user, Feature: feature})
			}
			return buf.Bytes(), rows
		}
		var spent, raw time.Duration
		var rates, ratios, folds, sustained []float64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			body, rows := batch(i)
			r := gentest.RawCopyActivity(b, s, rows)
			raw += r
			b.StartTimer()
			t0 := time.Now()
			res, err := ingestion.Ingest(ctx, s, ingestion.KindActivity, ingestion.NewNDJSONDecoder(bytes.NewReader(body)),
				ingestion.IngestOptions{By: models.Actor{Origin: models.OriginAPI}})
			d := time.Since(t0)
			spent += d
			if err != nil || res.Inserted != n {
				b.Fatalf("ingest: %+v, %v", res, err)
			}
			rates = append(rates, float64(n)/d.Seconds())
			if r > 0 {
				ratios = append(ratios, r.Seconds()/d.Seconds())
			}
			// The fold the batch left to the work after its commit
			// (models.FoldActivityRollups), timed on its own: the rate a
			// feed of such batches can keep up, each folded before the next.
			b.StopTimer()
			t0 = time.Now()
			folded, err := s.FoldActivityRollups(ctx, 0)
			f := time.Since(t0)
			if err != nil || (s.Dialect() == models.DialectPostgres && folded != int64(n)) {
				b.Fatalf("fold: %d rows, %v", folded, err)
			}
			folds = append(folds, f.Seconds())
			sustained = append(sustained, float64(n)/(d+f).Seconds())
			// Written out (CHECKPOINT) before the next raw COPY, as the
			// raw COPY's rows are before the ingestion: both then start
			// from a checkpoint and pay the same full-page writes.
			gentest.Vacuum(b, s, false, models.RollupQueueTable, "activity_days", "activity_last")
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(n*b.N)/spent.Seconds(), "rows/s")
		if raw > 0 {
			b.ReportMetric(float64(n*b.N)/raw.Seconds(), "raw-copy-rows/s")
			b.ReportMetric(raw.Seconds()/spent.Seconds(), "x-raw-copy")
		}
		for _, v := range [][]float64{rates, ratios, folds, sustained} {
			slices.Sort(v)
		}
		b.ReportMetric(folds[len(folds)/2], "fold-s")
		b.Logf("%d rows per batch, %d accounts: rows/s %.0f; x-raw-copy %.3f; fold s %.2f; rows/s with the fold %.0f",
			n, accounts, rates, ratios, folds, sustained)
		feed := feedRate(b, s, func(i int) []byte { body, _ := batch(b.N + i); return body })
		b.ReportMetric(feed, "feed-rows/s")
	})
}

// feedBatches is how many batches feedRate sends back to back.
const feedBatches = 4

// feedRate sends feedBatches batches back to back while another goroutine
// folds whatever they queued, as serve's worker does after each commit,
// and returns the rate of the whole (untimed by the benchmark): from the
// first batch to the last one's rows folded. On SQLite, where the
// triggers keep the rollups, it is the batches' own rate.
func feedRate(b *testing.B, s *models.Store, body func(i int) []byte) float64 {
	b.Helper()
	ctx := context.Background()
	bodies := make([][]byte, feedBatches)
	for i := range bodies {
		bodies[i] = body(i)
	}
	sent := make(chan struct{})
	folding := make(chan error, 1)
	go func() {
		for {
			select {
			case <-sent:
				_, err := s.FoldActivityRollups(ctx, 0) // the last batch's rows
				folding <- err
				return
			default:
			}
			if n, err := s.FoldActivityRollups(ctx, 0); err != nil {
				folding <- err
				return
			} else if n == 0 {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	t0 := time.Now()
	rows := 0
	for _, body := range bodies {
		res, err := ingestion.Ingest(ctx, s, ingestion.KindActivity, ingestion.NewNDJSONDecoder(bytes.NewReader(body)),
			ingestion.IngestOptions{By: models.Actor{Origin: models.OriginAPI}})
		if err != nil {
			b.Fatalf("feed: %v", err)
		}
		rows += res.Inserted
	}
	close(sent)
	if err := <-folding; err != nil {
		b.Fatalf("feed: fold: %v", err)
	}
	d := time.Since(t0)
	b.Logf("feed of %d batches, folded beside them: %d rows in %s, %.0f rows/s", feedBatches, rows, d.Round(time.Millisecond), float64(rows)/d.Seconds())
	return float64(rows) / d.Seconds()
}
