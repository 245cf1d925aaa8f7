package demo_test

import (
	"context"
	"sort"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// Every churned account keeps its history up to its churn date and has
// nothing on or after it: no activity, touch, pulse, survey, ticket or
// invoice, every ticket closed before, and an MRR history that ends with
// a change to 0 on that day. The churn dates spread over the past year,
// none in the last 60 days.
func TestChurnedAccountsStop(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, s, today); err != nil {
			t.Fatal(err)
		}
		var churned []models.Account
		if err := s.DB().Where("churned_on IS NOT NULL").Order("churned_on").Find(&churned).Error; err != nil {
			t.Fatal(err)
		}
		if len(churned) != 14 {
			t.Fatalf("%d churned accounts, want 14", len(churned))
		}
		if first, last := *churned[0].ChurnedOn, *churned[len(churned)-1].ChurnedOn; first < "2025-09-22" || last > "2026-09-21" {
			t.Errorf("churn dates %s .. %s, want within the 365 days ending 60 days before %s", first, last, today.Format(models.DayLayout))
		}
		for _, a := range churned {
			on := *a.ChurnedOn
			for _, c := range []struct {
				what  string
				model any
				where string
			}{
				{"activity", &models.Activity{}, "day >= ?"},
				{"touches", &models.Touch{}, "day >= ?"},
				{"pulses", &models.Pulse{}, "day >= ?"},
				{"surveys", &models.Survey{}, "day >= ?"},
				{"tickets", &models.Ticket{}, "opened_day >= ?"},
				{"invoices", &models.Invoice{}, "due_on >= ? OR paid_on >= ?"},
			} {
				var n int64
				args := []any{on}
				if c.what == "invoices" {
					args = append(args, on)
				}
				if err := s.DB().Model(c.model).Where("account_id = ?", a.ID).Where(c.where, args...).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("%s churned on %s has %d %s on or after it", a.Name, on, n, c.what)
				}
			}
			var tickets []models.Ticket
			s.DB().Where("account_id = ?", a.ID).Find(&tickets)
			end, _ := models.ParseDay(on)
			for _, tk := range tickets {
				if tk.ClosedAt == nil || !tk.ClosedAt.Before(end) {
					t.Errorf("%s churned on %s: ticket %s closed at %v", a.Name, on, tk.ExternalID, tk.ClosedAt)
				}
			}
			var mrr []models.MRRChange
			s.DB().Where("account_id = ?", a.ID).Order("effective_on DESC").Find(&mrr)
			if len(mrr) == 0 || mrr[0].EffectiveOn != on || mrr[0].MRRCents != 0 {
				t.Errorf("%s churned on %s: latest MRR change %+v, want 0 on that day", a.Name, on, mrr)
			}
		}
	})
}

// Every account has a segment, and plan and MRR go with it: smb accounts
// are the smallest and on starter, enterprise ones the largest. Each
// segment has active and churned accounts, so a profile per segment has
// something to score and to backtest.
func TestSegments(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	if _, err := demo.Load(context.Background(), s, today); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Segment, Plan  string
		N, Active      int
		MinMRR, MaxMRR int64
	}
	err := s.DB().Raw(`SELECT segment, plan, COUNT(*) AS n, SUM(CASE WHEN churned_on IS NULL THEN 1 ELSE 0 END) AS active,
		MIN(mrr_cents) AS min_mrr, MAX(mrr_cents) AS max_mrr FROM accounts GROUP BY segment, plan ORDER BY MIN(mrr_cents)`).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"smb", "starter"}, {"mid-market", "growth"}, {"enterprise", "enterprise"}}
	if len(rows) != len(want) {
		t.Fatalf("segments and plans %+v, want %v", rows, want)
	}
	for i, r := range rows {
		if r.Segment != want[i][0] || r.Plan != want[i][1] {
			t.Errorf("segment %d: %s on %s, want %v", i, r.Segment, r.Plan, want[i])
		}
		if r.Active < 5 || r.N-r.Active < 3 {
			t.Errorf("%s: %d active and %d churned accounts, want at least 5 and 3", r.Segment, r.Active, r.N-r.Active)
		}
		if i > 0 && r.MinMRR <= rows[i-1].MaxMRR {
			t.Errorf("%s MRR from %d overlaps %s up to %d", r.Segment, r.MinMRR, rows[i-1].Segment, rows[i-1].MaxMRR)
		}
	}
}

