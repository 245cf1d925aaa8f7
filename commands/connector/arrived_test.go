package connector_test

import (
	"context"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestParkedReplayedWhenAccountIngested: events naming an external id no
// account has are parked (a Stripe invoice with metadata.healthbot_account,
// a Segment track whose groupId is the external id); once a batch of
// accounts creates that account, ReplayArrived applies them, and leaves
// alone those still waiting for another account.
func TestParkedReplayedWhenAccountIngested(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seed(t, s)
		at := now.Add(-time.Hour)
		inv := invoiceEvent("evt_1", "payment_failed", at, 2, "cus_new", "crm-initech")
		inv.Records[0].Fields["status"] = "failed"
		rep := apply(t, s, inv, track("m1", "crm-initech", "u1", "reports", at), track("m2", "crm-hooli", "u1", "reports", at))
		if got := results(rep); got != "parked parked parked" {
			t.Fatalf("before the account: %s", got)
		}
		// Nothing to replay while no account has those external ids.
		if rep, err := applier(s).ReplayArrived(ctx, nil); err != nil || len(rep.Replayed) != 0 {
			t.Fatalf("replay with no new account: %+v, %v", rep, err)
		}
		recs := []map[string]string{{"external_id": "crm-initech", "name": "Initech"}}
		if _, err := ingestion.Ingest(ctx, s, ingestion.KindAccounts, ingestion.NewRecordsDecoder(recs), ingestion.IngestOptions{By: cli}); err != nil {
			t.Fatal(err)
		}
		rep, err := applier(s).ReplayArrived(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		initech, err := s.AccountByExternalID(ctx, "crm-initech")
		if err != nil {
			t.Fatal(err)
		}
		if rep.ReplayedWritten() != 2 || len(rep.Replayed) != 2 || len(rep.Accounts) != 1 || rep.Accounts[0] != initech.ID {
			t.Fatalf("replay: %+v", rep)
		}
		if got, ok := invoice(t, s, "in_1"); !ok || got.Status != "failed" || got.AccountID != initech.ID {
			t.Fatalf("invoice after the replay: %+v (%v)", got, ok)
		}
		if n := count(t, s, &models.Activity{}); n != 1 {
			t.Fatalf("%d activity rows after the replay, want 1", n)
		}
		groups, total, err := s.ParkedGroups(ctx, 10)
		if err != nil || total != 1 || groups[0].SourceID != "crm-hooli" {
			t.Fatalf("still parked: %+v (%d), %v", groups, total, err)
		}
		// Again: nothing left for Initech.
		if rep, err := applier(s).ReplayArrived(ctx, nil); err != nil || len(rep.Replayed) != 0 {
			t.Fatalf("second replay: %+v, %v", rep, err)
		}
	})
}

// TestParkedReplayedWhenConnectorCreatesAccount: a Segment track for a
// group no account has is parked; a later group call that names the group
// creates its account, and the parked track is applied in the same
// transaction.
func TestParkedReplayedWhenConnectorCreatesAccount(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		at := now.Add(-time.Hour)
		if got := results(apply(t, s, track("m1", "grp-7", "u1", "reports", at))); got != "parked" {
			t.Fatalf("track: %s", got)
		}
		rep := apply(t, s, segmentGroup("m2", "grp-7", "u2", "Umbrella", at))
		if got := results(rep); got != "written" || rep.ReplayedWritten() != 1 {
			t.Fatalf("group: %s, replayed %+v", got, rep.Replayed)
		}
		a, err := s.AccountByExternalID(context.Background(), "grp-7")
		if err != nil {
			t.Fatal(err)
		}
		var acts []models.Activity
		if err := s.DB().Where("account_id = ?", a.ID).Find(&acts).Error; err != nil || len(acts) != 1 || acts[0].UserID != "u1" {
			t.Fatalf("activity %+v, %v", acts, err)
		}
		if _, total, _ := s.ParkedGroups(context.Background(), 0); total != 0 {
			t.Fatalf("%d groups still parked", total)
		}
	})
}
