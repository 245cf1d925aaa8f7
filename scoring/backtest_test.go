// A portfolio small enough to backtest by hand (horizon 60 days, two
// evaluation days 0 and 7):
//
//	account  churns  day 0                 day 7
//	1        day 30  35 Critical  churned  45 At-risk  churned
//	2        day 10  70 Stable    churned  55 At-risk  churned
//	3        never   70 Stable             85 Healthy
//	4        day 200 45 At-risk            35 Critical   (churn beyond the horizon)
//	5        never   no data (left out)
//
// Churned scores {35, 45, 70, 55}, retained {70, 85, 45, 35}; for each
// churned sample the retained ones above it, ties one half:
//
//	35: 70, 85, 45 + ½(35) = 3.5   45: 70, 85 + ½(45) = 2.5
//	70: 85 + ½(70)         = 1.5   55: 70, 85         = 2
//
// AUC = 9.5 / 16 = 0.59375. Churn rate: Healthy 0/1, Stable 1/2, At-risk
// 2/3, Critical 1/2. Warned (At-risk or Critical) 5, of which churned 3:
// precision 3/5, recall 3/4. Lead time: account 1 warned on day 0, 30 days
// before its churn; account 2 on day 7, 3 days before: median 16.5.
//
// usage alone: churned {33, 33, 0, 33}, retained {67, 100, 33, 67}:
// (3 × 3.5 + 4) / 16 = 0.90625. seat_use (no seats on account 4):
// churned {20, 20, 60, 60}, retained {100, 100}: 1.
package scoring_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

func handPortfolio() *scoring.SampleSet {
	d0, d7 := asOf, asOf.AddDate(0, 0, 7)
	churn := func(n int) time.Time { return asOf.AddDate(0, 0, n) }
	smp := func(id uint, day time.Time, score int, usage, seat int8, churned bool, churnDay time.Time) scoring.Sample {
		return scoring.Sample{AccountID: id, Day: day, Known: true, Score: score, Status: scoring.StatusOf(score),
			Cap: scoring.NoCap, Subs: []int8{usage, scoring.NoSub, seat}, Churned: churned, ChurnDay: churnDay}
	}
	no := scoring.NoSub
	return &scoring.SampleSet{Horizon: 60, Components: []string{scoring.Usage, scoring.Adoption, "seat_use"}, Samples: []scoring.Sample{
		smp(1, d0, 35, 33, 20, true, churn(30)), smp(1, d7, 45, 33, 20, true, churn(30)),
		smp(2, d0, 70, 0, 60, true, churn(10)), smp(2, d7, 55, 33, 60, true, churn(10)),
		smp(3, d0, 70, 67, 100, false, time.Time{}), smp(3, d7, 85, 100, 100, false, time.Time{}),
		smp(4, d0, 45, 33, no, false, churn(200)), smp(4, d7, 35, 67, no, false, churn(200)),
		{AccountID: 5, Day: d0, Status: scoring.NoData, Cap: scoring.NoCap, Subs: []int8{no, no, no}},
	}}
}

func TestBacktestByHand(t *testing.T) {
	rep := scoring.Backtest(handPortfolio())
	if rep.Samples != 8 || rep.Churned != 4 || rep.Unknown != 1 || !near(float64(rep.AUC), 0.59375) {
		t.Errorf("samples %d churned %d unknown %d auc %v, want 8 4 1 0.59375", rep.Samples, rep.Churned, rep.Unknown, rep.AUC)
	}
	want := []struct {
		n, churned int
		rate       float64
	}{{1, 0, 0}, {2, 1, 0.5}, {3, 2, 2.0 / 3}, {2, 1, 0.5}}
	for i, w := range want {
		got := rep.Statuses[i]
		if got.Samples != w.n || got.Churned != w.churned || !near(float64(got.ChurnRate), w.rate) {
			t.Errorf("%s: %+v, want %+v", got.Status, got, w)
		}
	}
	if !near(float64(rep.Precision), 0.6) || !near(float64(rep.Recall), 0.75) || !near(float64(rep.LeadTimeDays), 16.5) ||
		rep.ChurnedAccounts != 2 || rep.WarnedAccounts != 2 {
		t.Errorf("precision %v recall %v lead %v (%d of %d)", rep.Precision, rep.Recall, rep.LeadTimeDays, rep.WarnedAccounts, rep.ChurnedAccounts)
	}
	if len(rep.Components) != 2 || rep.Components[0].Name != scoring.Usage || !near(float64(rep.Components[0].AUC), 0.90625) ||
		rep.Components[1].Name != "seat_use" || rep.Components[1].AUC != 1 || rep.Components[1].Samples != 6 {
		t.Errorf("components %+v", rep.Components)
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"horizon_days":60,"samples":8,"churned":4,"auc":0.59375,"statuses":[` +
		`{"status":"Healthy","samples":1,"churned":0,"churn_rate":0},{"status":"Stable","samples":2,"churned":1,"churn_rate":0.5},` +
		`{"status":"At-risk","samples":3,"churned":2,"churn_rate":0.6666666666666666},{"status":"Critical","samples":2,"churned":1,"churn_rate":0.5}],` +
		`"components":[{"name":"usage","auc":0.90625},{"name":"seat_use","auc":1}],"precision":0.6,"recall":0.75,"lead_time_days":16.5}`
	if string(js) != wantJSON {
		t.Errorf("json:\n got %s\nwant %s", js, wantJSON)
	}
	roc := rep.Histogram.ROC()
	if roc[0] != (scoring.ROCPoint{Threshold: -1}) || roc[36] != (scoring.ROCPoint{Threshold: 35, TruePositive: 0.25, FalsePositive: 0.25}) ||
		roc[101].TruePositive != 1 || roc[101].FalsePositive != 1 {
		t.Errorf("roc: %+v %+v %+v", roc[0], roc[36], roc[101])
	}
}

// Without a churned sample nothing but the counts is defined, and JSON
// says null rather than failing on NaN.
func TestBacktestUndefined(t *testing.T) {
	ss := handPortfolio()
	ss.Samples = ss.Samples[4:6]
	rep := scoring.Backtest(ss)
	if rep.AUC.Defined() || rep.Recall.Defined() || rep.LeadTimeDays.Defined() || rep.Precision.Defined() || rep.AUC.String() != "n/a" {
		t.Errorf("got %+v", rep)
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"horizon_days":60,"samples":2,"churned":0,"auc":null,"statuses":[{"status":"Healthy","samples":1,"churned":0,"churn_rate":0},` +
		`{"status":"Stable","samples":1,"churned":0,"churn_rate":0},{"status":"At-risk","samples":0,"churned":0,"churn_rate":null},` +
		`{"status":"Critical","samples":0,"churned":0,"churn_rate":null}],"components":[{"name":"usage","auc":null},{"name":"seat_use","auc":null}],` +
		`"precision":null,"recall":null,"lead_time_days":null}`
	if string(js) != want {
		t.Errorf("json:\n got %s\nwant %s", js, want)
	}
}

