package gen_test

import (
	"context"
	"errors"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/gen"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// digest summarises the generated data, so two databases can be compared.
type digest struct {
	Accounts, Activity, Users, Tickets, Touches, Pulses, Surveys, Invoices, MRR, CSMs, Snapshots int64
	Scored                                                                                       int
	Known                                                                                        int
}

func digestOf(t *testing.T, s *models.Store, p gen.Params) digest {
	t.Helper()
	var d digest
	err := s.DB().Raw(`SELECT
		(SELECT COUNT(*) FROM accounts) AS accounts,
		(SELECT COUNT(*) FROM activities) AS activity,
		(SELECT COUNT(*) FROM (SELECT DISTINCT account_id, user_id FROM activities) u) AS users,
		(SELECT COUNT(*) FROM tickets) AS tickets,
		(SELECT COUNT(*) FROM touches) AS touches,
		(SELECT COUNT(*) FROM pulses) AS pulses,
		(SELECT COUNT(*) FROM surveys) AS surveys,
		(SELECT COUNT(*) FROM invoices) AS invoices,
		(SELECT COUNT(*) FROM mrr_changes) AS mrr,
		(SELECT COUNT(*) FROM csms) AS cs_ms,
		(SELECT COUNT(*) FROM snapshots) AS snapshots`).Scan(&d).Error
	if err != nil {
		t.Fatal(err)
	}
	err = s.AllSignals(context.Background(), scoring.Default(), gen.DefaultEnd, func(sig scoring.Signals) error {
		d.Scored++
		if scoring.Score(scoring.Default(), sig).Known {
			d.Known++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rollupErrors counts the rows by which the activity rollups, rebuilt by
// Generate after loading with the insert trigger off on PostgreSQL and
// kept by the row triggers on SQLite, differ from a recount.
func rollupErrors(t *testing.T, s *models.Store) int64 {
	t.Helper()
	const days = `SELECT day, account_id, COUNT(DISTINCT user_id) FROM activities GROUP BY day, account_id`
	const last = `SELECT account_id, 'u', user_id, MAX(day) FROM activities GROUP BY account_id, user_id
		UNION ALL SELECT account_id, 'f', feature, MAX(day) FROM activities WHERE feature <> '' GROUP BY account_id, feature`
	var n int64
	err := s.DB().Raw(`SELECT
		(SELECT COUNT(*) FROM (SELECT day, account_id, users FROM activity_days EXCEPT ` + days + `) a) +
		(SELECT COUNT(*) FROM (` + days + ` EXCEPT SELECT day, account_id, users FROM activity_days) b) +
		(SELECT COUNT(*) FROM (SELECT account_id, kind, "key", last_day FROM activity_last EXCEPT SELECT * FROM (` + last + `) l) c) +
		(SELECT COUNT(*) FROM (SELECT * FROM (` + last + `) l EXCEPT SELECT account_id, kind, "key", last_day FROM activity_last) d)`).Scan(&n).Error
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// orgDayErrors counts the days of snapshot history without their count of
// active accounts (models.OrgActiveAccounts) or with another count than
// the accounts not churned by the day, the count the daily rescore saves;
// and the counts saved for days without snapshots.
func orgDayErrors(t *testing.T, s *models.Store) (bad, days int64) {
	t.Helper()
	var r struct{ Bad, Days int64 }
	err := s.DB().Raw(`SELECT
		(SELECT COUNT(*) FROM (SELECT DISTINCT day FROM snapshots) d
			LEFT JOIN org_aggregates o ON o.day = d.day AND o.name = ? AND o.since = ''
			WHERE o.value IS NULL OR o.value <> (SELECT COUNT(*) FROM accounts a WHERE COALESCE(a.churned_on, '9999-12-31') > d.day))
		+ (SELECT COUNT(*) FROM org_aggregates o WHERE NOT EXISTS (SELECT 1 FROM snapshots n WHERE n.day = o.day)) AS bad,
		(SELECT COUNT(DISTINCT day) FROM snapshots) AS days`, models.OrgActiveAccounts).Scan(&r).Error
	if err != nil {
		t.Fatal(err)
	}
	return r.Bad, r.Days
}

// TestGenerateIsDeterministic generates a small portfolio on every
// database and checks the same rows land everywhere, that the marker
// records it, and that a non-empty database is refused.
func TestGenerateIsDeterministic(t *testing.T) {
	p := gen.Params{Accounts: 30, Days: 60}
	var first *digest
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		st, err := gen.Generate(ctx, s, p)
		if err != nil {
			t.Fatal(err)
		}
		d := digestOf(t, s, p)
		if d.Accounts != 30 || d.Activity != st.ActivityRows() || d.Activity < 30*60/2 || d.Tickets == 0 || d.Touches == 0 ||
			d.Invoices == 0 || d.MRR < 30 || d.Surveys == 0 || d.CSMs != 1 || d.Known == 0 || d.Snapshots < 30*50 {
			t.Errorf("digest %+v: want every table filled", d)
		}
		if n := rollupErrors(t, s); n != 0 {
			t.Errorf("activity rollups: %d rows differ from a recount of the generated activity", n)
		}
		if bad, days := orgDayErrors(t, s); bad != 0 || days != 59 {
			t.Errorf("active accounts of the snapshot days: %d of %d days wrong, want 0 of 59", bad, days)
		}
		if s.Dialect() == models.DialectPostgres {
			// Every generated day went to its month's table, as serve's
			// daily job keeps them, none to the default partition.
			for _, table := range []string{"activities_default", "snapshots_default"} {
				var stray int64
				if err := s.DB().Raw("SELECT COUNT(*) FROM " + table).Scan(&stray).Error; err != nil || stray != 0 {
					t.Errorf("%s holds %d rows (%v), want none", table, stray, err)
				}
			}
		}
		if first == nil {
			first = &d
		} else if *first != d {
			t.Errorf("digest differs between databases:\n%+v\n%+v", *first, d)
		}
		ok, got, err := gen.Existing(ctx, s, p)
		if err != nil || !ok || got.ActivityRows() != st.ActivityRows() {
			t.Errorf("Existing = %v, %d rows, %v; want true, %d rows", ok, got.ActivityRows(), err, st.ActivityRows())
		}
		if ok, _, _ := gen.Existing(ctx, s, gen.Params{Accounts: 31, Days: 60}); ok {
			t.Error("Existing(other params) = true")
		}
		if _, err := gen.Generate(ctx, s, p); !errors.Is(err, gen.ErrNotEmpty) {
			t.Errorf("second Generate: err = %v, want ErrNotEmpty", err)
		}
	})
}

// TestGenerateHistoryLongerThanActivity checks Params.History: daily
// snapshots reach back History days before the last day, past the first
// day of activity, the same on every database, and the marker and the
// benchmark schema tell the dataset from the default one.
func TestGenerateHistoryLongerThanActivity(t *testing.T) {
	p := gen.Params{Accounts: 12, Days: 20, History: 45}
	if gen.BenchSchema(p) != "bench_12_20_h45" || gen.BenchSchema(gen.Params{Accounts: 12, Days: 20}) != "bench_12_20" {
		t.Errorf("BenchSchema = %q, %q", gen.BenchSchema(p), gen.BenchSchema(gen.Params{Accounts: 12, Days: 20}))
	}
	var first *[3]string
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := gen.Generate(ctx, s, p); err != nil {
			t.Fatal(err)
		}
		var got struct{ Lo, Hi, N string }
		if err := s.DB().Raw("SELECT MIN(day) AS lo, MAX(day) AS hi, CAST(COUNT(*) AS TEXT) AS n FROM snapshots").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.Lo != "2026-02-14" || got.Hi != "2026-03-30" {
			t.Errorf("snapshot days %s..%s, want 2026-02-14..2026-03-30 (45 days before 2026-03-31)", got.Lo, got.Hi)
		}
		if s.Dialect() == models.DialectPostgres {
			// The months before the first day of activity got tables too.
			var stray int64
			if err := s.DB().Raw("SELECT COUNT(*) FROM snapshots_default").Scan(&stray).Error; err != nil || stray != 0 {
				t.Errorf("snapshots_default holds %d rows (%v), want none", stray, err)
			}
		}
		if bad, days := orgDayErrors(t, s); bad != 0 || days != 45 {
			t.Errorf("active accounts of the snapshot days: %d of %d days wrong, want 0 of 45", bad, days)
		}
		d := [3]string{got.Lo, got.Hi, got.N}
		if first == nil {
			first = &d
		} else if *first != d {
			t.Errorf("snapshots differ between databases: %v, %v", *first, d)
		}
		if ok, _, _ := gen.Existing(ctx, s, gen.Params{Accounts: 12, Days: 20}); ok {
			t.Error("Existing(default history) = true for a 45-day history")
		}
	})
}
