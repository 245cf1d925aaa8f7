package ingestion_test

import (
	"context"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// A batch must say who sends it: one that does not is refused before
// anything is read or written.
func TestBatchNeedsAnOrigin(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	dec := ingestion.NewCSVDecoder(strings.NewReader("external_id,name\nA-1,Acme\n"), ingestion.KindAccounts)
	_, err := ingestion.Ingest(context.Background(), s, ingestion.KindAccounts, dec, ingestion.IngestOptions{})
	if err == nil || !strings.Contains(err.Error(), "names no origin") {
		t.Errorf("no origin: %v", err)
	}
	if n, _ := s.CountAccounts(context.Background()); n != 0 {
		t.Errorf("%d accounts written", n)
	}
	if _, total, _ := s.RecentAudit(context.Background(), 1); total != 0 {
		t.Errorf("%d audit entries", total)
	}
	res, err := ingestion.ImportCSV(context.Background(), s, ingestion.KindAccounts, strings.NewReader("external_id,name\nA-1,Acme\n"))
	entries, _, _ := s.RecentAudit(context.Background(), 1)
	if err != nil || len(entries) != 1 || entries[0].Origin != models.OriginCLI || len(res.Accounts) != 1 {
		t.Errorf("ImportCSV: %+v %v", entries, err)
	}
}
