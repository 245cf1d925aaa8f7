package scoring

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
)

// NoSub marks, in Sample.Subs, a component without data for that sample.
const NoSub int8 = -1

// NoCap marks a Sample that no override capped.
const NoCap int8 = -1

// SampleSet is what a backtest and the tuner read: every (account,
// evaluation day) sample with its point-in-time score and its label.
type SampleSet struct {
	Horizon    int      // a sample is labelled churned when its account churned in the Horizon days after its day
	Components []string // the order of every sample's Subs: the built-ins, then the custom components by name
	Samples    []Sample
}

// Sample is one account on one evaluation day. Subs hold every
// component's sub-score, weighted or not, so the tuner can recompute the
// score under other weights; sub-scores fit an int8 (0..100), which keeps
// half a million samples small.
type Sample struct {
	AccountID uint
	Day       time.Time
	Profile   string
	Known     bool // false when no weighted component had data: left out of every figure
	Score     int
	Status    Status
	Cap       int8   // the lowest cap of the overrides that held, NoCap without
	Subs      []int8 // by SampleSet.Components; NoSub without data
	Churned   bool   // the label: the account churned in Day+1 .. Day+Horizon
	ChurnDay  time.Time
}

// NewSampleSet is an empty set for the model's components.
func NewSampleSet(m *Model, horizon int) *SampleSet {
	ss := &SampleSet{Horizon: horizon, Components: slices.Clone(Components)}
	for _, c := range m.CustomInputs() {
		ss.Components = append(ss.Components, c.Name)
	}
	return ss
}

// Add scores an account as of s.AsOf under its effective model and appends
// the sample. churnDay is the account's churned date, nil when it has not
// churned; the label is whether it falls in AsOf+1 .. AsOf+Horizon.
func (ss *SampleSet) Add(eff *Effective, s Signals, churnDay *time.Time) Sample {
	r := eff.Score(s)
	smp := Sample{AccountID: s.AccountID, Day: s.AsOf, Profile: eff.Profile, Known: r.Known, Score: r.Score,
		Status: r.Status, Cap: NoCap, Subs: make([]int8, len(ss.Components))}
	if c, ok := lowestCap(r.Overrides); ok {
		smp.Cap = int8(c)
	}
	if churnDay != nil {
		smp.ChurnDay = *churnDay
		d := daysBetween(s.AsOf, *churnDay)
		smp.Churned = d >= 1 && d <= ss.Horizon
	}
	cfg := eff.Config
	for i, name := range ss.Components {
		smp.Subs[i] = NoSub
		if j := slices.IndexFunc(r.Parts, func(p Part) bool { return p.Component == name }); j >= 0 {
			if r.Parts[j].HasData {
				smp.Subs[i] = int8(r.Parts[j].Sub)
			}
			continue
		}
		if sub, ok := unweightedSub(name, &cfg, &s); ok {
			smp.Subs[i] = int8(sub)
		}
	}
	ss.Samples = append(ss.Samples, smp)
	return smp
}

// ScoreWith recomputes a sample's score under other weights (by
// component name) from its sub-scores and cap, exactly as Score would
// have computed it; known is false when none of its components with data
// is weighted. E.g. how many accounts would change status today under a
// proposal: ScoreWith on today's samples, then StatusFor.
func (ss *SampleSet) ScoreWith(smp *Sample, weights map[string]float64) (score int, known bool) {
	var num, den float64
	for i, name := range ss.Components {
		if w := weights[name]; smp.Subs[i] != NoSub && w > 0 {
			num += w * float64(smp.Subs[i])
			den += w
		}
	}
	if den == 0 {
		return 0, false
	}
	score = int(math.Round(num / den))
	if smp.Cap != NoCap {
		score = min(score, int(smp.Cap))
	}
	return score, true
}

// unweightedSub is the sub-score a component of weight 0 would have.
func unweightedSub(name string, cfg *Config, s *Signals) (int, bool) {
	if slices.Contains(Components, name) {
		if !componentHasData(name, s.Sources) {
			return 0, false
		}
		sub, _, _ := componentScore(name, cfg, s)
		return sub, true
	}
	def, ok := cfg.Components[name]
	if !ok {
		return 0, false
	}
	if connected, perOK := customHasData(&def, s); !connected || !perOK {
		return 0, false
	}
	sub, _, _ := customScore(&def, s.Metrics[name], s)
	return sub, true
}

