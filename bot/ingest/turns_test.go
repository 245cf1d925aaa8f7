package ingest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// heldUpload starts an activity upload whose body stops after rows
// records, holding the batch's transaction open, until the returned
// function is called, which finishes the body and returns the answer's
// status. It returns once the batch holds the activity write: on SQLite
// the write lock, taken at BEGIN, before the body is read; on PostgreSQL
// the activity advisory lock, taken with its first chunk.
func heldUpload(t *testing.T, a *api, rows int) (finish func() int) {
	t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/activity", pr)
	req.Header.Set("Content-Type", ingest.TypeNDJSON)
	req.Header.Set("Authorization", "Bearer "+token)
	status := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			status <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	var b strings.Builder
	for i := range rows {
		fmt.Fprintf(&b, `{"account":"acc-1","user":"held-%d","day":"2026-03-01"}`+"\n", i)
	}
	// The pipe hands the rows over only as the server reads them.
	if _, err := io.WriteString(pw, b.String()); err != nil {
		t.Fatal(err)
	}
	// The rows are read before the first chunk is written: wait until
	// the batch holds the lock (PostgreSQL's advisory lock, SQLite's write
	// gate), or a write sent next may take it first.
	held := func() bool { return a.store.WriterInside() }
	if a.store.Dialect() == models.DialectPostgres {
		held = func() bool { return activityLockHeld(t, a.store) }
	}
	deadline := time.Now().Add(30 * time.Second)
	for !held() {
		if time.Now().After(deadline) {
			t.Fatal("the held batch never took the activity lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() int {
		pw.Close()
		return <-status
	}
}

// activityLockHeld reports whether a transaction holds this schema's
// activity advisory lock (rollups.go).
func activityLockHeld(t *testing.T, s *models.Store) bool {
	var n int64
	err := s.DB().Raw(`SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = 1751282292 AND objid::bigint = (hashtext(current_schema())::bigint & 4294967295)`).Scan(&n).Error
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// A batch sent while another one holds the activity write open waits its
// turn and commits, rather than failing with a 500 after SQLite's busy
// timeout: the first one is held open past it.
func TestBatchesTakeTurns(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		finish := heldUpload(t, a, models.ActivityChunk+100)
		second := make(chan int, 1)
		go func() {
			code, out := a.post("activity", ingest.TypeNDJSON, batches[1].body)
			if code != http.StatusOK {
				t.Logf("second batch: %d %v", code, out)
			}
			second <- code
		}()
		var code2 int
		select {
		case code2 = <-second: // PostgreSQL: nothing to wait for, or an early failure
		case <-time.After(6 * time.Second):
		}
		code1 := finish()
		if code2 == 0 {
			code2 = <-second
		}
		if code1 != http.StatusOK || code2 != http.StatusOK {
			t.Errorf("held batch %d, batch behind it %d; want both 200", code1, code2)
		}
		var n int64
		s.DB().Model(&models.Activity{}).Count(&n)
		if want := int64(models.ActivityChunk + 100 + 3); n != want {
			t.Errorf("%d activity rows, want %d", n, want)
		}
	})
}

// A batch that cannot get the activity write within the store's batch
// wait is answered 503 with Retry-After, not 500, and writes nothing; the
// batch holding it commits.
func TestBatchThatCannotGetTheLockIs503(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		s.SetBatchWait(300 * time.Millisecond)
		finish := heldUpload(t, a, models.ActivityChunk+100)
		req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/activity", strings.NewReader(batches[1].body))
		req.Header.Set("Content-Type", ingest.TypeNDJSON)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p ingest.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			!strings.Contains(p.Error, "nothing was written") {
			t.Errorf("batch behind a held one: %d, Retry-After %q, %+v; want 503 with Retry-After saying nothing was written",
				resp.StatusCode, resp.Header.Get("Retry-After"), p)
		} else {
			t.Logf("503 Retry-After %s: %s", resp.Header.Get("Retry-After"), p.Error)
		}
		if code := finish(); code != http.StatusOK {
			t.Errorf("the held batch: %d, want 200", code)
		}
		var n int64
		s.DB().Model(&models.Activity{}).Where("user_id NOT LIKE ?", "held-%").Count(&n)
		if n != 0 {
			t.Errorf("the refused batch wrote %d rows", n)
		}
	})
}
