package ingestion_test

import (
	"context"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestPartialAccounts: with PartialAccounts a record may leave out the
// name of an account that exists (a connector's single changed property),
// never of one it would create, and never send it empty.
func TestPartialAccounts(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ingestMust(t, s, "accounts", "accounts.csv")
		ingest := func(opt ingestion.IngestOptions, recs ...map[string]string) error {
			_, err := ingestion.Ingest(context.Background(), s, "accounts", ingestion.NewRecordsDecoder(recs), opt)
			return err
		}
		by := models.Actor{Origin: models.OriginCLI}
		partial := ingestion.IngestOptions{By: by, PartialAccounts: true}
		if err := ingest(ingestion.IngestOptions{By: by}, map[string]string{"external_id": "acc-1", "mrr": "1"}); err == nil {
			t.Fatal("a record without a name passed without PartialAccounts")
		}
		if err := ingest(partial, map[string]string{"external_id": "acc-1", "mrr": "2500"}); err != nil {
			t.Fatal(err)
		}
		var a models.Account
		s.DB().Where("external_id = ?", "acc-1").First(&a)
		if a.MRRCents != 250000 || a.Name == "" || a.Owner != "alice" || a.Seats != 40 {
			t.Errorf("after a partial update: %+v", a)
		}
		err := ingest(partial, map[string]string{"external_id": "acc-new", "plan": "pro"}, map[string]string{"external_id": "acc-2", "name": ""})
		be := ingestBatchErr(t, err)
		if len(be.Errors) != 2 || be.Errors[0].Field != "name" || !strings.Contains(be.Errors[0].Reason, "a new account needs a name") ||
			be.Errors[1].Field != "name" || be.Errors[1].Reason != "is required" {
			t.Errorf("errors %v", be)
		}
	})
}
