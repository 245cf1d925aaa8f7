package discord_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

func TestStoreAccountsSuggest(t *testing.T) {
	store := modelstest.MustOpenSQLite(t)
	churned := "2025-01-01"
	for _, a := range []models.Account{
		{ExternalID: "1", Name: "Acme Corp", Slug: "acme"},
		{ExternalID: "2", Name: "Big Acme Holdings", Slug: "big-acme"},
		{ExternalID: "3", Name: "Globex", Slug: "globex"},
		{ExternalID: "4", Name: "Acme Old", Slug: "acme-old", ChurnedOn: &churned},
	} {
		if err := store.DB().Create(&a).Error; err != nil {
			t.Fatal(err)
		}
	}
	s := discord.StoreAccounts{Store: store, Now: func() time.Time { return now }}
	got, err := s.SuggestAccounts(t.Context(), "ACME", 25)
	want := []discord.Choice{{Name: "Acme Corp (acme)", Value: "acme"}, {Name: "Big Acme Holdings (big-acme)", Value: "big-acme"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("prefix then contains, churned left out: got %v, %v", got, err)
	}
	if got, _ := s.SuggestAccounts(t.Context(), "", 2); len(got) != 2 {
		t.Errorf("limit: %v", got)
	}
}
