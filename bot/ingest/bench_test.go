package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/prometheus/client_golang/prometheus"
)

const benchAccounts = 100

// seedAccounts creates accounts a0 … a{n-1}.
func seedAccounts(tb testing.TB, s *models.Store, n int) {
	tb.Helper()
	var b strings.Builder
	b.WriteString("external_id,name\n")
	for i := range n {
		fmt.Fprintf(&b, "a%d,Account %d\n", i, i)
	}
	if _, err := ingestion.ImportCSV(context.Background(), s, "accounts", strings.NewReader(b.String())); err != nil {
		tb.Fatal(err)
	}
}

// dayCounter gives every generated batch its own day, so each one inserts
// fresh rows rather than hitting the already-stored path.
var dayCounter atomic.Int64

// writeActivity writes rows activity records (NDJSON, or a JSON array when
// array is set) spread over benchAccounts accounts on one fresh day.
func writeActivity(w io.Writer, rows int, array bool) error {
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(dayCounter.Add(1))).Format(models.DayLayout)
	bw := bufio.NewWriterSize(w, 64<<10)
	sep := "\n"
	if array {
		bw.WriteString("[")
		sep = ",\n"
	}
	for i := range rows {
		if i > 0 {
			bw.WriteString(sep)
		}
		fmt.Fprintf(bw, `{"account":"a%d","user":"user-%d","day":"%s","feature":"reports"}`, i%benchAccounts, i/benchAccounts, day)
	}
	if array {
		bw.WriteString("]")
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// BenchmarkIngestActivity measures activity ingestion through the HTTP
// handler on PostgreSQL, 100,000 rows per operation, reporting rows/s.
// Run: HEALTHBOT_TEST_POSTGRES_URL=… go test -run '^$' -bench IngestActivity -benchtime 3x ./bot/ingest/
func BenchmarkIngestActivity(b *testing.B) {
	if os.Getenv(modelstest.PostgresEnv) == "" {
		b.Skipf("%s not set", modelstest.PostgresEnv)
	}
	benchIngestActivity(b, modelstest.MustOpenPostgres(b))
}

// BenchmarkIngestActivitySQLite is BenchmarkIngestActivity on a SQLite file.
func BenchmarkIngestActivitySQLite(b *testing.B) {
	benchIngestActivity(b, modelstest.MustOpenSQLite(b))
}

func benchIngestActivity(b *testing.B, s *models.Store) {
	seedAccounts(b, s, benchAccounts)
	h := ingest.New(s, token, ingest.WithRegistry(prometheus.NewRegistry()), ingest.WithMaxBytes(1<<30))
	const rows = 100_000
	for _, tc := range []struct {
		name, contentType string
		array             bool
	}{{"JSON", ingest.TypeJSON, true}, {"NDJSON", ingest.TypeNDJSON, false}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var body bytes.Buffer
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				body.Reset()
				if err := writeActivity(&body, rows, tc.array); err != nil {
					b.Fatal(err)
				}
				req := httptest.NewRequest(http.MethodPost, "/api/v1/activity", &body)
				req.SetPathValue("kind", "activity")
				req.Header.Set("Content-Type", tc.contentType)
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				b.StartTimer()
				h.ServeHTTP(rec, req)
				var res ingest.Result
				if err := json.Unmarshal(rec.Body.Bytes(), &res); rec.Code != 200 || err != nil || res.Inserted != rows {
					b.Fatalf("got %d %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestMillionRowNDJSONMemory uploads 1,000,000 activity rows as NDJSON over
// real HTTP, the body generated as it is sent, and reports the server
// process's peak heap while the batch streams into PostgreSQL (SQLite when
// PostgreSQL is not configured). It is slow, so it runs only when
// HEALTHBOT_INGEST_MILLION=1.
func TestMillionRowNDJSONMemory(t *testing.T) {
	if os.Getenv("HEALTHBOT_INGEST_MILLION") != "1" {
		t.Skip("set HEALTHBOT_INGEST_MILLION=1 to upload a million rows")
	}
	var s *models.Store
	if os.Getenv(modelstest.PostgresEnv) != "" {
		s = modelstest.MustOpenPostgres(t)
	} else {
		s = modelstest.MustOpenSQLite(t)
	}
	seedAccounts(t, s, benchAccounts)
	h := ingest.New(s, token, ingest.WithRegistry(prometheus.NewRegistry()), ingest.WithMaxBytes(1<<30))
	mux := http.NewServeMux()
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	const rows = 1_000_000
	pr, pw := io.Pipe()
	sent := &countingWriter{w: pw}
	go func() { pw.CloseWithError(writeActivity(sent, rows, false)) }()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/activity", pr)
	req.Header.Set("Content-Type", ingest.TypeNDJSON)
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	close(stop)
	<-sampled
	var res ingest.Result
	_ = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != 200 || res.Inserted != rows {
		t.Fatalf("got %d %+v, want 200 with %d inserted", resp.StatusCode, res, rows)
	}
	t.Logf("%s: %d rows, %.1f MB body in %v (%.0f rows/s); heap in use: %.1f MB before, peak %.1f MB (+%.1f MB)",
		s.Dialect(), rows, float64(sent.n)/1e6, took.Round(time.Millisecond), rows/took.Seconds(),
		float64(base)/(1<<20), float64(peak.Load())/(1<<20), float64(peak.Load()-base)/(1<<20))
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
