package scoring

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
)

// TuneOptions steer the weight search. Zero values take the defaults.
type TuneOptions struct {
	Step          int    // weights are multiples of Step summing to 100 (default 5)
	Folds         int    // k of the k-fold cross-validation by account (default 5)
	Seed          uint64 // reshuffles the folds and the hill climbing's random starts
	MaxExhaustive int    // search every candidate when there are at most this many (default 100,000)
	Restarts      int    // hill climbing: random starts besides the current and the even weights (default 4)
}

// TuneResult is a weight proposal and how well it and the current weights
// predict churn on accounts they were not tuned on.
type TuneResult struct {
	Components []string           // tuned: those with data in some sample, in display order
	Current    map[string]float64 // as given
	Proposed   map[string]float64 // the tuned components' new weights (summing to 100); the others keep theirs

	// Held-out AUCs: every sample is scored by weights tuned without its
	// account (for the current weights, which are not tuned, that is every
	// sample's own score), pooled into one AUC.
	CurrentAUC  Stat
	ProposedAUC Stat
	TrainAUC    Stat // Proposed on every sample it was tuned on: optimistic
	Folds       []FoldResult

	Search     string // "exhaustive" or "hill climbing"
	Candidates int    // weight sets evaluated, over every fold's search and the final one
}

// FoldResult is one fold of the cross-validation.
type FoldResult struct {
	Accounts, Samples int
	Weights           map[string]float64 // tuned on the other folds
	TrainAUC          Stat               // those weights on the other folds
	HeldOutAUC        Stat               // those weights on this fold
	CurrentAUC        Stat               // the current weights on this fold
}

// Tune searches weights (multiples of Step summing to 100, over the
// components with data) for the highest AUC, with k-fold cross-validation
// by account: an account's samples all sit in one fold, so no account is
// both tuned on and judged on. The proposal is the search over every
// sample; the folds say how well such a search does on unseen accounts.
//
// A candidate's score for a sample is computed as Score computes it: the
// weighted mean over the components with data, rounded half away from
// zero, then capped by the sample's overrides. Samples are grouped by
// identical sub-scores and cap first (banded sub-scores repeat a lot), so
// a candidate costs O(groups · components), not O(samples · components).
// Equal AUCs go to the candidate nearest the current weights. Every
// sample is rescored from its sub-scores, whatever profile scored it: to
// tune a profile's weights, pass the samples of its accounts alone.
func Tune(ss *SampleSet, current map[string]float64, opt TuneOptions) (TuneResult, error) {
	opt = opt.withDefaults()
	if opt.Step < 1 || opt.Step > 100 || 100%opt.Step != 0 {
		return TuneResult{}, fmt.Errorf("tune: step %d must divide 100", opt.Step)
	}
	if opt.Folds < 2 {
		return TuneResult{}, fmt.Errorf("tune: %d folds: need at least 2", opt.Folds)
	}
	td, err := newTuneData(ss, opt)
	if err != nil {
		return TuneResult{}, err
	}
	res := TuneResult{Components: td.names, Current: maps.Clone(current)}
	cur := make([]float64, td.k)
	for i, n := range td.names {
		cur[i] = current[n]
	}
	td.target = normalise(cur, 100)

	// Searches: one per fold (on the other folds) and the final one (all).
	F := opt.Folds
	best := make([][]int, F+1)
	trainU := make([]Stat, F+1)
	if td.count(100/opt.Step) <= opt.MaxExhaustive {
		res.Search = "exhaustive"
		best, trainU, res.Candidates = td.exhaustive(100 / opt.Step)
	} else {
		res.Search = "hill climbing"
		counts := make([]int, F+1)
		parallel(F+1, func(f int) { best[f], trainU[f], counts[f] = td.climb(f, opt) })
		for _, n := range counts {
			res.Candidates += n
		}
	}
	for i := range best {
		for j := range best[i] {
			best[i][j] *= opt.Step
		}
	}

	// Held out: fold f's samples under the weights tuned without it.
	var pooledCur, pooledProp Histogram
	scores := make([]int16, td.u)
	res.Folds = make([]FoldResult, F)
	for f := range F {
		fr := &res.Folds[f]
		fr.Accounts, fr.Samples = td.foldAccounts[f], td.foldSamples[f]
		fr.Weights = td.named(best[f])
		fr.TrainAUC = trainU[f]
		td.scoreInts(best[f], scores)
		h := td.hist(scores, f)
		fr.HeldOutAUC = h.AUC()
		addHist(&pooledProp, &h)
		td.scoreFloats(cur, scores)
		h = td.hist(scores, f)
		fr.CurrentAUC = h.AUC()
		addHist(&pooledCur, &h)
	}
	res.CurrentAUC, res.ProposedAUC, res.TrainAUC = pooledCur.AUC(), pooledProp.AUC(), trainU[F]
	res.Proposed = maps.Clone(current)
	if res.Proposed == nil {
		res.Proposed = map[string]float64{}
	}
	maps.Insert(res.Proposed, maps.All(td.named(best[F])))
	return res, nil
}

