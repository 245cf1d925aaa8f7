package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

func csmList(t *testing.T, s *models.Store) string {
	t.Helper()
	var rows []models.CSM
	if err := s.DB().Order("handle").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range rows {
		parts = append(parts, c.Handle+"/"+c.SlackUserID+"/"+c.DiscordUserID)
	}
	return strings.Join(parts, " ")
}

// EnsureCSMs adds missing handles only, keeps existing rows' chat ids, and
// is idempotent; blanks and repeats are ignored.
func TestEnsureCSMs(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.DB().Create(&models.CSM{Handle: "maria", Name: "Maria", SlackUserID: "U1"}).Error; err != nil {
			t.Fatal(err)
		}
		for range 2 {
			err := s.WithTx(ctx, func(tx *models.Store) error {
				return tx.EnsureCSMs(ctx, []string{"maria", "bob", "", " ", "bob", "carol"})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := s.EnsureCSMs(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got, want := csmList(t, s), "bob// carol// maria/U1/"; got != want {
			t.Errorf("csms = %q, want %q", got, want)
		}
	})
}

// TestCSMsByHandleRepeated: a handle per task, repeated past a
// statement's parameter limit (65,535 on PostgreSQL, 32,766 on SQLite),
// and more distinct handles than one statement asks for, are each found
// once.
func TestCSMsByHandleRepeated(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		distinct := make([]string, models.MaxSubset+2)
		for i := range distinct {
			distinct[i] = fmt.Sprintf("csm-%05d", i)
		}
		if err := s.EnsureCSMs(ctx, distinct); err != nil {
			t.Fatal(err)
		}
		var handles []string
		for len(handles) < 70000 {
			handles = append(handles, "csm-00000", "csm-00001", "nobody")
		}
		handles = append(handles, distinct...)
		got, err := s.CSMsByHandle(ctx, handles)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(distinct) || got["csm-00001"].Handle != "csm-00001" || got["nobody"].Handle != "" {
			t.Errorf("%d handles asked for, %d distinct and known: %d CSMs found", len(handles), len(distinct), len(got))
		}
	})
}

// MapChatUser moves a chat id to one CSM; ClaimChatUser fills only an
// empty slot; CSMByHandle falls back to a unique case-insensitive match.
func TestMapAndClaimChatUser(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.EnsureCSMs(ctx, []string{"maria", "bob"}); err != nil {
			t.Fatal(err)
		}
		m, err := s.MapChatUser(ctx, "Maria", "slack", "U1")
		if err != nil || m.Created || m.Previous != "" || m.CSM.Handle != "maria" {
			t.Fatalf("map U1 to maria: %+v, %v", m, err)
		}
		m, err = s.MapChatUser(ctx, "dana", "slack", "U1")
		if err != nil || !m.Created || strings.Join(m.TakenFrom, ",") != "maria" {
			t.Fatalf("map U1 to new dana: %+v, %v", m, err)
		}
		bob, err := s.CSMByHandle(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimChatUser(ctx, bob.ID, "discord", "42"); err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimChatUser(ctx, bob.ID, "discord", "43"); !errors.Is(err, models.ErrChatIDTaken) {
			t.Errorf("second claim: %v, want ErrChatIDTaken", err)
		}
		if got, want := csmList(t, s), "bob//42 dana/U1/ maria//"; got != want {
			t.Errorf("csms = %q, want %q", got, want)
		}
		if c, err := s.CSMByChatUser(ctx, "discord", "42"); err != nil || c.Handle != "bob" {
			t.Errorf("CSMByChatUser(discord 42) = %+v, %v", c, err)
		}
		if _, err := s.CSMByHandle(ctx, "nobody"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown handle: %v", err)
		}
	})
}
