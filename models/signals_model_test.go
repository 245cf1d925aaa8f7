package models_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// shortModel gives the accounts of segment "smb" a profile with every
// store-side window shortened (as TestSignalsUseConfiguredWindows does for
// the whole model) and leaves the others on the defaults.
func shortModel(t *testing.T) scoring.Model {
	t.Helper()
	m, err := scoring.ParseModel([]byte(`
profiles:
  - name: short
    match: {segment: smb}
    windows: {dau_days: 1, mau_days: 7, adoption_days: 1, feature_seen_days: 30, support_days: 30,
      engagement_days: 7, exec_sponsor_days: 7, late_payment_days: 30, survey_days: 7}
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// smbFixture seeds the fixture with alpha in segment "smb" and returns
// shortModel, under which alpha alone takes the short profile.
func smbFixture(t *testing.T, s *models.Store) scoring.Model {
	t.Helper()
	seedFixture(t, s)
	if err := s.DB().Exec("UPDATE accounts SET segment = 'SMB' WHERE id = ?", alpha).Error; err != nil {
		t.Fatal(err)
	}
	return shortModel(t)
}

func modelSignals(t *testing.T, ctx context.Context, s *models.Store, m *scoring.Model) (map[uint]scoring.Signals, map[uint]string) {
	t.Helper()
	got, profiles := map[uint]scoring.Signals{}, map[uint]string{}
	err := s.ModelSignals(ctx, m, asOf, func(e *scoring.Effective, sig scoring.Signals) error {
		got[sig.AccountID], profiles[sig.AccountID] = sig, e.Profile
		return nil
	})
	if err != nil {
		t.Fatalf("ModelSignals: %v", err)
	}
	return got, profiles
}

// TestModelSignalsFollowEachProfile gathers every account under a model
// whose smb profile restates every window: alpha (smb) gets the short
// windows' figures, the others the defaults', each equal to what Signals
// gives for that account under its profile's config; and the restated
// windows cost one statement per source, not one per account.
func TestModelSignalsFollowEachProfile(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		m := smbFixture(t, s)
		ctx := context.Background()
		got, profiles := modelSignals(t, ctx, s, &m)

		short := m.Profiles[0].Config
		wantAlpha, _ := allSignals(t, s, short)
		for id, want := range wantFixture() {
			profile := "default"
			if id == alpha {
				want, profile = wantAlpha[alpha], "short"
			}
			if profiles[id] != profile {
				t.Errorf("account %d: profile %q, want %q", id, profiles[id], profile)
			}
			if !reflect.DeepEqual(got[id], want) {
				t.Errorf("account %d:\n got %s\nwant %s", id, show(got[id]), show(want))
			}
			one, err := s.Signals(ctx, m.For(map[bool]string{true: "smb"}[id == alpha], "").Config, id, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(one, got[id]) {
				t.Errorf("parity, account %d:\n  Signals %s\nModelSignals %s", id, show(one), show(got[id]))
			}
		}
		if got[alpha].MAU != 2 || got[alpha].OrgMeanTickets90 != 1 {
			t.Errorf("alpha: MAU %d, org mean %v; want the short windows' 2 and 1", got[alpha].MAU, got[alpha].OrgMeanTickets90)
		}

		count := func(m *scoring.Model) int {
			n, err := models.CountQueries(ctx, func(ctx context.Context) error {
				return s.ModelSignals(ctx, m, asOf, func(*scoring.Effective, scoring.Signals) error { return nil })
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		def := scoring.ModelOf(scoring.Default())
		base, profiled := count(&def), count(&m)
		// The value features, activity (its rollups, and the raw rows of
		// the accounts with activity after T), tickets, touches, invoices
		// and surveys each read once more, for the short windows.
		if profiled != base+7 {
			t.Errorf("ModelSignals: %d statements with the short profile, %d without; want 7 more", profiled, base)
		}
		for i := range 20 {
			mustCreate(t, s, &models.Account{ExternalID: "smb" + day(i), Name: "S", Slug: "smb" + day(i), Segment: "smb"})
		}
		if again := count(&m); again != profiled {
			t.Errorf("ModelSignals: %d statements with 21 smb accounts, %d with one", again, profiled)
		}
		t.Logf("ModelSignals: %d statements, %d without the profile", profiled, base)
	})
}

// TestModelSignalsOfSubset: ModelSignalsOf narrowed to some accounts (one
// under the short profile, one not, an unknown id) gives each exactly the
// figures of the pass over every account — the organisation's mean
// tickets included — and nothing for the others.
func TestModelSignalsOfSubset(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		m := smbFixture(t, s)
		ctx := context.Background()
		all, _ := modelSignals(t, ctx, s, &m)
		for id := range all {
			for _, ids := range [][]uint{{id}, {alpha, id, 9999}} {
				got := map[uint]scoring.Signals{}
				err := s.ModelSignalsOf(ctx, &m, asOf, ids, func(_ *scoring.Effective, sig scoring.Signals) error {
					got[sig.AccountID] = sig
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				checked := map[uint]bool{9999: true}
				for _, want := range ids {
					if checked[want] {
						continue
					}
					checked[want] = true
					if !reflect.DeepEqual(got[want], all[want]) {
						t.Errorf("ids %v, account %d:\n got %s\nwant %s", ids, want, show(got[want]), show(all[want]))
					}
					delete(got, want)
				}
				if len(got) > 0 {
					t.Errorf("ids %v: also gave %d other accounts", ids, len(got))
				}
			}
		}
	})
}

// TestModelSignalsReadInParallel: with WithParallelReads (the daily rescore's
// store), a pass over every account under a model with a profile gives
// the same signals, profiles and org-wide figures as the pass that reads
// in turn, and a number of statements that does not vary; inside a
// transaction the setting is ignored (one connection).
func TestModelSignalsReadInParallel(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		m := smbFixture(t, s)
		ctx := context.Background()
		pass := func(s *models.Store) (map[uint]scoring.Signals, map[uint]string, []models.OrgAggregate, int) {
			t.Helper()
			got, profiles := map[uint]scoring.Signals{}, map[uint]string{}
			var org []models.OrgAggregate
			n, err := models.CountQueries(ctx, func(ctx context.Context) error {
				var err error
				var mu sync.Mutex // called at once from WithParallelReads' goroutines
				org, err = s.ModelSignalsOfOrg(ctx, &m, asOf, nil, func(e *scoring.Effective, sig scoring.Signals) error {
					mu.Lock()
					defer mu.Unlock()
					got[sig.AccountID], profiles[sig.AccountID] = sig, e.Profile
					return nil
				})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return got, profiles, org, n
		}
		parallel := s.WithParallelReads(2)
		if want := map[string]int{models.DialectPostgres: 2, models.DialectSQLite: 1}[s.Dialect()]; parallel.ParallelReads() != want {
			t.Errorf("ParallelReads() = %d on %s, want %d", parallel.ParallelReads(), s.Dialect(), want)
		}
		wantSigs, wantProfiles, wantOrg, inTurn := pass(s)
		parallelN := 0
		for range 3 { // the reads finish in any order
			sigs, profiles, org, n := pass(parallel)
			if !reflect.DeepEqual(sigs, wantSigs) || !reflect.DeepEqual(profiles, wantProfiles) {
				t.Fatalf("in parallel: profiles %v, signals %v\nin turn: %v, %v", profiles, sigs, wantProfiles, wantSigs)
			}
			// The same reads, each after its SET LOCAL on PostgreSQL.
			if parallelN == 0 {
				parallelN = n
			}
			if n != parallelN || (s.Dialect() == models.DialectSQLite && n != inTurn) || n < inTurn {
				t.Errorf("in parallel: %d statements (first pass %d), in turn: %d", n, parallelN, inTurn)
			}
			sortOrg(org)
			sortOrg(wantOrg)
			if !reflect.DeepEqual(org, wantOrg) {
				t.Fatalf("org figures in parallel %v, in turn %v", org, wantOrg)
			}
		}
		err := parallel.WithTx(ctx, func(tx *models.Store) error {
			if tx.ParallelReads() != 1 {
				t.Errorf("ParallelReads() in a transaction = %d, want 1", tx.ParallelReads())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func sortOrg(org []models.OrgAggregate) {
	slices.SortFunc(org, func(a, b models.OrgAggregate) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Since, b.Since))
	})
}
