package models_test

import (
	"context"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

func TestPreviousSnapshots(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		err := s.SaveSnapshots(ctx, []models.Snapshot{
			snap(alpha, -3, 60), snap(alpha, -1, 65), snap(alpha, 0, 70), snap(alpha, 2, 80),
			snap(beta, -10, 40),
			snap(gamma, 0, 10), // only on the day itself: no previous one
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.PreviousSnapshots(ctx, asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint]string{alpha: day(-1), beta: day(-10)}
		if len(got) != len(want) {
			t.Errorf("PreviousSnapshots = %d accounts, want %d: %+v", len(got), len(want), got)
		}
		for id, d := range want {
			if got[id].Day != d || got[id].AccountID != id {
				t.Errorf("account %d: previous %+v, want day %s", id, got[id], d)
			}
		}
		if got[alpha].Score != 65 {
			t.Errorf("alpha previous score = %d, want 65", got[alpha].Score)
		}
		one, err := s.PreviousSnapshots(ctx, asOf, []uint{beta, gamma})
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 1 || one[beta].Day != day(-10) {
			t.Errorf("PreviousSnapshots(beta, gamma) = %+v, want beta's only", one)
		}
		if none, err := s.PreviousSnapshots(ctx, asOf, []uint{}); err != nil || len(none) != 0 {
			t.Errorf("PreviousSnapshots(no ids) = %v, %v; want empty", none, err)
		}
	})
}