func (o TuneOptions) withDefaults() TuneOptions {
	if o.Step == 0 {
		o.Step = 5
	}
	if o.Folds == 0 {
		o.Folds = 5
	}
	if o.MaxExhaustive == 0 {
		o.MaxExhaustive = 100_000
	}
	if o.Restarts == 0 {
		o.Restarts = 4
	}
	return o
}

// tuneData is a sample set grouped for the search: u groups of identical
// sub-scores (of the k tuned components) and cap, each with its count of
// retained and churned samples per fold.
type tuneData struct {
	names        []string
	k, u, folds  int
	subs         []int8  // u × k
	caps         []int8  // u
	cnt          []int32 // u × folds × 2: retained, churned
	foldAccounts []int
	foldSamples  []int
	target       []float64 // the current weights scaled to 100: ties go to the nearest
}

func newTuneData(ss *SampleSet, opt TuneOptions) (*tuneData, error) {
	td := &tuneData{folds: opt.Folds}
	var cols []int
	for j, name := range ss.Components {
		if slices.ContainsFunc(ss.Samples, func(s Sample) bool { return s.Subs[j] != NoSub }) {
			cols = append(cols, j)
			td.names = append(td.names, name)
		}
	}
	td.k = len(cols)
	if td.k == 0 {
		return nil, errors.New("tune: no component has data in any sample")
	}
	fold := assignFolds(ss.Samples, opt.Folds, opt.Seed)
	if len(fold) < opt.Folds {
		return nil, fmt.Errorf("tune: %d accounts cannot fill %d folds", len(fold), opt.Folds)
	}
	td.foldAccounts = make([]int, opt.Folds)
	for _, f := range fold {
		td.foldAccounts[f]++
	}
	td.foldSamples = make([]int, opt.Folds)
	groups := map[string]int{}
	key := make([]byte, td.k+1)
	var churned, retained int
	for i := range ss.Samples {
		smp := &ss.Samples[i]
		for c, j := range cols {
			key[c] = byte(smp.Subs[j])
		}
		key[td.k] = byte(smp.Cap)
		g, ok := groups[string(key)]
		if !ok {
			g = td.u
			groups[string(key)] = g
			td.u++
			for _, j := range cols {
				td.subs = append(td.subs, smp.Subs[j])
			}
			td.caps = append(td.caps, smp.Cap)
			td.cnt = append(td.cnt, make([]int32, 2*opt.Folds)...)
		}
		f := fold[smp.AccountID]
		td.foldSamples[f]++
		l := 0
		if smp.Churned {
			l = 1
			churned++
		} else {
			retained++
		}
		td.cnt[(g*opt.Folds+f)*2+l]++
	}
	if churned == 0 || retained == 0 {
		return nil, fmt.Errorf("tune: %d churned and %d retained samples: need both", churned, retained)
	}
	return td, nil
}

