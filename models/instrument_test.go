package models_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestSlowQueryLogHasNoValues: the slow-query log shows each statement
// with its placeholders, never the values bound to them (notes, emails,
// names), which are customer data.
func TestSlowQueryLogHasNoValues(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		var logs bytes.Buffer // the statements run on this goroutine, one at a time
		prev := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
		defer slog.SetDefault(prev)
		models.LogEveryQuery(s)

		ctx := context.Background()
		if err := s.DB().Create(&models.CSM{Handle: "maria", Name: "Maria Secretname", Email: "maria@private.example"}).Error; err != nil {
			t.Fatal(err)
		}
		acc := models.Account{ExternalID: "ext-1", Slug: "acme", Name: "Acme Confidential"}
		if err := s.DB().Create(&acc).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.RecordPulse(ctx, &models.Pulse{AccountID: acc.ID, At: time.Now(), Colour: "red", Note: "CFO-wants-a-discount"}); err != nil {
			t.Fatal(err)
		}
		var id uint
		if err := s.DB().Raw("SELECT id FROM csms WHERE email = ?", "maria@private.example").Scan(&id).Error; err != nil {
			t.Fatal(err)
		}

		out := logs.String()
		if !strings.Contains(out, "slow query") || !strings.Contains(out, "INSERT INTO") {
			t.Fatalf("no slow-query lines logged:\n%s", out)
		}
		for _, secret := range []string{"Secretname", "private.example", "Acme Confidential", "CFO-wants-a-discount"} {
			if strings.Contains(out, secret) {
				t.Errorf("the slow-query log shows %q:\n%s", secret, out)
			}
		}
		placeholder := "?"
		if s.Dialect() == models.DialectPostgres {
			placeholder = "$1"
		}
		if !strings.Contains(out, "email = "+placeholder) {
			t.Errorf("the statement is not logged with its placeholder %s:\n%s", placeholder, out)
		}
	})
}
