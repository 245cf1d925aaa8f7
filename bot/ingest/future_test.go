package ingest_test

import (
	"net/http"
	"testing"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// A future-dated activity row, which once switched every later rescore
// off the rollups, is a 422 naming the day, and nothing is written.
func TestFutureActivityDayIs422(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, `[{"external_id":"acc-1","name":"Acme"}]`)
		code, out := a.post("activity", ingest.TypeNDJSON, `{"account":"acc-1","user":"u1","day":"2026-03-01"}
{"account":"acc-1","user":"u1","day":"9999-12-31"}
`)
		errs, _ := out["errors"].([]any)
		if code != http.StatusUnprocessableEntity || len(errs) != 1 {
			t.Fatalf("got %d %v, want 422 with one error", code, out)
		}
		if e := errs[0].(map[string]any); e["index"] != 1.0 || e["field"] != "day" {
			t.Errorf("error %v, want index 1, field day", e)
		}
		var n int64
		if err := s.DB().Table("activities").Count(&n).Error; err != nil || n != 0 {
			t.Errorf("%d activity rows written (%v), want none", n, err)
		}
	})
}
