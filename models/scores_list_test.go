package models_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestScorePageFiltered: an owner's list and a renewal window (whose
// current_scores statement keeps only the ranking columns and reads the
// shown rows' others again) give, stats and whole heads alike, what
// searching the snapshots gives, and what the filter means: the active
// accounts of the owner, renewing within the window, plus Also's.
func TestScorePageFiltered(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		// Ten accounts: owners ann and bob in turn, renewals from day 0 to
		// day 90 in steps of 10, the last churned before asOf.
		var accounts []models.Account
		for i := range 10 {
			renew := day(i * 10)
			a := models.Account{ExternalID: fmt.Sprintf("x%d", i), Name: fmt.Sprintf("Acct %d", i), Slug: fmt.Sprintf("acct-%d", i),
				Owner: []string{"ann", "bob"}[i%2], RenewalOn: &renew, MRRCents: int64(1000 * (10 - i))}
			if i == 9 {
				a.ChurnedOn = strp(day(-1))
			}
			accounts = append(accounts, a)
		}
		mustCreate(t, s, &accounts)
		var snaps []models.Snapshot
		for i, a := range accounts {
			if i == 4 {
				continue // never scored
			}
			sn := snap(a.ID, -(i % 3), 30+5*(i%4)) // scores tie in pairs
			sn.Computed = sn.Score + i
			sn.Status = []string{"Critical", "At risk", "Stable", "Healthy"}[i%4]
			sn.Profile, sn.ModelVersion = []string{"smb", "enterprise"}[i%2], "v"+itoa(i)
			if i == 7 {
				sn.Known, sn.Status = false, "No data"
			}
			snaps = append(snaps, sn)
		}
		if err := s.SaveSnapshots(ctx, snaps); err != nil {
			t.Fatal(err)
		}
		filters := map[string]models.ScoreFilter{
			"owner":         {Owner: "ann"},
			"renewals":      {RenewFrom: day(15), RenewTo: day(75)},
			"owner renewal": {Owner: "bob", RenewFrom: day(0), RenewTo: day(60)},
			"renewals also": {RenewFrom: day(50), RenewTo: day(60), Also: []uint{accounts[0].ID, accounts[1].ID}},
		}
		type page struct {
			Rows     []string
			Stats    models.ScoreStats
			Unscored []uint
		}
		read := func(f models.ScoreFilter, limit int, money bool) page {
			t.Helper()
			rows, st, unscored, err := s.ScorePage(ctx, asOf, f, limit, money)
			if err != nil {
				t.Fatal(err)
			}
			p := page{Stats: st, Unscored: unscored}
			for _, r := range rows {
				h := r.Head
				p.Rows = append(p.Rows, fmt.Sprintf("%s id=%d %s known=%t %d/%d %s %s %s %s", r.Account.Slug, h.ID, h.Day, h.Known,
					h.Score, h.Computed, h.Status, h.Profile, h.ModelVersion, h.UpdatedAt.UTC().Format("15:04:05.000")))
			}
			sort.Strings(p.Rows)
			return p
		}
		type key struct {
			name  string
			limit int
			money bool
		}
		current := map[key]page{}
		for name, f := range filters {
			for _, limit := range []int{0, 1, 2} {
				for _, money := range []bool{false, true} {
					current[key{name, limit, money}] = read(f, limit, money)
				}
			}
		}
		// What each filter selects, from the current statement: every
		// scored account it names (limit 0), and the unscored acct-4
		// where it names it.
		wantSlugs := map[string][]string{
			"owner":         {"acct-0", "acct-2", "acct-6", "acct-8"},
			"renewals":      {"acct-2", "acct-3", "acct-5", "acct-6", "acct-7"},
			"owner renewal": {"acct-1", "acct-3", "acct-5"},
			"renewals also": {"acct-0", "acct-1", "acct-5", "acct-6"},
		}
		for name, want := range wantSlugs {
			p := current[key{name, 0, true}]
			var got []string
			for _, r := range p.Rows {
				got = append(got, r[:len("acct-0")])
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: accounts %v, want %v", name, got, want)
			}
			n := 0
			for _, c := range p.Stats.Count {
				n += c
			}
			if unscored := name == "owner" || name == "renewals"; n != len(want) || (len(p.Unscored) == 1) != unscored {
				t.Errorf("%s: counted %d, unscored %v; want %d counted, acct-4 unscored: %t", name, n, p.Unscored, len(want), unscored)
			}
		}
		// Limited lists keep the worst rows and their ties: acct-0 and
		// acct-8 both score 30, and acct-0 has the larger MRR.
		if got := current[key{"owner", 1, true}].Rows; len(got) != 1 || got[0][:len("acct-0")] != "acct-0" {
			t.Errorf("owner's list of 1 by MRR = %v, want acct-0", got)
		}
		if got := current[key{"owner", 1, false}].Rows; len(got) != 2 {
			t.Errorf("owner's list of 1 = %v, want acct-0 and acct-8, tied", got)
		}
		// A snapshot ahead of the day: the snapshots are searched instead.
		if err := s.SaveSnapshots(ctx, []models.Snapshot{snap(accounts[0].ID, 3, 99)}); err != nil {
			t.Fatal(err)
		}
		for k, want := range current {
			if got := read(filters[k.name], k.limit, k.money); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, limit %d, money %t: searched = %+v\nwant the current one %+v", k.name, k.limit, k.money, got, want)
			}
		}
	})
}
