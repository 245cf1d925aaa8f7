package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
)

// TestIngestRescoresOnlyTouchedAccounts: two batches sent back to back
// each rescore, in the background, only the accounts they changed: those
// get today's snapshot; the others keep yesterday's, untouched, and get
// none for today. The activity they queued for the rollups is folded by
// then, as is that of an import from the command line when it returns.
func TestIngestRescoresOnlyTouchedAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		ctx := context.Background()
		store, err := models.Open(ctx, p.env["DATABASE_URL"], time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		var accounts []models.Account
		for _, x := range []string{"a", "b", "c", "d"} {
			accounts = append(accounts, models.Account{ExternalID: "crm-" + x, Name: "Account " + x, Slug: "account-" + x, Seats: 10})
		}
		if _, err := store.UpsertAccounts(ctx, accounts); err != nil {
			t.Fatal(err)
		}
		store.Close()
		p.mustRun("", "rescore", "--as-of", "2026-11-19")
		before := snapshots(t, p)
		if len(before) != 4 {
			t.Fatalf("yesterday's rescore stored %d snapshots, want 4", len(before))
		}

		p.env["HEALTHBOT_INGEST_TOKEN"] = "tok"
		// No daily rescore, which serve would otherwise run at start-up
		// for today and so score every account.
		config := filepath.Join(t.TempDir(), "healthbot.yaml")
		if err := os.WriteFile(config, []byte("schedule:\n  rescore: \"\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p.env["HEALTHBOT_CONFIG"] = config
		base, stop := startServe(t, p)
		touch := `[{"account":"crm-a","at":"2026-11-18T10:00:00Z","kind":"qbr","exec":true,"by":"dana"}]`
		if got := request(t, "POST", base+"/api/v1/touches", "tok", touch); got != 200 {
			t.Fatalf("touches batch = %d, want 200", got)
		}
		activity := `[{"account":"crm-b","user":"u1","day":"2026-11-19"},{"account":"crm-b","user":"u2","day":"2026-11-20"}]`
		if got := request(t, "POST", base+"/api/v1/activity", "tok", activity); got != 200 {
			t.Fatalf("activity batch = %d, want 200", got)
		}
		// The answers do not wait for the rescore: wait for it here.
		var after map[string]models.Snapshot
		for deadline := time.Now().Add(30 * time.Second); ; {
			after = snapshots(t, p)
			if _, a := after["crm-a 2026-11-20"]; a {
				if _, b := after["crm-b 2026-11-20"]; b {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("touched accounts never got today's snapshot: %v", slices.Sorted(maps.Keys(after)))
			}
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		checkFolded(t, p, "crm-b", "2026-11-20", 1)
		after = snapshots(t, p)
		want := []string{"crm-a 2026-11-19", "crm-a 2026-11-20", "crm-b 2026-11-19", "crm-b 2026-11-20", "crm-c 2026-11-19", "crm-d 2026-11-19"}
		if got := slices.Sorted(maps.Keys(after)); !slices.Equal(got, want) {
			t.Errorf("snapshots after the batches:\ngot  %v\nwant %v", got, want)
		}
		for _, k := range []string{"crm-c 2026-11-19", "crm-d 2026-11-19"} {
			if b, a := before[k], after[k]; fmt.Sprint(b) != fmt.Sprint(a) {
				t.Errorf("untouched %s changed:\nbefore %+v\nafter  %+v", k, b, a)
			}
		}

		// An import from the command line folds its activity before it returns.
		csv := filepath.Join(t.TempDir(), "activity.csv")
		if err := os.WriteFile(csv, []byte("account,user,day,at,feature\ncrm-c,u1,2026-11-19,,reports\ncrm-c,u2,2026-11-19,,\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p.mustRun("", "import", "activity", csv)
		checkFolded(t, p, "crm-c", "2026-11-19", 2)
	})
}

// checkFolded checks that no activity waits for the rollups (on
// PostgreSQL the batch's rescore folded what it queued) and that the
// account's users of day are counted in them.
func checkFolded(t *testing.T, p *program, account, day string, users int) {
	t.Helper()
	store, err := models.Open(context.Background(), p.env["DATABASE_URL"], time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var got struct{ Queued, Users int }
	err = store.DB().Raw(`SELECT (SELECT COUNT(*) FROM `+models.RollupQueueTable+`) AS queued,
		(SELECT COALESCE(SUM(users), 0) FROM activity_days d JOIN accounts a ON a.id = d.account_id
		 WHERE a.external_id = ? AND d.day = ?) AS users`, account, day).Scan(&got).Error
	if err != nil {
		t.Fatal(err)
	}
	if got.Queued != 0 || got.Users != users {
		t.Errorf("after the batches: %d activity rows still queued, %s's users of %s in the rollups %d; want 0 and %d",
			got.Queued, account, day, got.Users, users)
	}
}

// snapshots reads every stored snapshot keyed "external_id day".
func snapshots(t *testing.T, p *program) map[string]models.Snapshot {
	t.Helper()
	store, err := models.Open(context.Background(), p.env["DATABASE_URL"], time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var rows []models.Snapshot
	if err := store.DB().Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var accounts []models.Account
	if err := store.DB().Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	ext := map[uint]string{}
	for _, a := range accounts {
		ext[a.ID] = a.ExternalID
	}
	out := map[string]models.Snapshot{}
	for _, s := range rows {
		s.UpdatedAt = s.UpdatedAt.UTC()
		out[ext[s.AccountID]+" "+s.Day] = s
	}
	return out
}
