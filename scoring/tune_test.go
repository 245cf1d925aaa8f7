// Weight tuning. The hand case (TestTuneByHand): 20 accounts, two samples
// each, 10 accounts churned; usage is 0 for every churned account and 100
// for every retained one, support is 0 on the first day and 100 on the
// second, whatever the label. With step 50 the candidates are (usage,
// support) = (100, 0), (50, 50) and (0, 100):
//
//	(0, 100)   support alone: churned {0×10, 100×10}, retained the same: AUC 0.5
//	(50, 50)   churned {0×10, 50×10}, retained {50×10, 100×10}:
//	           (10 × 20 + 10 × (10 + ½·10)) / 400 = 350 / 400 = 0.875
//	(100, 0)   usage alone separates them: AUC 1
//
// Every fold's training set proposes (100, 0), so the held-out AUC of the
// proposal is 1 and that of the current weights (50, 50) is 0.875.
package scoring_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

func TestTuneByHand(t *testing.T) {
	ss := &scoring.SampleSet{Horizon: 60, Components: []string{scoring.Usage, scoring.Support}}
	for id := 1; id <= 20; id++ {
		churned := id <= 10
		usage := int8(100)
		if churned {
			usage = 0
		}
		for i, support := range []int8{0, 100} {
			score := (int(usage) + int(support)) / 2
			ss.Samples = append(ss.Samples, scoring.Sample{AccountID: uint(id), Day: asOf.AddDate(0, 0, 7*i), Known: true, Score: score,
				Status: scoring.StatusOf(score), Cap: scoring.NoCap, Subs: []int8{usage, support}, Churned: churned})
		}
	}
	current := map[string]float64{scoring.Usage: 50, scoring.Support: 50, scoring.NPS: 7}
	res, err := scoring.Tune(ss, current, scoring.TuneOptions{Step: 50, Folds: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{scoring.Usage: 100, scoring.Support: 0, scoring.NPS: 7}
	if !reflect.DeepEqual(res.Proposed, want) || res.CurrentAUC != 0.875 || res.ProposedAUC != 1 || res.TrainAUC != 1 {
		t.Errorf("proposed %v (AUC %v, train %v), current AUC %v; want %v, 1, 1, 0.875", res.Proposed, res.ProposedAUC, res.TrainAUC, res.CurrentAUC, want)
	}
	if res.Search != "exhaustive" || res.Candidates != 3 || len(res.Folds) != 2 || res.Folds[0].Accounts != 10 || res.Folds[1].Samples != 20 {
		t.Errorf("search %s, %d candidates, folds %+v", res.Search, res.Candidates, res.Folds)
	}
	if !reflect.DeepEqual(res.Components, []string{scoring.Usage, scoring.Support}) || current[scoring.Usage] != 50 {
		t.Errorf("components %v, current changed: %v", res.Components, current)
	}
	// Equal AUCs go to the weights nearest the current ones: with usage
	// alone separating, (100, 0) still wins; and when nothing separates,
	// the current weights stay.
	for i := range ss.Samples {
		ss.Samples[i].Subs[0] = 50
	}
	res, err = scoring.Tune(ss, map[string]float64{scoring.Usage: 30, scoring.Support: 10}, scoring.TuneOptions{Step: 25, Folds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Proposed[scoring.Usage] != 75 || res.Proposed[scoring.Support] != 25 {
		t.Errorf("no signal: proposed %v, want the current 75/25", res.Proposed)
	}
}

// The current weights, recomputed from the sub-scores, give exactly the
// scores Score gave: Tune's current AUC is the backtest's.
func TestTuneRecomputesScore(t *testing.T) {
	cfg := scoring.Default()
	cfg.Weights[scoring.NPS] = 7.5 // a weight off the grid
	m := scoring.ModelOf(cfg)
	ss := scoring.NewSampleSet(&m, 60)
	r := rand.New(rand.NewPCG(5, 6))
	for id := 1; id <= 400; id++ {
		s := scoring.Signals{AccountID: uint(id), AsOf: asOf, Sources: allSources(), ActiveUserDays7: r.IntN(80), MAU: 10,
			ValueFeaturesUsed30: r.IntN(11), ValueFeatures: 10, WindowTickets: 3, PositiveTickets: r.IntN(2), NegativeTickets: r.IntN(3),
			LastTouch: day(-r.IntN(100)), Touches90: r.IntN(5), FailedInvoices: r.IntN(2), NPSPromoters: r.IntN(5), NPSDetractors: r.IntN(5),
			SponsorDeparted: r.IntN(5) == 0}
		s.Sources.Tickets = id%7 != 0 // tickets are connected... mostly: a mixed set of components with data
		ss.Add(&m.Default, s, day(r.IntN(90)))
	}
	for i := range ss.Samples {
		if got, known := ss.ScoreWith(&ss.Samples[i], cfg.Weights); got != ss.Samples[i].Score || known != ss.Samples[i].Known {
			t.Fatalf("sample %d: ScoreWith %d %v, Score gave %d %v", i, got, known, ss.Samples[i].Score, ss.Samples[i].Known)
		}
	}
	rep := scoring.Backtest(ss)
	res, err := scoring.Tune(ss, cfg.Weights, scoring.TuneOptions{Step: 20, Folds: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.CurrentAUC != rep.AUC || !rep.AUC.Defined() {
		t.Errorf("tune's current AUC %v, backtest's %v", res.CurrentAUC, rep.AUC)
	}
	sum := 0.0
	for _, c := range res.Components {
		sum += res.Proposed[c]
	}
	if sum != 100 || len(res.Components) != 9 {
		t.Errorf("proposed %v over %v: sum %v", res.Proposed, res.Components, sum)
	}
}

func TestTuneSynthetic(t *testing.T) {
	ss := synth(1000, 20, 1, false)
	rep := scoring.Backtest(ss)
	res, err := scoring.Tune(ss, synthWeights(), scoring.TuneOptions{Folds: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d samples, %d churned; backtest AUC %v; current held-out %v, proposed held-out %v (train %v), %v, %s over %d candidates",
		rep.Samples, rep.Churned, rep.AUC, res.CurrentAUC, res.ProposedAUC, res.TrainAUC, res.Proposed, res.Search, res.Candidates)
	if res.CurrentAUC != rep.AUC || res.ProposedAUC <= res.CurrentAUC || res.Search != "exhaustive" || res.Candidates != 53130 {
		t.Errorf("current %v (backtest %v), proposed %v, %s %d", res.CurrentAUC, rep.AUC, res.ProposedAUC, res.Search, res.Candidates)
	}
	if res.Proposed["seat_use"] == 0 {
		t.Errorf("seat_use, which the data makes predictive, got no weight: %v", res.Proposed)
	}
	// No leakage: Folds[0] holds the weights tuned on half 1 and judged on
	// half 0, Folds[1] those tuned on half 0 (TrainAUC: judged on half 0
	// too). Had half 0 leaked into the first tuning, its weights would
	// beat half 0's own optimum on half 0; they never do.
	if a, b := res.Folds[0], res.Folds[1]; a.HeldOutAUC > b.TrainAUC || b.HeldOutAUC > a.TrainAUC {
		t.Errorf("held out %v / %v above the other half's own optimum %v / %v", a.HeldOutAUC, b.HeldOutAUC, b.TrainAUC, a.TrainAUC)
	}
	// Hill climbing finds the exhaustive search's optimum here, in fewer evaluations.
	hill, err := scoring.Tune(ss, synthWeights(), scoring.TuneOptions{Folds: 2, MaxExhaustive: 1})
	if err != nil {
		t.Fatal(err)
	}
	if hill.Search != "hill climbing" || math.Abs(float64(hill.TrainAUC-res.TrainAUC)) > 0.002 {
		t.Errorf("hill climbing: train AUC %v, exhaustive %v", hill.TrainAUC, res.TrainAUC)
	}
	t.Logf("hill climbing: %v (train %v) in %d evaluations", hill.Proposed, hill.TrainAUC, hill.Candidates)
}

func TestTuneErrors(t *testing.T) {
	ok := handPortfolio()
	for _, tc := range []struct {
		name string
		ss   *scoring.SampleSet
		opt  scoring.TuneOptions
		want string
	}{
		{"step", ok, scoring.TuneOptions{Step: 7}, "step 7 must divide 100"},
		{"one fold", ok, scoring.TuneOptions{Folds: 1}, "need at least 2"},
		{"more folds than accounts", ok, scoring.TuneOptions{Folds: 9}, "5 accounts cannot fill 9 folds"},
		{"no churn", &scoring.SampleSet{Components: ok.Components, Samples: ok.Samples[4:8]}, scoring.TuneOptions{Folds: 2}, "0 churned and 4 retained"},
		{"no data", &scoring.SampleSet{Components: ok.Components, Samples: ok.Samples[8:]}, scoring.TuneOptions{Folds: 2}, "no component has data"},
	} {
		_, err := scoring.Tune(tc.ss, nil, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestProposalYAML(t *testing.T) {
	src := []byte("# our model\nweights: {usage: 30, seat_use: 10}  # tuned by hand\nusage: {daily_min: 0.5}\n" +
		"components:\n  seat_use: {metric: seats_active, aggregate: latest, days: 30, per: seats, bands: [{min: 0.8, label: full, score: 100}]}\n" +
		"profiles:\n  - {name: smb, match: {segment: [smb]}, weights: {usage: 60}}\n")
	proposed := map[string]float64{scoring.Usage: 45, scoring.Adoption: 20, scoring.Support: 10, scoring.Engagement: 5, scoring.Payment: 10, "seat_use": 10, scoring.NPS: 0}
	out, err := scoring.ProposalYAML(src, proposed, "proposed by healthbot tune\nheld-out AUC 0.74 (current 0.69)")
	if err != nil {
		t.Fatal(err)
	}
	m, err := scoring.ParseModel(out)
	if err != nil {
		t.Fatal(err)
	}
	for c, w := range proposed {
		if m.Default.Config.Weights[c] != w {
			t.Errorf("%s = %v, want %v", c, m.Default.Config.Weights[c], w)
		}
	}
	if m.Default.Config.Usage.DailyMin != 0.5 || len(m.Profiles) != 1 || m.Profiles[0].Config.Weights[scoring.Usage] != 60 ||
		m.Profiles[0].Config.Weights[scoring.Adoption] != 20 {
		t.Errorf("the rest was not kept:\n%s", out)
	}
	for _, s := range []string{"# our model", "# proposed by healthbot tune\n# held-out AUC 0.74 (current 0.69)\nweights:\n  usage: 45\n  adoption: 20\n"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("missing %q in:\n%s", s, out)
		}
	}
	// No file yet: the weights alone.
	out, err = scoring.ProposalYAML(nil, map[string]float64{scoring.Usage: 100}, "")
	if err != nil || string(out) != "weights:\n  usage: 100\n" {
		t.Errorf("got %q, %v", out, err)
	}
	// A proposal that would not load is refused.
	if _, err := scoring.ProposalYAML(nil, map[string]float64{"seat_use": 100}, ""); err == nil || !strings.Contains(err.Error(), "would not load") {
		t.Errorf("got %v", err)
	}
	if _, err := scoring.ProposalYAML([]byte("- a list"), proposed, ""); err == nil {
		t.Error("a list: no error")
	}
}
