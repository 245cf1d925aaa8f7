package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
	"github.com/prometheus/client_golang/prometheus"
)

// TestChatWritesDuringMillionRowIngestion is the soak of chat writes
// against a 1,000,000-row NDJSON batch on SQLite, whose transaction holds
// the database's only write lock for as long as the batch takes: a /pulse
// or a /touch is sent every 100 ms while the batch streams in, each as a
// different person, and every one must be written and answered, none
// "Sorry, that failed". It reports how many were sent, how many were
// written, and how long they waited. Slow, so it runs only with
// HEALTHBOT_INGEST_MILLION=1, as the million-row upload does.
func TestChatWritesDuringMillionRowIngestion(t *testing.T) {
	if os.Getenv("HEALTHBOT_INGEST_MILLION") != "1" {
		t.Skip("set HEALTHBOT_INGEST_MILLION=1 to run chat writes against a million-row upload")
	}
	s := modelstest.MustOpenSQLite(t)
	seedAccounts(t, s, benchAccounts)
	svc := &commands.Service{Store: s, Config: scoring.Default(), Log: slog.New(slog.DiscardHandler)}
	h := ingest.New(s, token, ingest.WithRegistry(prometheus.NewRegistry()), ingest.WithMaxBytes(1<<30))
	mux := http.NewServeMux()
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	const rows = 1_000_000
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeActivity(pw, rows, false)) }()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/activity", pr)
	req.Header.Set("Content-Type", ingest.TypeNDJSON)
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	uploaded := make(chan struct{})
	var (
		status int
		res    ingest.Result
		took   time.Duration
	)
	go func() {
		defer close(uploaded)
		resp, err := http.DefaultClient.Do(req)
		took = time.Since(start)
		if err != nil {
			t.Errorf("upload: %v", err)
			return
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		_ = json.NewDecoder(resp.Body).Decode(&res)
	}()

	type outcome struct {
		line   string
		wait   time.Duration
		during bool // sent while the batch was still uploading
		text   string
		err    error
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		writers  sync.WaitGroup
	)
	tick := time.NewTicker(100 * time.Millisecond)
	for i := 0; ; i++ {
		done := false
		select {
		case <-uploaded:
			done = true
		case <-tick.C:
		}
		if done {
			break
		}
		line := fmt.Sprintf("/pulse account-%d green other soak", i%benchAccounts)
		if i%2 == 1 {
			line = fmt.Sprintf("/touch account-%d call soak", i%benchAccounts)
		}
		caller := commands.Caller{Platform: "slack", TeamID: "T1", UserID: fmt.Sprintf("U%d", i), UserName: fmt.Sprintf("csm%d", i)}
		writers.Go(func() {
			sent := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			r, err := svc.Run(ctx, caller, line)
			o := outcome{line: line, wait: time.Since(sent), text: r.Text, err: err}
			select {
			case <-uploaded:
			default:
				o.during = true
			}
			mu.Lock()
			outcomes = append(outcomes, o)
			mu.Unlock()
		})
	}
	tick.Stop()
	writers.Wait()
	if status != http.StatusOK || res.Inserted != rows {
		t.Fatalf("upload: %d %+v, want 200 with %d inserted", status, res, rows)
	}

	var waits []time.Duration
	failed := 0
	for _, o := range outcomes {
		waits = append(waits, o.wait)
		if o.err != nil || !strings.HasPrefix(o.text, "Recorded") {
			failed++
			if failed <= 5 {
				t.Errorf("%s: %q, %v", o.line, o.text, o.err)
			}
		}
	}
	slices.Sort(waits)
	var stored int64
	for _, m := range []any{&models.Pulse{}, &models.Touch{}} {
		var n int64
		if err := s.DB().Model(m).Where("note = ?", "soak").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		stored += n
	}
	if failed > 0 || stored != int64(len(outcomes)) {
		t.Errorf("%d of %d chat writes failed, %d stored: want every one written", failed, len(outcomes), stored)
	}
	pct := func(p float64) time.Duration {
		return waits[min(len(waits)-1, int(p*float64(len(waits))))].Round(time.Millisecond)
	}
	t.Logf("sqlite: %d rows in %v (%.0f rows/s); chat writes sent during it: %d, written and answered: %d, stored: %d, failed: %d; wait p50 %v, p99 %v, max %v",
		rows, took.Round(time.Millisecond), rows/took.Seconds(), len(outcomes), len(outcomes)-failed, stored, failed,
		pct(0.5), pct(0.99), waits[len(waits)-1].Round(time.Millisecond))
}
