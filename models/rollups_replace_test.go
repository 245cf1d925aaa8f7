package models_test

import (
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// The rollups follow inserts whatever their conflict clause. On SQLite a
// REPLACE deletes the stored row before inserting the new one, and the
// delete triggers fire for it only with recursive_triggers on: without
// them a replaced activity counted its user-day again.
func TestActivityRollupsConflictClauses(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		createRollupAccounts(t, s, rollupAccounts)
		db := s.DB()
		ins := func(q string, args ...any) {
			t.Helper()
			if err := db.Exec(q, args...).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			checkRollups(t, s, q)
		}
		ins("INSERT INTO activities (account_id, day, user_id, feature) VALUES (1, ?, 'a', 'x'), (1, ?, 'b', 'x')", day(0), day(0))
		if s.Dialect() == models.DialectSQLite {
			ins("INSERT OR IGNORE INTO activities (account_id, day, user_id, feature) VALUES (1, ?, 'c', 'x'), (1, ?, 'a', 'x')", day(0), day(0))
			ins("INSERT OR REPLACE INTO activities (account_id, day, user_id, feature) VALUES (1, ?, 'a', 'x')", day(0))
			ins("REPLACE INTO activities (account_id, day, user_id, feature) VALUES (1, ?, 'd', 'x'), (1, ?, 'b', 'x')", day(0), day(0))
			ins("UPDATE OR REPLACE activities SET user_id = 'a' WHERE user_id = 'b'")
		} else {
			ins("INSERT INTO activities (account_id, day, user_id, feature) VALUES (1, ?, 'c', 'x'), (1, ?, 'a', 'x') ON CONFLICT DO NOTHING", day(0), day(0))
			ins("INSERT INTO activities (account_id, day, user_id, feature) VALUES (1, ?, 'e', 'x'), (1, ?, 'e', 'y'), (1, ?, 'e', 'x') ON CONFLICT DO NOTHING", day(-3), day(-3), day(-1))
		}
	})
}
