package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// On PostgreSQL snapshot_day holds what a card reads of each head, and a
// database whose index is the plain one of earlier versions gets the
// covering one from the migration, under the same name; heads are read
// and snapshots upserted through it as before. SQLite keeps the plain
// index.
func TestSnapshotDayCoversTheHeads(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustCreate(t, s, &models.Account{ExternalID: "a", Name: "A", Slug: "a"})
		day := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
		save := func(score int) {
			t.Helper()
			var snaps []models.Snapshot
			for d := 0; d < 3; d++ {
				snaps = append(snaps, models.Snapshot{AccountID: 1, Day: day.AddDate(0, 0, -d).Format(models.DayLayout), Known: true,
					Score: score, Computed: score, Status: "Stable", Profile: "smb", ModelVersion: "v1"})
			}
			if err := s.SaveSnapshots(ctx, snaps); err != nil {
				t.Fatal(err)
			}
		}
		save(60)
		if s.Dialect() == models.DialectPostgres {
			const cover = "INCLUDE (known, score, status, profile, model_version)"
			def := func() string {
				t.Helper()
				var d []string
				if err := s.DB().Raw("SELECT pg_get_indexdef(to_regclass('snapshot_day'))").Scan(&d).Error; err != nil || len(d) != 1 {
					t.Fatalf("snapshot_day: %v, %v", d, err)
				}
				return d[0]
			}
			if d := def(); !strings.Contains(d, cover) || !strings.Contains(d, "UNIQUE") {
				t.Fatalf("snapshot_day after Open = %q, want a unique index with %s", d, cover)
			}
			for _, q := range []string{"DROP INDEX snapshot_day", "CREATE UNIQUE INDEX snapshot_day ON snapshots (account_id, day)"} {
				if err := s.DB().Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if d := def(); !strings.Contains(d, cover) || !strings.Contains(d, "UNIQUE") {
				t.Fatalf("snapshot_day after the migration = %q, want a unique index with %s", d, cover)
			}
		}
		save(70) // the same days again: an upsert on (account_id, day)
		heads, err := s.RecentHeads(ctx, 1, day.AddDate(0, 0, -365), day.AddDate(0, 0, -1), day)
		if err != nil {
			t.Fatal(err)
		}
		if len(heads) != 3 {
			t.Fatalf("RecentHeads = %d heads, want 3", len(heads))
		}
		for _, h := range heads {
			if h.AccountID != 1 || !h.Known || h.Score != 70 || h.Status != "Stable" || h.Profile != "smb" || h.ModelVersion != "v1" {
				t.Errorf("head %+v, want account 1, known, score 70, Stable, smb, v1", h)
			}
		}
	})
}
