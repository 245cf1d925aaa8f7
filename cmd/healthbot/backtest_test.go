package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// seedBacktest loads the hand-made backtest portfolio into p's database.
func seedBacktest(t *testing.T, p *program) {
	t.Helper()
	s, err := models.Open(context.Background(), p.env["DATABASE_URL"], time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commandstest.SeedBacktestPortfolio(t, s)
}

// TestBacktestJSON: `healthbot backtest --json` on the hand-made portfolio
// prints the figures computed by hand (commandstest.BacktestWant), under
// the names of the interface, on SQLite and PostgreSQL.
func TestBacktestJSON(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		seedBacktest(t, p)
		r := p.mustRun("", "backtest", "--horizon", "30", "--from", "2026-01-05", "--to", "2026-01-12", "--json")
		var got struct {
			HorizonDays int      `json:"horizon_days"`
			Samples     int      `json:"samples"`
			Churned     int      `json:"churned"`
			AUC         *float64 `json:"auc"`
			Statuses    []struct {
				Status    string   `json:"status"`
				Samples   int      `json:"samples"`
				Churned   int      `json:"churned"`
				ChurnRate *float64 `json:"churn_rate"`
			} `json:"statuses"`
			Components []struct {
				Name string   `json:"name"`
				AUC  *float64 `json:"auc"`
			} `json:"components"`
			Precision    *float64 `json:"precision"`
			Recall       *float64 `json:"recall"`
			LeadTimeDays *float64 `json:"lead_time_days"`
		}
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%v:\n%s", err, r.stdout)
		}
		w := commandstest.BacktestWant
		if got.HorizonDays != 30 || got.Samples != w.Samples || got.Churned != w.Churned {
			t.Errorf("horizon %d samples %d churned %d", got.HorizonDays, got.Samples, got.Churned)
		}
		eq := func(name string, g *float64, want float64) {
			t.Helper()
			if g == nil || math.Abs(*g-want) > 1e-12 {
				t.Errorf("%s = %v, want %v", name, g, want)
			}
		}
		eq("auc", got.AUC, w.AUC)
		eq("precision", got.Precision, w.Precision)
		eq("recall", got.Recall, w.Recall)
		eq("lead_time_days", got.LeadTimeDays, w.LeadTime)
		want := map[string]float64{"engagement": w.Engagement, "payment": w.Payment, "exec_sponsor": w.ExecSponsor}
		if len(got.Components) != len(want) {
			t.Errorf("components %+v", got.Components)
		}
		for _, c := range got.Components {
			eq(c.Name, c.AUC, want[c.Name])
		}
		names := []string{"Healthy", "Stable", "At-risk", "Critical"}
		if len(got.Statuses) != 4 {
			t.Fatalf("statuses %+v", got.Statuses)
		}
		for i, st := range got.Statuses {
			if st.Status != names[i] || st.Samples != w.Statuses[i][0] || st.Churned != w.Statuses[i][1] {
				t.Errorf("status %d: %+v, want %s %v", i, st, names[i], w.Statuses[i])
			}
			if st.Samples == 0 && st.ChurnRate != nil {
				t.Errorf("%s: churn rate %v of no samples, want null", st.Status, *st.ChurnRate)
			}
		}
	})
}

// TestBacktestConfigAndText: --config backtests another model (payment
// alone: the payment component's own AUC), and the text names the
// approximations; bad flags exit 2 with a message that says what to do.
func TestBacktestConfigAndText(t *testing.T) {
	p := sqliteProgram(t)
	seedBacktest(t, p)
	cfg := filepath.Join(t.TempDir(), "payment.yaml")
	if err := os.WriteFile(cfg, []byte("weights: {usage: 0, adoption: 0, support: 0, engagement: 0, payment: 100}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := p.mustRun("", "backtest", "--horizon", "30", "--from", "2026-01-05", "--to", "2026-01-12", "--config", cfg, "--json")
	var rep struct {
		AUC float64 `json:"auc"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.AUC-commandstest.BacktestWant.Payment) > 1e-12 {
		t.Errorf("payment alone: AUC %v, want the payment component's %v", rep.AUC, commandstest.BacktestWant.Payment)
	}
	r = p.mustRun("", "backtest", "--horizon", "30", "--from", "2026-01-05", "--to", "2026-01-12")
	for _, says := range []string{"AUC 0.55", "Kept without a date, so approximated", "median 19.5 days"} {
		if !strings.Contains(r.stdout, says) {
			t.Errorf("text lacks %q:\n%s", says, r.stdout)
		}
	}
	for _, args := range [][]string{
		{"backtest", "--from", "2026-02-01", "--to", "2026-01-01"},
		{"backtest", "--to", "yesterday"},
		{"backtest", "--horizon", "0"},
		{"tune", "--step", "7"},
		{"tune", "--folds", "1"},
	} {
		if r := p.run("", args...); r.code != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, r.code, r.err)
		}
	}
}

// TestTuneWritesAProposal: `healthbot tune` writes a proposal that loads,
// with the weights it reports, and applies nothing.
func TestTuneWritesAProposal(t *testing.T) {
	p := sqliteProgram(t)
	seedBacktest(t, p)
	out := filepath.Join(t.TempDir(), "proposal.yaml")
	r := p.mustRun("", "tune", "--horizon", "30", "--from", "2026-01-05", "--to", "2026-01-12", "--folds", "2",
		"--step", "25", "--as-of", "2026-01-12", "--out", out)
	for _, says := range []string{"Held-out AUC", "current 0.547", "Wrote the proposal to " + out, "Nothing was applied"} {
		if !strings.Contains(r.stdout, says) {
			t.Errorf("output lacks %q:\n%s", says, r.stdout)
		}
	}
	m, err := scoring.LoadModel(out)
	if err != nil {
		t.Fatalf("the proposal does not load: %v", err)
	}
	// The components with data (touches and invoices) share 100; those
	// without keep their weights.
	var sum float64
	for _, c := range []string{"engagement", "payment", "exec_sponsor"} {
		sum += m.Default.Config.Weights[c]
	}
	if sum != 100 || m.Default.Config.Weights["usage"] != 30 {
		t.Errorf("proposed weights %v sum to %v", m.Default.Config.Weights, sum)
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), "# Proposed by healthbot tune") {
		t.Errorf("the proposal says not where it came from:\n%s", data)
	}
	// Nothing applied: the backtest still runs the defaults.
	r = p.mustRun("", "backtest", "--horizon", "30", "--from", "2026-01-05", "--to", "2026-01-12")
	if !strings.Contains(r.stdout, "AUC 0.55") {
		t.Errorf("after tune, the model in use changed:\n%s", r.stdout)
	}
}