// Stat is a figure that may be undefined (NaN): an AUC without a churned
// or a retained sample, a rate of nothing. JSON writes it as null.
type Stat float64

// Undefined is the Stat of a figure that cannot be computed.
var Undefined = Stat(math.NaN())

// Defined reports whether the figure could be computed.
func (s Stat) Defined() bool { return !math.IsNaN(float64(s)) }

// MarshalJSON writes the figure, or null when undefined.
func (s Stat) MarshalJSON() ([]byte, error) {
	if !s.Defined() || math.IsInf(float64(s), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(s))
}

func ratio(num, den int) Stat {
	if den == 0 {
		return Undefined
	}
	return Stat(float64(num) / float64(den))
}

// Histogram counts churned and retained samples per integer score 0..100.
type Histogram struct {
	Churned, Retained [101]int
}

// Add counts one sample; a score outside 0..100 is clamped.
func (h *Histogram) Add(score int, churned bool) {
	h.add(score, churned, 1)
}

func (h *Histogram) add(score int, churned bool, n int) {
	score = min(max(score, 0), 100)
	if churned {
		h.Churned[score] += n
	} else {
		h.Retained[score] += n
	}
}

// AUC is the probability that a churned sample scores lower than a
// retained one, ties counting one half (the Mann-Whitney statistic over
// the number of pairs). It is undefined without both kinds of sample.
func (h *Histogram) AUC() Stat {
	u2, pairs := h.u2()
	if pairs == 0 {
		return Undefined
	}
	return Stat(float64(u2) / float64(2*pairs))
}

// u2 is twice the Mann-Whitney U (an integer, so candidates compare
// exactly) and the number of churned × retained pairs.
func (h *Histogram) u2() (u2, pairs int64) {
	var above, nc, nr int64 // retained samples scoring above s
	for s := 100; s >= 0; s-- {
		c, r := int64(h.Churned[s]), int64(h.Retained[s])
		u2 += c * (2*above + r)
		above += r
		nc += c
		nr += r
	}
	return u2, nc * nr
}

// ROCPoint is one threshold of the warning "score <= Threshold": the share
// of churned samples it catches and of retained samples it flags.
type ROCPoint struct {
	Threshold     int
	TruePositive  float64 // recall
	FalsePositive float64
}

// ROC is the curve from flagging nothing (threshold -1) to everything (100).
func (h *Histogram) ROC() []ROCPoint {
	var nc, nr int
	for s := range 101 {
		nc += h.Churned[s]
		nr += h.Retained[s]
	}
	out := []ROCPoint{{Threshold: -1}}
	var c, r int
	for s := range 101 {
		c += h.Churned[s]
		r += h.Retained[s]
		out = append(out, ROCPoint{Threshold: s, TruePositive: float64(ratio(c, nc)), FalsePositive: float64(ratio(r, nr))})
	}
	return out
}

// AUC is the Mann-Whitney AUC of any scores (lower should mean churn):
// the probability that a churned sample scores lower than a retained one,
// ties counting one half. O(n log n); Histogram.AUC is the O(n) form for
// integer scores 0..100.
func AUC(scores []float64, churned []bool) Stat {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	var u2, above, nc, nr int64
	for i := 0; i < len(idx); {
		j := i
		var c, r int64
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if churned[idx[j]] {
				c++
			} else {
				r++
			}
		}
		u2 += c * (2*above + r)
		above += r
		nc += c
		nr += r
		i = j
	}
	if nc*nr == 0 {
		return Undefined
	}
	return Stat(float64(u2) / float64(2*nc*nr))
}