// The demo loads its activity with the rollup trigger off and rebuilds
// the rollups: they must match a recount, and the trigger must be back so
// that the next ingestion keeps them.
func TestRollupsAfterLoad(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, s, today); err != nil {
			t.Fatal(err)
		}
		const days = `SELECT day, account_id, COUNT(DISTINCT user_id) FROM activities GROUP BY day, account_id`
		var n int64
		err := s.DB().Raw(`SELECT
			(SELECT COUNT(*) FROM (SELECT day, account_id, users FROM activity_days EXCEPT ` + days + `) a) +
			(SELECT COUNT(*) FROM (` + days + ` EXCEPT SELECT day, account_id, users FROM activity_days) b) +
			(SELECT COUNT(*) FROM (SELECT account_id, "key", last_day FROM activity_last WHERE kind = 'u'
				EXCEPT SELECT account_id, user_id, MAX(day) FROM activities GROUP BY account_id, user_id) c)`).Scan(&n).Error
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("activity rollups: %d rows differ from a recount", n)
		}
		var acme models.Account
		if err := s.DB().Where("slug = ?", "acme-corp").First(&acme).Error; err != nil {
			t.Fatal(err)
		}
		day := today.Format(models.DayLayout)
		var before, after int64
		s.DB().Raw("SELECT COALESCE(SUM(users), 0) FROM activity_days WHERE account_id = ? AND day = ?", acme.ID, day).Scan(&before)
		if _, err := s.InsertActivity(ctx, []models.Activity{{AccountID: acme.ID, Day: day, UserID: "a-new-user", Feature: "reports"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FoldActivityRollups(ctx, 0); err != nil { // PostgreSQL queues the row for the rollups
			t.Fatal(err)
		}
		s.DB().Raw("SELECT COALESCE(SUM(users), 0) FROM activity_days WHERE account_id = ? AND day = ?", acme.ID, day).Scan(&after)
		if after != before+1 {
			t.Errorf("a new user's activity moved today's count from %d to %d: the rollup trigger is not back", before, after)
		}
	})
}

// TestChurnSignal is the backtest the demo is built for, from stored rows
// only: over weekly days from 424 to 60 days ago, the default model's
// point-in-time score of the accounts that churn within the next 60 days
// against the others. The score must tell them apart, imperfectly, and
// the components must differ in strength the way the demo intends (usage
// and payment strong, adoption weak), so that tuning the weights has
// something to find.
func TestChurnSignal(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, s, today); err != nil {
		t.Fatal(err)
	}
	var accts []models.Account
	if err := s.DB().Find(&accts).Error; err != nil {
		t.Fatal(err)
	}
	byID := map[uint]models.Account{}
	for _, a := range accts {
		byID[a.ID] = a
	}
	cfg := scoring.Default()
	var score, usage, adoption, payment []sample
	for e := today.AddDate(0, 0, -424); !e.After(today.AddDate(0, 0, -60)); e = e.AddDate(0, 0, 7) {
		day := e.Format(models.DayLayout)
		err := s.AllSignals(ctx, cfg, e, func(sig scoring.Signals) error {
			a := byID[sig.AccountID]
			if a.StartedOn != nil && *a.StartedOn > day {
				return nil // not a customer yet
			}
			churns := a.ChurnedOn != nil && *a.ChurnedOn > day && *a.ChurnedOn <= e.AddDate(0, 0, 60).Format(models.DayLayout)
			r := scoring.Score(cfg, sig)
			score = append(score, sample{float64(r.Score), churns})
			for _, p := range r.Parts {
				switch p.Component {
				case scoring.Usage:
					usage = append(usage, sample{float64(p.Sub), churns})
				case scoring.Adoption:
					adoption = append(adoption, sample{float64(p.Sub), churns})
				case scoring.Payment:
					payment = append(payment, sample{float64(p.Sub), churns})
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]float64{"score": auc(score), "usage": auc(usage), "adoption": auc(adoption), "payment": auc(payment)}
	t.Logf("%d samples, AUC %v", len(score), got)
	if a := got["score"]; a < 0.70 || a > 0.88 {
		t.Errorf("AUC of the score %.3f, want a real, imperfect 0.70..0.88", a)
	}
	if got["usage"] < got["adoption"]+0.1 || got["payment"] < got["adoption"]+0.05 {
		t.Errorf("component AUCs %v: want usage and payment clearly stronger than adoption", got)
	}
}

// sample is a value and whether its account churned within the horizon.
type sample struct {
	v      float64
	churns bool
}

// auc is the probability that a churning sample scores lower than a
// retained one, ties counting one half (Mann-Whitney).
func auc(xs []sample) float64 {
	sort.Slice(xs, func(i, j int) bool { return xs[i].v < xs[j].v })
	var pos, neg, rankPos float64
	for i := 0; i < len(xs); {
		j := i
		for j < len(xs) && xs[j].v == xs[i].v {
			j++
		}
		rank := float64(i+j+1) / 2
		for _, x := range xs[i:j] {
			if x.churns {
				pos++
				rankPos += rank
			} else {
				neg++
			}
		}
		i = j
	}
	return 1 - (rankPos-pos*(pos+1)/2)/(pos*neg)
}
