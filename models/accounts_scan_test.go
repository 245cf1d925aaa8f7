package models_test

import (
	"context"
	"reflect"
	"slices"
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

// Every account list is in one order on both dialects, whatever the
// database's collation: names byte by byte (capitals before lower case,
// "Zeta" before "acme"), equal names by id, and each list of the three
// (every account, a subset, the names only) agrees with the others.
func TestAccountListsSortByNameBytesThenID(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		// Created out of order, so neither the ids nor the heap's order
		// is the answer.
		names := []string{"acme", "Zeta", "Émile", "beta", "Acme", "acme", "Zeta", "a", "B"}
		var accounts []models.Account
		for i, n := range names {
			accounts = append(accounts, models.Account{ExternalID: "x" + string(rune('a'+i)), Name: n, Slug: "s" + string(rune('a'+i))})
		}
		mustCreate(t, s, &accounts)
		idOf := func(i int) uint { return accounts[i].ID }
		// Byte order: "Acme" < "B" < "Zeta"(1) < "Zeta"(6) < "a" < "acme"(0) < "acme"(5) < "beta" < "Émile".
		want := []uint{idOf(4), idOf(8), idOf(1), idOf(6), idOf(7), idOf(0), idOf(5), idOf(3), idOf(2)}
		day := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
		ids := func(as []models.Account) []uint {
			var out []uint
			for _, a := range as {
				out = append(out, a.ID)
			}
			return out
		}
		all, err := s.ActiveAccounts(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(all); !reflect.DeepEqual(got, want) {
			t.Errorf("ActiveAccounts = %v, want %v", got, want)
		}
		for i, a := range all {
			if a.ID != want[i] || a.Name != names[slices.Index(ids(accounts), a.ID)] {
				t.Errorf("ActiveAccounts[%d] = %d %q: fields moved apart from their account", i, a.ID, a.Name)
			}
		}
		named, err := s.ActiveAccountNames(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(named); !reflect.DeepEqual(got, want) {
			t.Errorf("ActiveAccountNames = %v, want %v", got, want)
		}
		some, err := s.ActiveAccountsOf(ctx, day, []uint{idOf(5), idOf(1), idOf(4), idOf(0)})
		if err != nil {
			t.Fatal(err)
		}
		if got, wantSome := ids(some), []uint{idOf(4), idOf(1), idOf(0), idOf(5)}; !reflect.DeepEqual(got, wantSome) {
			t.Errorf("ActiveAccountsOf = %v, want %v", got, wantSome)
		}
	})
}
