package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/models/modelstest"
)

var today = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestLoad(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		stats, err := demo.Load(ctx, s, today)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Accounts != 40 || stats.Churned != 2 || stats.CSMs != 4 {
			t.Errorf("accounts %d churned %d csms %d, want 40 2 4", stats.Accounts, stats.Churned, stats.CSMs)
		}
		var n int64
		s.DB().Model(&models.Activity{}).Count(&n)
		if int(n) != stats.Activity || n == 0 {
			t.Errorf("activity rows %d, stats say %d", n, stats.Activity)
		}
		active, err := s.ActiveAccounts(ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		if len(active) != 38 {
			t.Errorf("%d active accounts, want 38", len(active))
		}
		// The card's special cases each exist.
		var departed, red, overdue, failed int64
		s.DB().Model(&models.Account{}).Where("sponsor_status = ?", "departed").Count(&departed)
		s.DB().Model(&models.Pulse{}).Where("colour = ? AND reason = ? AND day >= ?", "red", "budget", "2026-10-22").Count(&red)
		s.DB().Model(&models.Invoice{}).Where("status = ? AND due_on < ?", "open", "2026-11-20").Count(&overdue)
		s.DB().Model(&models.Invoice{}).Where("status = ?", "failed").Count(&failed)
		if departed != 1 || red != 1 || overdue != 1 || failed != 1 {
			t.Errorf("departed %d, recent red pulse %d, overdue %d, failed %d; want one each", departed, red, overdue, failed)
		}
		if _, err := s.CSMByChatUser(ctx, "console", "dana"); err != nil {
			t.Errorf("console user dana: %v", err)
		}
		if _, err := demo.Load(ctx, s, today); !errors.Is(err, demo.ErrNotEmpty) {
			t.Errorf("second Load: %v, want ErrNotEmpty", err)
		}
	})
}

func TestLoadIsDeterministic(t *testing.T) {
	a, err := demo.Load(context.Background(), modelstest.MustOpenSQLite(t), today)
	if err != nil {
		t.Fatal(err)
	}
	b, err := demo.Load(context.Background(), modelstest.MustOpenSQLite(t), today)
	if err != nil {
		t.Fatal(err)
	}
	if a.Activity != b.Activity || a.Tickets != b.Tickets || a.Surveys != b.Surveys || a.Touches != b.Touches {
		t.Errorf("two loads differ: %+v vs %+v", a, b)
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s := modelstest.MustOpenSQLite(b)
		b.StartTimer()
		if _, err := demo.Load(context.Background(), s, today); err != nil {
			b.Fatal(err)
		}
	}
}
