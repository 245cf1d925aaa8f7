package demo_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

var today = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestLoad(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		stats, err := demo.Load(ctx, s, today)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Accounts != 52 || stats.Churned != 14 || stats.CSMs != 4 {
			t.Errorf("accounts %d churned %d csms %d, want 52 14 4", stats.Accounts, stats.Churned, stats.CSMs)
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
		// The card's special cases each exist among the active accounts.
		const live = "account_id IN (SELECT id FROM accounts WHERE churned_on IS NULL)"
		var departed, red, overdue, failed int64
		s.DB().Model(&models.Account{}).Where("sponsor_status = ? AND churned_on IS NULL", "departed").Count(&departed)
		s.DB().Model(&models.Pulse{}).Where("colour = ? AND reason = ? AND day >= ? AND "+live, "red", "budget", "2026-10-22").Count(&red)
		s.DB().Model(&models.Invoice{}).Where("status = ? AND due_on < ? AND "+live, "open", "2026-11-20").Count(&overdue)
		s.DB().Model(&models.Invoice{}).Where("status = ? AND "+live, "failed").Count(&failed)
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

// BenchmarkLoad is loading the portfolio into a fresh database.
func BenchmarkLoad(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *models.Store
	}{{"sqlite", modelstest.MustOpenSQLite}, {"postgres", modelstest.MustOpenPostgres}} {
		b.Run(db.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := db.open(b)
				b.StartTimer()
				if _, err := demo.Load(context.Background(), s, today); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestEveryStatus scores the portfolio with the real model and checks the
// archetypes land where they are meant to: every status present, nobody
// without data, both overrides applied.
func TestEveryStatus(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, s, today); err != nil {
			t.Fatal(err)
		}
		svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return today }, Log: slog.New(slog.DiscardHandler)}
		stats, err := svc.Rescore(ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Accounts != 38 {
			t.Errorf("scored %d accounts, want 38", stats.Accounts)
		}
		for _, st := range []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical} {
			if stats.ByStatus[st] < 3 {
				t.Errorf("%d %s accounts, want at least 3 (all: %v)", stats.ByStatus[st], st, stats.ByStatus)
			}
		}
		if n := stats.ByStatus[scoring.NoData]; n != 0 {
			t.Errorf("%d accounts without data, want 0", n)
		}
		var capped int64
		s.DB().Model(&models.Snapshot{}).Where("day = ? AND score < computed", "2026-11-20").Count(&capped)
		if capped < 2 {
			t.Errorf("%d capped snapshots, want the departed sponsor and the red pulse at least", capped)
		}
	})
}

func TestBackfill(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, s, today); err != nil {
		t.Fatal(err)
	}
	svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return today }, Log: slog.New(slog.DiscardHandler)}
	var days []string
	err := demo.Backfill(ctx, func(ctx context.Context, d time.Time) error {
		days = append(days, d.Format(models.DayLayout))
		_, err := svc.Rescore(ctx, d)
		return err
	}, today, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(days), "[2026-11-18 2026-11-19 2026-11-20]"; got != want {
		t.Errorf("backfilled %s, want %s", got, want)
	}
	var n int64
	s.DB().Model(&models.Snapshot{}).Count(&n)
	if n != 3*38 {
		t.Errorf("%d snapshots, want %d", n, 3*38)
	}
}

// BenchmarkRescore is one full rescore of the demo portfolio.
func BenchmarkRescore(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *models.Store
	}{{"sqlite", modelstest.MustOpenSQLite}, {"postgres", modelstest.MustOpenPostgres}} {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b)
			ctx := context.Background()
			if _, err := demo.Load(ctx, s, today); err != nil {
				b.Fatal(err)
			}
			svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return today }, Log: slog.New(slog.DiscardHandler)}
			for b.Loop() {
				if _, err := svc.Rescore(ctx, today); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