// BacktestReport is a backtest: how well the score told which accounts would churn.
// The JSON names are those of `healthbot backtest --json`.
type BacktestReport struct {
	HorizonDays  int            `json:"horizon_days"`
	Samples      int            `json:"samples"` // samples with a known score
	Churned      int            `json:"churned"` // of those, labelled churned
	AUC          Stat           `json:"auc"`
	Statuses     []StatusRate   `json:"statuses"` // Healthy, Stable, At-risk, Critical
	Components   []ComponentAUC `json:"components"`
	Precision    Stat           `json:"precision"`      // of At-risk-or-Critical samples, the share that churned
	Recall       Stat           `json:"recall"`         // of churned samples, the share At-risk or Critical
	LeadTimeDays Stat           `json:"lead_time_days"` // median, over warned churned accounts

	Unknown         int       `json:"-"` // samples left out: no weighted component had data
	ChurnedAccounts int       `json:"-"` // accounts with a churned-labelled sample
	WarnedAccounts  int       `json:"-"` // of those, warned before churning (the lead time's accounts)
	Histogram       Histogram `json:"-"` // the score's, for the ROC curve
}

// StatusRate is the churn rate of the samples of one status.
type StatusRate struct {
	Status    Status `json:"status"`
	Samples   int    `json:"samples"`
	Churned   int    `json:"churned"`
	ChurnRate Stat   `json:"churn_rate"`
}

// ComponentAUC is a component's own AUC: its sub-score alone as the score,
// over the samples where it has data.
type ComponentAUC struct {
	Name    string `json:"name"`
	AUC     Stat   `json:"auc"`
	Samples int    `json:"-"`
}

// IsWarning reports whether a status is the churn warning: At-risk or Critical.
func IsWarning(st Status) bool { return st == AtRisk || st == Critical }

// Backtest computes the report of a sample set. The warning lead time of
// a churned account is the days from its first At-risk or Critical sample
// among those labelled churned (the evaluation days in the horizon before
// its churn) to its churn date; a warning before the horizon belongs to an
// earlier story, not to this churn. Its median is over the accounts warned
// in that window.
func Backtest(ss *SampleSet) BacktestReport {
	rep := BacktestReport{HorizonDays: ss.Horizon}
	statuses := []Status{Healthy, Stable, AtRisk, Critical}
	rates := make([]StatusRate, len(statuses))
	for i, st := range statuses {
		rates[i].Status = st
	}
	comps := make([]Histogram, len(ss.Components))
	has := make([]int, len(ss.Components))
	var warned, caught int
	firstWarn := map[uint]time.Time{} // churned account -> earliest warned churned-labelled sample
	churnDay := map[uint]time.Time{}
	for i := range ss.Samples {
		smp := &ss.Samples[i]
		for j, sub := range smp.Subs {
			if sub != NoSub {
				comps[j].Add(int(sub), smp.Churned)
				has[j]++
			}
		}
		if !smp.Known {
			rep.Unknown++
			continue
		}
		rep.Samples++
		rep.Histogram.Add(smp.Score, smp.Churned)
		if k := slices.Index(statuses, smp.Status); k >= 0 {
			rates[k].Samples++
			if smp.Churned {
				rates[k].Churned++
			}
		}
		w := IsWarning(smp.Status)
		if w {
			warned++
		}
		if !smp.Churned {
			continue
		}
		rep.Churned++
		churnDay[smp.AccountID] = smp.ChurnDay
		if w {
			caught++
			if f, ok := firstWarn[smp.AccountID]; !ok || smp.Day.Before(f) {
				firstWarn[smp.AccountID] = smp.Day
			}
		}
	}
	rep.AUC = rep.Histogram.AUC()
	for i := range rates {
		rates[i].ChurnRate = ratio(rates[i].Churned, rates[i].Samples)
	}
	rep.Statuses = rates
	rep.Precision = ratio(caught, warned)
	rep.Recall = ratio(caught, rep.Churned)
	rep.Components = []ComponentAUC{}
	for j, name := range ss.Components {
		if has[j] > 0 {
			rep.Components = append(rep.Components, ComponentAUC{Name: name, AUC: comps[j].AUC(), Samples: has[j]})
		}
	}
	rep.ChurnedAccounts, rep.WarnedAccounts = len(churnDay), len(firstWarn)
	var leads []int
	for id, first := range firstWarn {
		leads = append(leads, daysBetween(first, churnDay[id]))
	}
	rep.LeadTimeDays = Undefined
	if len(leads) > 0 {
		rep.LeadTimeDays = Stat(median(leads))
	}
	return rep
}

// String formats a figure with two decimals, or "n/a" when undefined.
func (s Stat) String() string {
	if !s.Defined() {
		return "n/a"
	}
	return strconv.FormatFloat(float64(s), 'f', 2, 64)
}
