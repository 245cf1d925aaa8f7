package models_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// saveWays are the transactions SaveSnapshots runs in: none, WithTx, and
// WithBulkTx (on PostgreSQL the COPY path through a staging table).
var saveWays = []struct {
	name string
	save func(ctx context.Context, s *models.Store, snaps ...[]models.Snapshot) error
}{
	{"plain", saveEach},
	{"tx", func(ctx context.Context, s *models.Store, snaps ...[]models.Snapshot) error {
		return s.WithTx(ctx, func(tx *models.Store) error { return saveEach(ctx, tx, snaps...) })
	}},
	{"bulk", func(ctx context.Context, s *models.Store, snaps ...[]models.Snapshot) error {
		return s.WithBulkTx(ctx, func(tx *models.Store) error { return saveEach(ctx, tx, snaps...) })
	}},
}

// saveEach saves each batch of snaps with its own SaveSnapshots call.
func saveEach(ctx context.Context, s *models.Store, snaps ...[]models.Snapshot) error {
	for _, sn := range snaps {
		if err := s.SaveSnapshots(ctx, sn); err != nil {
			return err
		}
	}
	return nil
}

// storedSnapshots reads every snapshot keyed by account and day.
func storedSnapshots(t *testing.T, s *models.Store) map[[2]any]models.Snapshot {
	t.Helper()
	var rows []models.Snapshot
	if err := s.DB().Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[[2]any]models.Snapshot{}
	for _, r := range rows {
		r.UpdatedAt = r.UpdatedAt.UTC()
		out[[2]any{r.AccountID, r.Day}] = r
	}
	return out
}

// rowVersion is PostgreSQL's xmin of a snapshot row: it changes whenever
// the row is rewritten, even with the same values. SQLite has no such
// thing and gets "".
func rowVersion(t *testing.T, s *models.Store, acct uint, d string) string {
	t.Helper()
	if s.Dialect() != models.DialectPostgres {
		return ""
	}
	var v string
	if err := s.DB().Raw("SELECT xmin::text FROM snapshots WHERE account_id = ? AND day = ?", acct, d).Scan(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v
}

// A snapshot saved again with the same content keeps its row, UpdatedAt
// included, whichever way it is written; one that says something else is
// replaced, and new ones are inserted.
func TestSaveSnapshotsKeepsUnchangedRows(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		t1 := time.Date(2025, 6, 30, 6, 0, 0, 0, time.UTC)
		t2 := t1.Add(time.Hour)
		at := func(sn models.Snapshot, u time.Time) models.Snapshot { sn.UpdatedAt = u; return sn }
		for i, way := range saveWays {
			t.Run(way.name, func(t *testing.T) {
				// Each way writes its own day, so the ways do not see one another's rows.
				d := 10 * (i + 1)
				first := []models.Snapshot{at(snap(alpha, d, 60), t1), at(snap(beta, d, 40), t1), at(snap(gamma, d, 10), t1)}
				first[2].Details = `{"raw":{"usage":"DAU 1 / MAU 2 = 0.50"}}`
				if err := way.save(ctx, s, first); err != nil {
					t.Fatal(err)
				}
				before := storedSnapshots(t, s)
				alphaVersion, betaVersion := rowVersion(t, s, alpha, day(d)), rowVersion(t, s, beta, day(d))

				// alpha unchanged, beta's score changed, gamma's details
				// changed, eps new; a second call in the same transaction
				// changes delta and leaves alpha alone again.
				again := []models.Snapshot{at(snap(alpha, d, 60), t2), at(snap(beta, d, 45), t2), at(snap(gamma, d, 10), t2), at(snap(eps, d, 90), t2)}
				if err := way.save(ctx, s, again, []models.Snapshot{at(snap(alpha, d, 60), t2), at(snap(delta, d, 20), t2)}); err != nil {
					t.Fatal(err)
				}
				after := storedSnapshots(t, s)
				key := func(acct uint) [2]any { return [2]any{acct, day(d)} }
				if b, a := before[key(alpha)], after[key(alpha)]; b != a || !a.UpdatedAt.Equal(t1) {
					t.Errorf("unchanged alpha rewritten:\nbefore %+v\nafter  %+v", b, a)
				}
				if v := rowVersion(t, s, alpha, day(d)); v != alphaVersion {
					t.Errorf("unchanged alpha got a new row version: %s, was %s", v, alphaVersion)
				}
				if a := after[key(beta)]; a.Score != 45 || !a.UpdatedAt.Equal(t2) || a.ID != before[key(beta)].ID {
					t.Errorf("changed beta = %+v, want score 45 updated at %s in row %d", a, t2, before[key(beta)].ID)
				}
				if s.Dialect() == models.DialectPostgres && rowVersion(t, s, beta, day(d)) == betaVersion {
					t.Errorf("changed beta kept its row version %s", betaVersion)
				}
				if a := after[key(gamma)]; a.Details != "" || !a.UpdatedAt.Equal(t2) {
					t.Errorf("gamma with new details = %+v, want details %q updated at %s", a, "", t2)
				}
				for _, acct := range []uint{eps, delta} {
					if a, ok := after[key(acct)]; !ok || !a.UpdatedAt.Equal(t2) || a.Status != "Stable" || a.Subscores != "{}" {
						t.Errorf("new snapshot of %d = %+v (stored %v)", acct, a, ok)
					}
				}
				if len(after) != len(before)+2 {
					t.Errorf("%d snapshots after, %d before; want 2 more", len(after), len(before))
				}
			})
		}
	})
}

