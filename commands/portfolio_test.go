package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// sameScores fails unless the lists' scores (from the snapshots) are the
// ones a full rescore computes now, for every active account.
func sameScores(t *testing.T, svc *commands.Service, when string) {
	t.Helper()
	ctx := context.Background()
	fresh, err := commands.FreshScores(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	listed, stale, err := commands.SnapshotScores(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Errorf("%s: %d accounts listed from an earlier day", when, stale)
	}
	want, err := commands.FreshList(ctx, svc, true)
	if err != nil {
		t.Fatal(err)
	}
	got := runLine(t, svc, callerMaria, "/health list")
	got.Ephemeral, got.Context = want.Ephemeral, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: /health list\n%+v\nwant (a full rescore's)\n%+v", when, got, want)
	}
	if len(listed) != len(fresh) {
		t.Errorf("%s: %d accounts listed, %d active", when, len(listed), len(fresh))
	}
	for id, f := range fresh {
		l := listed[id]
		if got, want := head(l), head(f); got != want {
			t.Errorf("%s: account %d listed as %s, scores %s now", when, id, got, want)
		}
	}
}

func head(r scoring.Result) string {
	if !r.Known {
		return "no data"
	}
	return fmt.Sprintf("%d %s (computed %d, profile %s)", r.Score, r.Status, r.Computed, r.Profile)
}

// TestListsFromSnapshots: the lists read the day's snapshots, and every
// write (a pulse, a touch, an ingested batch) keeps them current, so they
// show what a full rescore would. Before the day's rescore they show the
// day before's scores and say so.
func TestListsFromSnapshots(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		loadPortfolio(t, s)
		svc, _ := newTestService(s)

		// Before the day's rescore: Acme and Globex have older snapshots,
		// Initech none (scored on the spot).
		r := runLine(t, svc, callerMaria, "/health list")
		if len(r.Context) != 1 || !strings.Contains(r.Context[0], "2 scores as of") || !strings.Contains(r.Context[0], "rescore") {
			t.Errorf("list before the rescore: context %q, want a line saying 2 scores are older", r.Context)
		}
		if !strings.Contains(r.Sections[0].Text, "Initech — 3 Critical") {
			t.Errorf("list before the rescore: %q, want Initech scored on the spot", r.Sections[0].Text)
		}

		if _, err := svc.Rescore(ctx, fixedNow); err != nil {
			t.Fatal(err)
		}
		sameScores(t, svc, "after the rescore")
		if r := runLine(t, svc, callerMaria, "/health list"); len(r.Context) != 0 {
			t.Errorf("list after the rescore: context %q, want none", r.Context)
		}

		before := runLine(t, svc, callerMaria, "/health list critical")
		runLine(t, svc, callerMaria, "/pulse acme red budget cut")
		sameScores(t, svc, "after a pulse")
		after := runLine(t, svc, callerMaria, "/health list")
		if !strings.Contains(after.Sections[0].Text, "Acme Corp — ") || strings.Contains(after.Sections[0].Text, "Acme Corp — 95 Healthy") {
			t.Errorf("list after a red pulse still shows Acme as before: %q (critical list was %q)", after.Sections[0].Text, before.Title)
		}

		runLine(t, svc, callerMaria, "/touch initech qbr renewal talk")
		sameScores(t, svc, "after a touch")

		// An ingested batch: Initech's users come back, committed with the
		// rescore of the accounts it touched (as cmd/healthbot does).
		var acts []models.Activity
		for d := 0; d < 30; d++ {
			for u := 0; u < 4; u++ {
				acts = append(acts, models.Activity{AccountID: initechID, Day: fixtureDay(d), UserID: fmt.Sprintf("i%d", u), Feature: "reports"})
			}
		}
		err := s.WithTx(ctx, func(tx *models.Store) error {
			if err := tx.DB().Create(&acts).Error; err != nil {
				return err
			}
			_, err := svc.RescoreAccounts(ctx, tx, fixedNow, []uint{initechID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sameScores(t, svc, "after a batch")
		r = runLine(t, svc, callerMaria, "/health renewals 365")
		if !strings.Contains(r.Sections[0].Text, "Acme Corp") {
			t.Errorf("renewals: %q", r.Sections[0].Text)
		}

		// A new account appears with no snapshot: scored on the spot.
		insert(t, s, &models.Account{ID: 9, ExternalID: "A-9", Name: "Hooli", Slug: "hooli", MRRCents: 100, Owner: "maria"})
		sameScores(t, svc, "with an account never scored")

		// The next morning, before its rescore, the lists say their scores
		// are yesterday's: Acme and Globex, Maria's (Hooli, never scored,
		// is scored on the spot).
		svc.Now = func() time.Time { return fixedNow.AddDate(0, 0, 1) }
		if r := runLine(t, svc, callerMaria, "/health"); len(r.Context) != 1 || !strings.Contains(r.Context[0], "2 scores as of Fri 14 Mar") {
			t.Errorf("bare /health the next morning: context %q", r.Context)
		}
	})
}
