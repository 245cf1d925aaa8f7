package ingest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/commands/ingestion"
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
	if tr, ok := out["truncated"]; !ok || tr != false {
		a.t.Errorf("%q: truncated is %v (present %v), want false", body, tr, ok)
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

// TestStrictRecords: a repeated field, an amount over 13 digits and an
// NDJSON line over MaxRecordBytes are 422s naming the record; field names
// match in any case.
func TestStrictRecords(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s)
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		first := a.reject("mrr", ingest.TypeJSON, `[{"account":"acc-1","effective_on":"2026-01-01","mrr":"1","mrr":"2"}]`, "given twice")
		if first["field"] != "mrr" {
			t.Errorf("repeated key: got %v, want field mrr", first)
		}
		a.reject("mrr", ingest.TypeJSON, `[{"account":"acc-1","Account":"acc-2","effective_on":"2026-01-01","mrr":"1"}]`, "given twice")
		first = a.reject("mrr", ingest.TypeJSON, `[{"account":"acc-1","effective_on":"2026-01-01","mrr":"12345678901234"}]`, "too large")
		if first["field"] != "mrr" {
			t.Errorf("14-digit amount: got %v, want field mrr", first)
		}
		good := `{"account":"acc-1","effective_on":"2026-01-01","mrr":"1"}` + "\n"
		huge := `{"account":"acc-1","effective_on":"2026-01-02","mrr":"1","note":"` + strings.Repeat("x", 3<<20) + `"}` + "\n"
		first = a.reject("mrr", ingest.TypeNDJSON, good+huge+good, "record too large")
		if first["index"] != 1.0 {
			t.Errorf("30 MB line: got %v, want index 1", first)
		}
		// Just over the limit, within the reader's slack: caught by length,
		// and reading goes on to the next record.
		over := `{"account":"acc-1","effective_on":"2026-01-02","mrr":"1","note":"` + strings.Repeat("x", ingestion.MaxRecordBytes) + `"}` + "\n"
		code, out := a.post("mrr", ingest.TypeNDJSON, good+over+`{"account":"acc-1","effective_on":"bad","mrr":"1"}`)
		if errs, _ := out["errors"].([]any); code != 422 || len(errs) != 2 {
			t.Errorf("line just over the limit: got %d %v, want 422 with 2 errors", code, out)
		}
		out = a.mustPost("mrr", ingest.TypeJSON, `[{"Account":"acc-1","EFFECTIVE_ON":"2026-01-01","Mrr":"1"}]`)
		if got := counts(out); got != "inserted=1 updated=0 unchanged=0" {
			t.Errorf("field names in other cases: got %s", got)
		}
	})
}

// TestRequestChecks: an oversized Content-Length is refused up front, a
// body without a length is still cut at the limit, the scheme "bearer" is
// accepted, and a charset other than UTF-8 is a 415.
func TestRequestChecks(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		a := newAPI(t, s, ingest.WithMaxBytes(1024))
		a.mustPost("accounts", ingest.TypeJSON, batches[0].body)
		big := strings.Repeat(`{"account":"acc-1","effective_on":"2026-01-01","mrr":"1"}`+"\n", 40)
		code, out := a.post("mrr", ingest.TypeNDJSON, big)
		if msg, _ := out["error"].(string); code != 413 || !strings.Contains(msg, fmt.Sprintf("(%d bytes)", len(big))) {
			t.Errorf("Content-Length over the limit: got %d %v, want 413 naming the size", code, out)
		}
		req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/mrr", io.MultiReader(strings.NewReader(big)))
		req.Header.Set("Content-Type", ingest.TypeNDJSON)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if req.ContentLength != 0 || resp.StatusCode != 413 {
			t.Errorf("chunked body over the limit: got %d (length %d), want 413", resp.StatusCode, req.ContentLength)
		}
		body := `[{"account":"acc-1","effective_on":"2026-01-01","mrr":"1"}]`
		if code, out := a.post("mrr", ingest.TypeJSON, body, "Authorization", "bearer "+token); code != 200 {
			t.Errorf("scheme in lower case: got %d %v, want 200", code, out)
		}
		if code, out := a.post("mrr", ingest.TypeJSON+"; charset=UTF-8", body); code != 200 {
			t.Errorf("charset=UTF-8: got %d %v, want 200", code, out)
		}
		if code, out := a.post("mrr", ingest.TypeJSON+"; charset=iso-8859-1", body); code != 415 {
			t.Errorf("charset=iso-8859-1: got %d %v, want 415", code, out)
		}
		var n int64
		s.DB().Model(&models.MRRChange{}).Count(&n)
		if n != 1 {
			t.Errorf("%d mrr rows, want 1", n)
		}
	})
}
