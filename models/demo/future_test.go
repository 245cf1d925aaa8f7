package demo_test

import (
	"context"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/models/modelstest"
)

// Nothing in the demo happens after the day it is loaded for: no ticket
// closed, survey answered, touch, pulse, activity or payment dated later.
func TestNothingAfterToday(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if _, err := demo.Load(context.Background(), s, today); err != nil {
			t.Fatal(err)
		}
		tomorrow := today.AddDate(0, 0, 1)
		day := today.Format(models.DayLayout)
		for _, c := range []struct {
			what  string
			model any
			where string
			arg   any
		}{
			{"tickets closed", &models.Ticket{}, "closed_at >= ?", tomorrow},
			{"tickets opened", &models.Ticket{}, "opened_at >= ?", tomorrow},
			{"surveys", &models.Survey{}, "day > ? ", day},
			{"surveys (time)", &models.Survey{}, "at >= ?", tomorrow},
			{"touches", &models.Touch{}, "day > ?", day},
			{"pulses", &models.Pulse{}, "day > ?", day},
			{"activity", &models.Activity{}, "day > ?", day},
			{"payments", &models.Invoice{}, "paid_on > ?", day},
		} {
			var n int64
			if err := s.DB().Model(c.model).Where(c.where, c.arg).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d %s after %s", n, c.what, day)
			}
		}
	})
}
