package ingest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// reject posts body and checks for a 422 whose first error contains want,
// and that the batch wrote no mrr rows.
func (a *api) reject(kind, contentType, body, want string) map[string]any {
	a.t.Helper()
	code, out := a.post(kind, contentType, body)
	errs, _ := out["errors"].([]any)
	if code != http.StatusUnprocessableEntity || len(errs) == 0 {
		a.t.Fatalf("%q: got %d %v, want 422", body, code, out)
	}
	first, _ := errs[0].(map[string]any)
	if reason, _ := first["reason"].(string); !strings.Contains(reason, want) {
		a.t.Errorf("%q: first error %v, want a reason containing %q", body, first, want)
	}
	var n int64
	a.store.DB().Model(&models.MRRChange{}).Count(&n)
	if n != 0 {
		a.t.Errorf("%q: a rejected batch left %d mrr rows", body, n)
	}
	return first
}

// TestTrailingAfterArray: anything but whitespace after the array's closing
// bracket rejects the whole batch, naming the byte where it starts.
func TestTrailingAfterArray(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		recA := `{"account":"acc-1","effective_on":"2026-01-01","mrr":"1000"}`
		recB := `{"account":"acc-2","effective_on":"2026-01-01","mrr":"2000"}`
		first := a.reject("mrr", ingest.TypeJSON, "["+recA+"]["+recB+"]", "at byte offset 62")
		if first["index"] != 1.0 {
			t.Errorf("[A][B]: index %v, want 1 (after the one record)", first["index"])
		}
		a.reject("mrr", ingest.TypeJSON, "["+recA+"] xyz", `"xyz" at byte offset 63`)
		a.reject("mrr", ingest.TypeJSON, "[] ,", `"," at byte offset 3`)
		out := a.mustPost("mrr", ingest.TypeJSON, "["+recA+"] \n\t\r\n")
		if got := counts(out); got != "inserted=1 updated=0 unchanged=0" {
			t.Errorf("trailing whitespace: got %s", got)
		}
	})
}

// TestBadText: a NUL character (which PostgreSQL text cannot hold) or
// bytes that are not UTF-8 are a 422 naming the field, never a 500.
func TestBadText(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		first := a.reject("touches", ingest.TypeJSON, `[{"account":"acc-1","at":"2026-02-10T15:00:00Z","kind":"call","note":"a\u0000b"}]`, `NUL character`)
		if first["field"] != "note" || first["index"] != 0.0 {
			t.Errorf("NUL in note: got %v, want index 0, field note", first)
		}
		first = a.reject("mrr", ingest.TypeNDJSON, `{"account":"acc-1","effective_on":"2026-01-01","mrr":"1"}`+"\n"+`{"account":"acc\u0000","effective_on":"2026-01-01","mrr":"1"}`, `NUL character`)
		if first["field"] != "account" || first["index"] != 1.0 {
			t.Errorf("NUL in account: got %v, want index 1, field account", first)
		}
		a.reject("mrr", ingest.TypeNDJSON, "{\"account\":\"acc-1\xff\",\"effective_on\":\"2026-01-01\",\"mrr\":\"1\"}", "not valid UTF-8")
		a.reject("accounts", ingest.TypeJSON, `[{"external_id":"acc-9","name":"\u0000"}]`, `NUL character`)
		var n int64
		s.DB().Model(&models.Touch{}).Count(&n)
		if n != 0 {
			t.Errorf("rejected batches left %d touches", n)
		}
	})
}
