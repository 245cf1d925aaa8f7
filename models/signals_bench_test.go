package models_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// BenchmarkAllSignals rescoring 200 accounts with 30 days of activity each,
// on SQLite.
func BenchmarkAllSignals(b *testing.B) {
	s := modelstest.MustOpenSQLite(b)
	const accounts = 200
	var rows []models.Activity
	for i := 0; i < accounts; i++ {
		if err := s.DB().Create(&models.Account{ExternalID: fmt.Sprint(i), Name: fmt.Sprint(i), Slug: fmt.Sprint(i)}).Error; err != nil {
			b.Fatal(err)
		}
		for d := 0; d < 30; d++ {
			for u := 0; u < 5; u++ {
				rows = append(rows, models.Activity{AccountID: uint(i + 1), Day: day(-d), UserID: fmt.Sprint(u), Feature: fmt.Sprint("f", (d+u)%6)})
			}
		}
	}
	if err := s.DB().CreateInBatches(rows, 500).Error; err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := s.AllSignals(ctx, scoring.Default(), asOf, func(scoring.Signals) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != accounts {
			b.Fatalf("%d accounts, want %d", n, accounts)
		}
	}
}