func TestAUC(t *testing.T) {
	// churned 0.5: above it 0.9, tied 0.5 -> 1.5; churned 0.2: 0.5 and 0.9 -> 2. 3.5 / 4.
	if got := scoring.AUC([]float64{0.5, 0.5, 0.2, 0.9}, []bool{true, false, true, false}); got != 0.875 {
		t.Errorf("AUC = %v, want 0.875", got)
	}
	if got := scoring.AUC([]float64{1, 2}, []bool{true, true}); got.Defined() {
		t.Errorf("no retained: %v, want undefined", got)
	}
	// The histogram and the sort agree on integer scores.
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + r.IntN(300)
		scores, labels := make([]float64, n), make([]bool, n)
		var h scoring.Histogram
		for i := range n {
			s := r.IntN(101)
			if r.IntN(3) == 0 {
				s = 33 * r.IntN(4) // many ties
			}
			scores[i], labels[i] = float64(s), r.IntN(4) == 0
			h.Add(s, labels[i])
		}
		a, b := scoring.AUC(scores, labels), h.AUC()
		if a.Defined() != b.Defined() || (a.Defined() && math.Abs(float64(a-b)) > 1e-12) {
			t.Fatalf("sort %v, histogram %v", a, b)
		}
	}
}

func TestSampleSetAdd(t *testing.T) {
	m := scoring.ModelOf(scoring.Default())
	ss := scoring.NewSampleSet(&m, 60)
	if len(ss.Components) != len(scoring.Components) {
		t.Fatalf("components %v", ss.Components)
	}
	s := exampleSignals()
	s.SponsorDeparted = true
	s.NPSPromoters, s.NPSPassives, s.NPSDetractors = 60, 30, 10 // nps weighs 0 but has data: 75
	for _, tc := range []struct {
		churn   *time.Time
		churned bool
	}{{nil, false}, {day(0), false}, {day(1), true}, {day(60), true}, {day(61), false}} {
		smp := ss.Add(&m.Default, s, tc.churn)
		if smp.Churned != tc.churned || smp.Score != 59 || smp.Status != scoring.AtRisk || smp.Cap != 59 || !smp.Known || smp.Profile != "default" {
			t.Errorf("churn %v: %+v, want churned=%v, 59 At-risk capped", tc.churn, smp, tc.churned)
		}
		// usage 67, adoption 80, support 75, engagement 100, payment 30,
		// exec_sponsor 0, nps 75, csat 50 (no responses), pulse 50 (none).
		want := []int8{67, 80, 75, 100, 30, 0, 75, 50, 50}
		for i, w := range want {
			if smp.Subs[i] != w {
				t.Errorf("%s = %d, want %d", ss.Components[i], smp.Subs[i], w)
			}
		}
	}
	if len(ss.Samples) != 5 {
		t.Errorf("%d samples, want 5", len(ss.Samples))
	}
	// Custom components join after the built-ins; an unconnected one is NoSub.
	pm := loadProfiles(t)
	ss = scoring.NewSampleSet(&pm, 60)
	smp := ss.Add(pm.For("smb", ""), exampleSignals(), nil)
	if ss.Components[9] != "seat_use" || smp.Subs[9] != scoring.NoSub || smp.Profile != "smb" {
		t.Errorf("components %v subs %v profile %s", ss.Components, smp.Subs, smp.Profile)
	}
}