// A bulk transaction that fails keeps none of its snapshots, and the next
// one (on the same pooled connection, whose staging table went with the
// rollback) saves its own and nothing of the failed one's.
func TestSaveSnapshotsBulkRollback(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		boom := errors.New("boom")
		for range 2 {
			err := s.WithBulkTx(ctx, func(tx *models.Store) error {
				if err := tx.SaveSnapshots(ctx, []models.Snapshot{snap(alpha, 0, 50), snap(beta, 0, 50)}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("WithBulkTx = %v, want boom", err)
			}
		}
		if n := len(storedSnapshots(t, s)); n != 0 {
			t.Fatalf("%d snapshots kept after rolled-back transactions", n)
		}
		err := s.WithBulkTx(ctx, func(tx *models.Store) error {
			return tx.SaveSnapshots(ctx, []models.Snapshot{snap(gamma, 0, 30)})
		})
		if err != nil {
			t.Fatal(err)
		}
		got := storedSnapshots(t, s)
		if len(got) != 1 || got[[2]any{gamma, day(0)}].Score != 30 {
			t.Errorf("after the rollbacks and one save: %+v, want gamma's only", got)
		}
	})
}

// On PostgreSQL a bulk save of a day with no snapshots yet copies the rows
// straight into snapshots. When another transaction stores one of them
// meanwhile, the copy fails on it and the rows are upserted instead: the
// save succeeds and the other transaction's snapshot is replaced. The rows
// are made as they are written (SaveSnapshotBatch, as the daily rescore
// writes), so the upsert makes them a second time.
func TestSaveSnapshotsBulkRace(t *testing.T) {
	s := modelstest.MustOpenPostgres(t)
	ctx := context.Background()
	seedFixture(t, s)
	other := s.DB().Begin()
	if err := other.Error; err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if err := other.Create(&models.Snapshot{AccountID: alpha, Day: day(0), Known: true, Score: 1, Computed: 1, Status: "Critical", Subscores: "{}"}).Error; err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := other.Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var made atomic.Int32
	go func() {
		done <- s.WithBulkTx(ctx, func(tx *models.Store) error {
			rows := []models.Snapshot{snap(alpha, 0, 60), snap(beta, 0, 40)}
			return tx.SaveSnapshotBatch(ctx, models.SnapshotBatch{Len: len(rows), First: day(0), Last: day(0),
				Row: func(i int) (models.Snapshot, error) { made.Add(1); return rows[i], nil }})
		})
	}()
	// The other transaction commits once the copy waits for its row.
	waiting := false
	for deadline := time.Now().Add(10 * time.Second); !waiting && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		var n int64
		err := s.DB().Raw("SELECT COUNT(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid)) AND query ILIKE 'copy %'", pid).Scan(&n).Error
		if err != nil {
			t.Fatal(err)
		}
		waiting = n > 0
	}
	if !waiting {
		t.Error("the bulk save never waited in COPY for the other transaction's row")
	}
	if err := other.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("bulk save racing another transaction: %v", err)
	}
	got := storedSnapshots(t, s)
	if len(got) != 2 || got[[2]any{alpha, day(0)}].Score != 60 || got[[2]any{beta, day(0)}].Score != 40 {
		t.Errorf("after the race: %+v, want alpha 60 and beta 40", got)
	}
	if n := made.Load(); n != 4 {
		t.Errorf("rows made %d times, want 4 (copied, then upserted)", n)
	}
}

// Every way of writing a snapshot stores its profile and model version,
// and a snapshot whose model alone changed is rewritten.
func TestSaveSnapshotsKeepsTheModel(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		seedFixture(t, s)
		for i, way := range saveWays {
			t.Run(way.name, func(t *testing.T) {
				d := 10 * (i + 1)
				sn := snap(alpha, d, 60)
				sn.Profile, sn.ModelVersion = "smb", "0a1b2c3d"
				if err := way.save(ctx, s, []models.Snapshot{sn}); err != nil {
					t.Fatal(err)
				}
				key := [2]any{alpha, day(d)}
				if got := storedSnapshots(t, s)[key]; got.Profile != "smb" || got.ModelVersion != "0a1b2c3d" {
					t.Errorf("stored %+v, want profile smb, version 0a1b2c3d", got)
				}
				sn.ModelVersion = "ffff0000"
				if err := way.save(ctx, s, []models.Snapshot{sn}); err != nil {
					t.Fatal(err)
				}
				if got := storedSnapshots(t, s)[key]; got.ModelVersion != "ffff0000" {
					t.Errorf("a new version left the stored snapshot at %q", got.ModelVersion)
				}
			})
		}
	})
}
