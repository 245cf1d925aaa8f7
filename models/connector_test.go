package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestConnectorClaims: an event is claimed once; a version is kept only
// when newer than the stored one (an equal one is not); a manual mapping
// is never replaced by an automatic one.
func TestConnectorClaims(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		a, b := models.EventKey{Source: "stripe", EventID: "evt_a"}, models.EventKey{Source: "stripe", EventID: "evt_b"}
		got, err := s.ClaimConnectorEvents(ctx, []models.EventKey{a, a}, []time.Time{now, now})
		if err != nil || len(got) != 1 || !got[a] {
			t.Fatalf("first claim %v, %v", got, err)
		}
		got, err = s.ClaimConnectorEvents(ctx, []models.EventKey{a, b}, []time.Time{now, now})
		if err != nil || len(got) != 1 || !got[b] {
			t.Fatalf("second claim %v, %v", got, err)
		}

		inv := models.VersionKey{Source: "stripe", Kind: "invoice", ObjectID: "in_1"}
		field := models.VersionKey{Source: "hubspot", Kind: "account", ObjectID: "1", Field: "mrr"}
		for _, step := range []struct {
			inv, field int64
			want       int
		}{{10, 5, 2}, {10, 4, 0}, {11, 6, 2}, {9, 7, 1}} {
			won, err := s.ClaimConnectorVersions(ctx, map[models.VersionKey]int64{inv: step.inv, field: step.field})
			if err != nil || len(won) != step.want {
				t.Fatalf("versions %d/%d: won %v, %v; want %d", step.inv, step.field, won, err, step.want)
			}
		}

		auto := models.ConnectorMapping{Source: "stripe", SourceID: "cus_1", AccountID: 1}
		for _, step := range []struct {
			m    models.ConnectorMapping
			want bool
		}{{auto, true}, {auto, false}, {models.ConnectorMapping{Source: "stripe", SourceID: "cus_1", AccountID: 2, Manual: true}, true},
			{models.ConnectorMapping{Source: "stripe", SourceID: "cus_1", AccountID: 3}, false}} {
			changed, err := s.SetConnectorMapping(ctx, step.m, now)
			if err != nil || changed != step.want {
				t.Fatalf("map %+v: changed %v, %v", step.m, changed, err)
			}
		}
		m, err := s.ConnectorMappings(ctx, "stripe", []string{"cus_1", "cus_2"})
		if err != nil || len(m) != 1 || m["cus_1"].AccountID != 2 || !m["cus_1"].Manual {
			t.Fatalf("mappings %+v, %v", m, err)
		}
		if n, err := s.PruneConnectorEvents(ctx, now.Add(time.Second)); err != nil || n != 2 {
			t.Fatalf("pruned %d, %v", n, err)
		}
	})
}

// TestParkedForManyAccounts: a batch of 40,000 accounts asks which parked
// events now have their account in one call, more external ids than a
// statement can bind on SQLite; the events of every chunk are found.
func TestParkedForManyAccounts(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		externals := make([]string, 40000)
		for i := range externals {
			externals[i] = fmt.Sprintf("crm-%05d", i)
		}
		var events []models.ParkedEvent
		for i, ext := range []string{externals[5], externals[39999]} {
			if err := s.DB().Create(&models.Account{Name: ext, Slug: ext, ExternalID: ext}).Error; err != nil {
				t.Fatal(err)
			}
			events = append(events, models.ParkedEvent{Source: "segment", EventID: fmt.Sprintf("m%d", i), SourceID: ext, External: ext,
				Type: "track", Payload: "{}", ReceivedAt: now, Day: "2026-11-20"})
		}
		if err := s.ParkEvents(ctx, events); err != nil {
			t.Fatal(err)
		}
		got, err := s.ParkedForAccounts(ctx, externals)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{externals[5], externals[39999]}; !slices.Equal(got["segment"], want) || len(got) != 1 {
			t.Errorf("parked for 40,000 accounts = %v, want segment %v", got, want)
		}
	})
}
