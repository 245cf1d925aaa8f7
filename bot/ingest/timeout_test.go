package ingest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestUploadTimeout: a client that stops sending mid-body gets a 408 that
// says what to do once the read deadline passes, and nothing is written.
// The client never finishes its body, so the answer can only come from the
// deadline; the tiny timeout just keeps the test short.
func TestUploadTimeout(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s, ingest.WithTimeout(200*time.Millisecond))
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		pr, pw := io.Pipe()
		defer pw.Close()
		go func() {
			_, _ = io.WriteString(pw, `{"account":"acc-1","user":"u1","day":"2026-03-01"}`+"\n"+`{"account":"acc-1",`)
		}()
		req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/activity", pr)
		req.Header.Set("Content-Type", ingest.TypeNDJSON)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("no answer to a timed-out upload: %v", err)
		}
		defer resp.Body.Close()
		var p ingest.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(p.Error, "took longer than 200ms") ||
			!strings.Contains(p.Error, ingest.TimeoutEnv) {
			t.Errorf("got %d %+v, want 408 naming the 200ms limit and %s", resp.StatusCode, p, ingest.TimeoutEnv)
		}
		var n int64
		s.DB().Model(&models.Activity{}).Count(&n)
		if n != 0 {
			t.Errorf("a timed-out batch wrote %d activity rows", n)
		}
	})
}