// assignFolds deals the accounts, in an order shuffled by a hash of the
// seed and the account id, round-robin into folds: deterministic, balanced,
// and every sample of an account in one fold.
func assignFolds(samples []Sample, folds int, seed uint64) map[uint]int {
	seen := map[uint]bool{}
	var ids []uint
	for i := range samples {
		if id := samples[i].AccountID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	key := func(id uint) uint64 {
		h := fnv.New64a()
		h.Write(strconv.AppendUint(strconv.AppendUint(nil, seed, 10), uint64(id), 10))
		return h.Sum64()
	}
	slices.SortFunc(ids, func(a, b uint) int {
		ka, kb := key(a), key(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return int(a) - int(b)
	})
	out := make(map[uint]int, len(ids))
	for i, id := range ids {
		out[id] = i % folds
	}
	return out
}

// scoreInts computes every group's score under integer weights (-1 when
// none of its components with data is weighted). Weights and sub-scores
// are integers, so Σw·s/Σw rounds exactly as Score's float division does.
func (td *tuneData) scoreInts(w []int, out []int16) {
	k := td.k
	for g := range td.u {
		var num, den int
		for c, s := range td.subs[g*k : g*k+k] {
			if s != NoSub {
				num += w[c] * int(s)
				den += w[c]
			}
		}
		if den == 0 {
			out[g] = -1
			continue
		}
		sc := (2*num + den) / (2 * den) // round half away from zero, num >= 0
		if cp := td.caps[g]; cp != NoCap {
			sc = min(sc, int(cp))
		}
		out[g] = int16(sc)
	}
}

// scoreFloats is scoreInts for any weights, summing in display order as
// Score does, so it gives Score's figure for the current weights.
func (td *tuneData) scoreFloats(w []float64, out []int16) {
	k := td.k
	for g := range td.u {
		var num, den float64
		for c, s := range td.subs[g*k : g*k+k] {
			if s != NoSub && w[c] > 0 {
				num += w[c] * float64(s)
				den += w[c]
			}
		}
		if den == 0 {
			out[g] = -1
			continue
		}
		sc := int(math.Round(num / den))
		if cp := td.caps[g]; cp != NoCap {
			sc = min(sc, int(cp))
		}
		out[g] = int16(sc)
	}
}

// hist counts the samples of fold f (every fold when f is td.folds).
func (td *tuneData) hist(scores []int16, f int) Histogram {
	var h Histogram
	for g, sc := range scores {
		if sc < 0 {
			continue
		}
		for ff := range td.folds {
			if f == td.folds || ff == f {
				i := (g*td.folds + ff) * 2
				h.Retained[sc] += int(td.cnt[i])
				h.Churned[sc] += int(td.cnt[i+1])
			}
		}
	}
	return h
}

func addHist(dst, src *Histogram) {
	for s := range 101 {
		dst.Churned[s] += src.Churned[s]
		dst.Retained[s] += src.Retained[s]
	}
}

// named maps weights to the tuned components' names.
func (td *tuneData) named(w []int) map[string]float64 {
	out := make(map[string]float64, td.k)
	for i, n := range td.names {
		out[n] = float64(w[i])
	}
	return out
}

// normalise scales ws to sum to total (all zero stays zero).
func normalise(ws []float64, total float64) []float64 {
	s := 0.0
	for _, w := range ws {
		s += max(w, 0)
	}
	out := make([]float64, len(ws))
	if s > 0 {
		for i, w := range ws {
			out[i] = max(w, 0) * total / s
		}
	}
	return out
}

// distance is the L1 distance from units (of 100/n each) to the target.
func (td *tuneData) distance(units []int, n int) float64 {
	d := 0.0
	for i, u := range units {
		d += math.Abs(float64(u*100)/float64(n) - td.target[i])
	}
	return d
}

// count is the number of ways to share n units among k components:
// C(n+k-1, k-1), saturating at MaxInt.
func (td *tuneData) count(n int) int {
	c := 1.0
	for i := 1; i < td.k; i++ {
		c = c * float64(n+i) / float64(i)
	}
	if c > math.MaxInt32 {
		return math.MaxInt
	}
	return int(math.Round(c))
}

// candidate is a search's best so far: exact twice-U and the distance.
type candidate struct {
	units []int
	u2    int64
	pairs int64
	dist  float64
}

// better orders candidates: higher AUC, then nearer the current weights.
// Within one search every candidate has the same pairs, so U compares.
func (c candidate) better(o candidate) bool {
	if o.units == nil {
		return true
	}
	if c.u2 != o.u2 {
		return c.u2 > o.u2
	}
	return c.dist < o.dist
}

func (c candidate) auc() Stat {
	if c.pairs == 0 {
		return Undefined
	}
	return Stat(float64(c.u2) / float64(2*c.pairs))
}
