package ingest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/models"
)

// TestDiskFull: on a SQLite database that cannot grow (max_page_count
// set to what it holds, as a full disk would leave it: SQLITE_FULL), a
// batch is answered 507 saying the disk is full, not a generic 500, and
// /readyz turns 503 saying why, so traffic is held off until space is
// freed.
func TestDiskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.db")
	s, err := models.Open(context.Background(), path, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.DB().Raw("PRAGMA page_count").Scan(&pages).Error; err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s, err = models.Open(context.Background(), fmt.Sprintf("%s?_pragma=max_page_count(%d)", path, pages+2), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	srv := bot.NewServer("127.0.0.1:0", s, nil)
	readyz := func() (int, string) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("/readyz before = %d %s", code, body)
	}

	var b strings.Builder
	b.WriteString("[")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"external_id":"acc-%d","name":"Account number %d with a long enough name","mrr":"1000"}`, i, i)
	}
	b.WriteString("]")
	a := newAPI(t, s)
	code, out := a.post("accounts", ingest.TypeJSON, b.String())
	if msg, _ := out["error"].(string); code != http.StatusInsufficientStorage || !strings.Contains(msg, "disk full") || !strings.Contains(msg, "nothing was written") {
		t.Errorf("batch on a full disk: %d %v, want 507 saying the disk is full and nothing was written", code, out)
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "disk full") {
		t.Errorf("/readyz on a full disk = %d %q, want 503 saying disk full", code, body)
	}
}
