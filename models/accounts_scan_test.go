package models_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// ActiveAccounts scans by hand; every field must read as gorm reads it,
// null days as nil and set ones as their text.
func TestActiveAccountsMatchGorm(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		str := func(v string) *string { return &v }
		mustCreate(t, s, &[]models.Account{
			{ExternalID: "x1", Name: "Full", Slug: "full", Plan: "pro", Segment: "smb", MRRCents: 1 << 40, Seats: 300,
				Owner: "ana", StartedOn: str("2024-01-02"), RenewalOn: str("2026-01-02"), FirstValueOn: str("2024-01-09"),
				ChurnedOn: str("2099-01-01"), SponsorName: "Ann <CEO>", SponsorTitle: "CEO", SponsorStatus: "departed",
				Channel: "slack:C1"},
			{ExternalID: "x2", Name: "Bare", Slug: "bare"},
			{ExternalID: "x3", Name: "Gone", Slug: "gone", ChurnedOn: str("2020-01-01")},
		})
		got, err := s.ActiveAccounts(ctx, time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "Bare" || got[1].Name != "Full" {
			t.Fatalf("ActiveAccounts = %+v, want Bare and Full", got)
		}
		for _, a := range got {
			want, err := s.Account(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !a.CreatedAt.Equal(want.CreatedAt) || !a.UpdatedAt.Equal(want.UpdatedAt) || a.CreatedAt.IsZero() {
				t.Errorf("%s: times %v %v, gorm reads %v %v", a.Slug, a.CreatedAt, a.UpdatedAt, want.CreatedAt, want.UpdatedAt)
			}
			a.CreatedAt, a.UpdatedAt = want.CreatedAt, want.UpdatedAt
			if !reflect.DeepEqual(a, want) {
				t.Errorf("scanned %+v\n gorm reads %+v", a, want)
			}
		}
	})
}
