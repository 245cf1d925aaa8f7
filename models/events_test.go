package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestFirstSeen: the first record of an event id wins, on SQLite and
// PostgreSQL; ids are per platform; concurrent callers (replicas) get
// exactly one "first"; pruning forgets old ids.
func TestFirstSeen(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		t0 := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
		for _, c := range []struct {
			platform, id string
			want         bool
		}{
			{"slack", "Ev01", true},
			{"slack", "Ev01", false},
			{"discord", "Ev01", true},
			{"slack", "Ev02", true},
		} {
			got, err := s.FirstSeen(ctx, c.platform, c.id, t0)
			if err != nil || got != c.want {
				t.Errorf("FirstSeen(%s, %s) = %v, %v; want %v", c.platform, c.id, got, err, c.want)
			}
		}

		// Eight "replicas" racing on one id: one first.
		var wg sync.WaitGroup
		var mu sync.Mutex
		firsts := 0
		for range 8 {
			wg.Go(func() {
				first, err := s.FirstSeen(ctx, "slack", "Ev-race", t0)
				if err != nil {
					t.Error(err)
				}
				if first {
					mu.Lock()
					firsts++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if firsts != 1 {
			t.Errorf("%d firsts among racing callers, want 1", firsts)
		}

		if _, err := s.FirstSeen(ctx, "slack", "Ev-late", t0.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneProcessedEvents(ctx, t0.Add(24*time.Hour))
		if err != nil || n != 4 {
			t.Fatalf("pruned %d, %v; want 4", n, err)
		}
		if again, _ := s.FirstSeen(ctx, "slack", "Ev01", t0.Add(49*time.Hour)); !again {
			t.Error("a pruned id is still remembered")
		}
		if again, _ := s.FirstSeen(ctx, "slack", "Ev-late", t0.Add(49*time.Hour)); again {
			t.Error("a recent id was pruned")
		}
	})
}
