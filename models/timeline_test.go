package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestAccountTimelineBounded: a chart reads at most 500 events of a kind,
// the latest, oldest first, inside the span asked; churned names list
// the accounts gone by the day.
func TestAccountTimelineBounded(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		gone := "2025-02-01"
		accs := []models.Account{{ExternalID: "T-1", Name: "Busy", Slug: "busy"}, {ExternalID: "T-2", Name: "Gone", Slug: "gone", ChurnedOn: &gone}}
		if err := s.DB().Create(&accs).Error; err != nil {
			t.Fatal(err)
		}
		start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
		var touches []models.Touch
		for i := range 520 { // about six a day over 90 days, and some outside the span
			at := start.Add(time.Duration(i) * 4 * time.Hour)
			touches = append(touches, models.Touch{AccountID: accs[0].ID, At: at, Day: at.Format(models.DayLayout), Kind: "email", By: fmt.Sprint(i)})
		}
		if err := s.DB().CreateInBatches(&touches, 100).Error; err != nil {
			t.Fatal(err)
		}
		from, to := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
		tl, err := s.AccountTimeline(ctx, accs[0].ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		last := touches[len(touches)-1].Day
		if n := len(tl.Touches); n != 500 || tl.Touches[0].Day > tl.Touches[n-1].Day || tl.Touches[n-1].Day != last || tl.Touches[0].Day < "2025-01-02" {
			t.Errorf("%d touches, %s … %s", n, tl.Touches[0].Day, tl.Touches[n-1].Day)
		}
		if len(tl.Pulses)+len(tl.Alerts) != 0 {
			t.Errorf("events of nothing: %+v", tl)
		}
		for day, want := range map[string]int{"2025-01-31": 0, "2025-02-01": 1} {
			d, _ := time.Parse(models.DayLayout, day)
			if names, err := s.ChurnedAccountNames(ctx, d); err != nil || len(names) != want {
				t.Errorf("churned by %s: %+v, %v", day, names, err)
			}
		}
	})
}
