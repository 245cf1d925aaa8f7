package commands_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestCardHistoryAsFromAYear: a card reads a month of heads and, when the
// status held through all of them, the day it began from current_scores;
// what it shows (the trend, days in status, "or more", the latest model
// change) is what a read of the whole year of heads gives, over random
// histories: status runs from a day to more than a year, gaps, model
// versions changing, today's head of another status, and first days not
// yet filled in (a database being upgraded), where the card reads the
// year itself.
func TestCardHistoryAsFromAYear(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		var accounts []models.Account
		if err := s.DB().Where("id IN ?", []uint{acmeID, globexID, initechID}).Order("id").Find(&accounts).Error; err != nil {
			t.Fatal(err)
		}
		// Today's fresh status of each: the history's latest run mostly
		// has it, so the card's days in status run on into the history.
		fresh := map[uint]scoring.Status{}
		for _, a := range accounts {
			v, _, err := commands.CardHistory(ctx, svc, a)
			if err != nil {
				t.Fatal(err)
			}
			fresh[a.ID] = v.Trend.Current.Status
		}
		statuses := []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical}
		r := rand.New(rand.NewPCG(11, 23))
		stored, read := 0, 0
		for round := range 66 {
			a := accounts[round%len(accounts)]
			if err := s.DB().Exec("DELETE FROM snapshots WHERE account_id = ?", a.ID).Error; err != nil {
				t.Fatal(err)
			}
			if round >= 60 { // a status that began exactly historyDays ago, or the day before
				began := 365 + round%2
				var hist []models.Snapshot
				for d := 1; d <= began+3; d++ {
					st := fresh[a.ID]
					if d > began {
						st = statuses[(indexOf(statuses, st)+1)%len(statuses)]
					}
					hist = append(hist, models.Snapshot{AccountID: a.ID, Day: fixtureDay(d), Known: true, Score: 50, Status: string(st), Subscores: "{}"})
				}
				if err := s.SaveSnapshots(ctx, hist); err != nil {
					t.Fatal(err)
				}
				got, fromStore, err := commands.CardHistory(ctx, svc, a)
				if err != nil {
					t.Fatal(err)
				}
				if want := began >= 366; got.Trend.DaysInStatus != 366 || got.Capped != want || !fromStore {
					t.Errorf("a status that began %d days ago: %s (from current_scores: %v), want 366 days, or more: %v", began, viewString(got), fromStore, want)
				}
				continue
			}
			// Runs back from yesterday: the latest of the fresh status and
			// up to 420 days long, older ones of any status.
			var hist []models.Snapshot
			d, version := 1, r.IntN(3)
			for run := 0; d < 430; run++ {
				st := fresh[a.ID]
				if run > 0 || r.IntN(4) == 0 {
					st = statuses[r.IntN(len(statuses))]
				}
				long := []int{1, 5, 29, 31, 60, 200, 420}[r.IntN(7)]
				for end := d + long; d < end && d < 430; d++ {
					if r.IntN(12) == 0 {
						continue // a day without a snapshot
					}
					if r.IntN(40) == 0 {
						version = r.IntN(3)
					}
					hist = append(hist, models.Snapshot{AccountID: a.ID, Day: fixtureDay(d), Known: true, Score: r.IntN(100),
						Status: string(st), Subscores: "{}", Profile: "p" + itoa(version), ModelVersion: "v" + itoa(version)})
				}
			}
			if err := s.SaveSnapshots(ctx, hist); err != nil {
				t.Fatal(err)
			}
			switch r.IntN(6) {
			case 0: // today's head, of another status than yesterday's
				today := hist[0]
				today.Day, today.Status = fixtureDay(0), string(statuses[(r.IntN(3)+1+indexOf(statuses, scoring.Status(hist[0].Status)))%len(statuses)])
				if err := s.SaveSnapshots(ctx, []models.Snapshot{today}); err != nil {
					t.Fatal(err)
				}
			case 1: // today's head, of yesterday's status
				today := hist[0]
				today.Day = fixtureDay(0)
				if err := s.SaveSnapshots(ctx, []models.Snapshot{today}); err != nil {
					t.Fatal(err)
				}
			case 2: // the first day not filled in yet
				if err := s.DB().Exec("UPDATE current_scores SET status_since = NULL WHERE account_id = ?", a.ID).Error; err != nil {
					t.Fatal(err)
				}
			case 3: // a first day out of step with the heads: not trusted
				if err := s.DB().Exec("UPDATE current_scores SET status_since = day WHERE account_id = ?", a.ID).Error; err != nil {
					t.Fatal(err)
				}
			}
			got, fromStore, err := commands.CardHistory(ctx, svc, a)
			if err != nil {
				t.Fatal(err)
			}
			want, err := commands.CardHistoryFromYear(ctx, svc, a)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round %d, %s: card's history = %s\nfrom a year of heads = %s", round, a.Slug, viewString(got), viewString(want))
			}
			if fromStore {
				stored++
			} else {
				read++
			}
		}
		// Both ways were taken.
		if stored < 10 || read < 10 {
			t.Errorf("first days from current_scores %d times, from the heads read %d times; want both 10 or more", stored, read)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func indexOf(statuses []scoring.Status, st scoring.Status) int {
	for i, s := range statuses {
		if s == st {
			return i
		}
	}
	return 0
}

func viewString(v commands.CardHistoryView) string {
	tr := v.Trend
	s := "days in status " + itoa(tr.DaysInStatus) + ", critical " + itoa(tr.DaysCritical)
	if v.Capped {
		s += " or more"
	}
	for _, c := range []struct {
		name string
		v    *int
	}{{"7d", tr.Change7}, {"30d", tr.Change30}} {
		if c.v != nil {
			s += ", " + c.name + " " + itoa(*c.v)
		}
	}
	if v.Changed != nil {
		s += ", model changed " + v.Changed.Day + " " + v.Changed.From + "→" + v.Changed.To
	}
	return s
}
