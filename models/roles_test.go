package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// Roles are stored per platform and user id; until one is stored, none is
// in use; setting one replaces the old and "" removes it.
func TestRoles(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		role, inUse, err := s.RoleOf(ctx, "slack", "U1")
		if err != nil || role != "" || inUse {
			t.Fatalf("empty store: %q %v %v", role, inUse, err)
		}
		set := func(platform, id, role string) string {
			t.Helper()
			var old string
			if err := s.WithTx(ctx, func(tx *models.Store) error {
				var err error
				old, err = tx.SetRole(ctx, platform, id, role)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return old
		}
		if old := set("slack", "U1", "viewer"); old != "" {
			t.Errorf("first role: old %q", old)
		}
		if old := set("slack", "U1", "csm"); old != "viewer" {
			t.Errorf("second role: old %q, want viewer", old)
		}
		set("discord", "U1", "admin") // the same id on another platform is another user
		if role, inUse, _ := s.RoleOf(ctx, "slack", "U1"); role != "csm" || !inUse {
			t.Errorf("slack:U1 = %q (in use %v), want csm", role, inUse)
		}
		if role, inUse, _ := s.RoleOf(ctx, "slack", "U2"); role != "" || !inUse {
			t.Errorf("slack:U2 = %q (in use %v), want no role while roles are in use", role, inUse)
		}
		admins, err := s.UsersWithRole(ctx, "admin")
		if err != nil || len(admins) != 1 || admins[0].Platform != "discord" || admins[0].UserID != "U1" {
			t.Errorf("admins = %+v, %v", admins, err)
		}
		if old := set("slack", "U1", ""); old != "csm" {
			t.Errorf("removed: old %q, want csm", old)
		}
		set("discord", "U1", "")
		if _, inUse, _ := s.RoleOf(ctx, "slack", "U1"); inUse {
			t.Error("no role left, yet roles are in use")
		}
	})
}

// A CSM's manager is another CSM, created when new; ManagerOf finds it by
// the CSM's handle (an account's owner), ErrNotFound when there is none.
func TestManagers(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := s.CreateCSM(ctx, "maria"); err != nil {
			t.Fatal(err)
		}
		setManager := func(csm, manager string) (string, error) {
			var old string
			err := s.WithTx(ctx, func(tx *models.Store) error {
				var err error
				old, err = tx.SetManager(ctx, csm, manager)
				return err
			})
			return old, err
		}
		if _, err := s.ManagerOf(ctx, "maria"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("no manager yet: %v", err)
		}
		if old, err := setManager("maria", "lee"); err != nil || old != "" {
			t.Fatalf("set lee: %q %v", old, err)
		}
		m, err := s.ManagerOf(ctx, "Maria") // handles match in any case, as elsewhere
		if err != nil || m.Handle != "lee" {
			t.Fatalf("manager of maria = %+v, %v", m, err)
		}
		if old, err := setManager("maria", "maria"); !errors.Is(err, models.ErrSelfManager) || old != "" {
			t.Errorf("self: %q %v", old, err)
		}
		if old, err := setManager("maria", ""); err != nil || old != "lee" {
			t.Errorf("cleared: %q %v", old, err)
		}
		if _, err := s.ManagerOf(ctx, "maria"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("cleared manager: %v", err)
		}
		if _, err := s.ManagerOf(ctx, "nobody"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown csm: %v", err)
		}
	})
}
