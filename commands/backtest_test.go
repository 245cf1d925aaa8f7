package commands_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

func backtestService(s *models.Store) *commands.Service {
	m := scoring.ModelOf(scoring.Default())
	return &commands.Service{Store: s, Model: &m, Config: m.Default.Config,
		Now: func() time.Time { return commandstest.BacktestNow }, Log: slog.New(slog.DiscardHandler)}
}

// TestBacktestHandMade: the hand-made portfolio (commandstest.SeedBacktestPortfolio,
// whose comment computes every figure) gives exactly its samples, labels,
// scores and figures on both databases; rows dated after an evaluation day
// change nothing.
func TestBacktestHandMade(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		commandstest.SeedBacktestPortfolio(t, s)
		svc := backtestService(s)
		run, err := svc.Backtest(context.Background(), svc.Model, commands.BacktestOptions{
			Horizon: commandstest.BacktestHorizon, From: commandstest.BacktestE1, To: commandstest.BacktestE2})
		if err != nil {
			t.Fatal(err)
		}
		slugs := map[uint]string{}
		var accs []models.Account
		if err := s.DB().Find(&accs).Error; err != nil {
			t.Fatal(err)
		}
		for _, a := range accs {
			slugs[a.ID] = a.Slug
		}
		type key struct {
			slug string
			day  string
		}
		got := map[key][2]int{} // score, churned
		for _, smp := range run.Samples.Samples {
			c := 0
			if smp.Churned {
				c = 1
			}
			got[key{slugs[smp.AccountID], smp.Day.Format(models.DayLayout)}] = [2]int{smp.Score, c}
		}
		e1, e2 := "2026-01-05", "2026-01-12"
		want := map[key][2]int{
			{"alpha", e1}: {100, 0}, {"bravo", e1}: {52, 1}, {"charlie", e1}: {80, 0}, {"delta", e1}: {20, 0},
			{"echo", e1}: {20, 0}, {"foxtrot", e1}: {100, 1},
			{"alpha", e2}: {100, 0}, {"bravo", e2}: {52, 1}, {"charlie", e2}: {80, 0}, {"delta", e2}: {20, 1},
			{"echo", e2}: {20, 0}, {"golf", e2}: {80, 0},
		}
		if len(got) != len(want) || len(run.Samples.Samples) != len(want) {
			t.Errorf("%d samples %v, want %d", len(run.Samples.Samples), got, len(want))
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || g != w {
				t.Errorf("%s on %s: score, churned %v (sampled %v), want %v", k.slug, k.day, g, ok, w)
			}
		}
		rep, w := run.Report, commandstest.BacktestWant
		if rep.Samples != w.Samples || rep.Churned != w.Churned || rep.HorizonDays != 30 {
			t.Errorf("samples %d churned %d horizon %d, want %d %d 30", rep.Samples, rep.Churned, rep.HorizonDays, w.Samples, w.Churned)
		}
		near := func(name string, got scoring.Stat, want float64) {
			t.Helper()
			if !got.Defined() || math.Abs(float64(got)-want) > 1e-12 {
				t.Errorf("%s = %v, want %v", name, float64(got), want)
			}
		}
		near("auc", rep.AUC, w.AUC)
		near("precision", rep.Precision, w.Precision)
		near("recall", rep.Recall, w.Recall)
		near("lead time", rep.LeadTimeDays, w.LeadTime)
		comps := map[string]scoring.Stat{}
		for _, c := range rep.Components {
			comps[c.Name] = c.AUC
		}
		if len(comps) != 3 {
			t.Errorf("components %v, want engagement, payment and exec_sponsor alone", rep.Components)
		}
		near("engagement", comps["engagement"], w.Engagement)
		near("payment", comps["payment"], w.Payment)
		near("exec_sponsor", comps["exec_sponsor"], w.ExecSponsor)
		for i, st := range rep.Statuses {
			if st.Samples != w.Statuses[i][0] || st.Churned != w.Statuses[i][1] {
				t.Errorf("%s: %d samples %d churned, want %v", st.Status, st.Samples, st.Churned, w.Statuses[i])
			}
		}
		if run.Accounts != 7 || len(run.Days) != 2 || run.Facts.FailedInvoices != 3 {
			t.Errorf("accounts %d, days %d, facts %+v", run.Accounts, len(run.Days), run.Facts)
		}
		text := commands.BacktestText(run)
		for _, says := range []string{"12 samples of 7 accounts, 4 labelled churned", "AUC 0.55", "At-risk", "100.0% (2 of 2 samples churned)",
			"median 19.5 days", "engagement    0.45 over 12 samples"} {
			if !strings.Contains(text, says) {
				t.Errorf("text lacks %q:\n%s", says, text)
			}
		}
	})
}

// TestBacktestOptions: the default span is the year of weekly days that
// ends Horizon days before today; days out of order are the caller's mistake.
func TestBacktestOptions(t *testing.T) {
	today := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	o, days, err := commands.BacktestOptions{}.Resolve(today)
	if err != nil {
		t.Fatal(err)
	}
	if o.Horizon != 60 || !o.To.Equal(time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC)) || len(days) != 53 ||
		!days[0].Equal(o.To.AddDate(0, 0, -364)) || !days[52].Equal(o.To) {
		t.Errorf("defaults %+v, %d days from %v", o, len(days), days[0])
	}
	_, _, err = commands.BacktestOptions{From: today, To: today.AddDate(0, 0, -1)}.Resolve(today)
	if !errors.Is(err, commands.ErrBadBacktest) {
		t.Errorf("from after to: %v", err)
	}
	_, _, err = commands.BacktestOptions{Horizon: -3}.Resolve(today)
	if !errors.Is(err, commands.ErrBadBacktest) {
		t.Errorf("negative horizon: %v", err)
	}
}

// TestHealthBacktestAdminsOnly: "/health backtest" answers an admin with the
// report and its two pictures, and refuses anyone else.
func TestHealthBacktestAdminsOnly(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	commandstest.SeedBacktestPortfolio(t, s)
	svc := backtestService(s)
	svc.Admins = []commands.ChatUser{{Platform: "slack", UserID: "U-ADMIN"}}
	ctx := context.Background()
	cmd, err := commands.Parse("/health backtest")
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Execute(ctx, commands.Caller{Platform: "slack", UserID: "U-ADMIN"}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Charts) != 2 || r.Charts[0].ROC == nil || r.Charts[1].Bars == nil {
		t.Errorf("charts %+v", r.Charts)
	}
	r, err = svc.Execute(ctx, commands.Caller{Platform: "slack", UserID: "U-OTHER"}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Charts) != 0 || !strings.Contains(r.Text, "admin") {
		t.Errorf("a non-admin got %q", r.Text)
	}
}
