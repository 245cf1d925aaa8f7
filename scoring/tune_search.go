package scoring

import (
	"math/rand/v2"
	"runtime"
	"sync"
)

// The searches work in units of Step (n = 100/Step units to share): a
// score depends only on the ratios of the weights, so units score exactly
// as the weights they stand for.

// exhaustive scores every way to share n units and keeps, for each fold,
// the best on the other folds, and the best on every sample (index folds).
// Each candidate is scored once: the folds' histograms are built together
// and each training set is the total minus its fold. The candidates are
// split by the first component's units into jobs run in parallel; their
// bests are merged in the order a single pass would have met them, so
// ties resolve as they would sequentially.
func (td *tuneData) exhaustive(n int) (best [][]int, train []Stat, evaluated int) {
	F := td.folds
	jobs := make([][]candidate, n+1) // by the first component's units, n first
	counts := make([]int, n+1)
	parallel(n+1, func(job int) {
		jobs[job], counts[job] = td.exhaustiveFrom(n, n-job)
	})
	bests := make([]candidate, F+1)
	for job, jb := range jobs {
		evaluated += counts[job]
		for o, c := range jb {
			if c.units != nil && c.better(bests[o]) {
				bests[o] = c
			}
		}
	}
	best = make([][]int, F+1)
	train = make([]Stat, F+1)
	for o, c := range bests {
		best[o], train[o] = c.units, c.auc()
	}
	return best, train, evaluated
}

// exhaustiveFrom is exhaustive over the candidates whose first component
// has first units.
func (td *tuneData) exhaustiveFrom(n, first int) (bests []candidate, evaluated int) {
	F := td.folds
	bests = make([]candidate, F+1)
	scores := make([]int16, td.u)
	perFold := make([]Histogram, F)
	units := make([]int, td.k)
	units[0] = first
	var visit func(pos, left int)
	visit = func(pos, left int) {
		if pos < td.k-1 {
			for v := left; v >= 0; v-- {
				units[pos] = v
				visit(pos+1, left-v)
			}
			return
		}
		units[pos] = left
		evaluated++
		td.scoreInts(units, scores)
		clear(perFold)
		for g, sc := range scores {
			if sc < 0 {
				continue
			}
			row := td.cnt[g*F*2 : (g+1)*F*2]
			for f := range F {
				perFold[f].Retained[sc] += int(row[2*f])
				perFold[f].Churned[sc] += int(row[2*f+1])
			}
		}
		var total Histogram
		for f := range F {
			addHist(&total, &perFold[f])
		}
		dist := -1.0
		for o := 0; o <= F; o++ {
			h := total
			if o < F {
				subHist(&h, &perFold[o])
			}
			u2, pairs := h.u2()
			if bests[o].units != nil && u2 < bests[o].u2 {
				continue // cheaper than computing the distance
			}
			if dist < 0 {
				dist = td.distance(units, n)
			}
			if c := (candidate{units: units, u2: u2, pairs: pairs, dist: dist}); c.better(bests[o]) {
				c.units = append([]int(nil), units...)
				bests[o] = c
			}
		}
	}
	if td.k == 1 {
		if first == n {
			visit(0, n)
		}
		return bests, evaluated
	}
	visit(1, n-first)
	return bests, evaluated
}

// parallel runs fn(0) .. fn(n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func subHist(dst, src *Histogram) {
	for s := range 101 {
		dst.Churned[s] -= src.Churned[s]
		dst.Retained[s] -= src.Retained[s]
	}
}

// climb is a steepest-ascent hill climbing on the training set of fold f
// (every sample when f is td.folds): from each start it moves one unit
// from one component to another while that improves the AUC (or keeps it
// and comes nearer the current weights). Starts: the current weights, even
// weights, and opt.Restarts random ones seeded by opt.Seed and f. A
// neighbour is scored from the current point's per-group sums, moving one
// unit, so it costs O(groups), not O(groups · components).
func (td *tuneData) climb(f int, opt TuneOptions) (best []int, train Stat, evaluated int) {
	n := 100 / opt.Step
	F, k := td.folds, td.k
	// The training counts of each group, summed once for this search.
	tr := make([]int32, 2*td.u)
	for g := range td.u {
		for ff := range F {
			if ff != f {
				tr[2*g] += td.cnt[(g*F+ff)*2]
				tr[2*g+1] += td.cnt[(g*F+ff)*2+1]
			}
		}
	}
	num, den := make([]int32, td.u), make([]int32, td.u)
	seen := map[string]candidate{}
	// eval scores units, which differ from the point of num and den by
	// one unit moved from component from to component to (from < 0: none).
	eval := func(units []int, from, to int) candidate {
		key := string(unitsKey(units))
		if c, ok := seen[key]; ok {
			return c
		}
		evaluated++
		var h Histogram
		for g := range td.u {
			nm, dn := num[g], den[g]
			if from >= 0 {
				if s := td.subs[g*k+from]; s != NoSub {
					nm -= int32(s)
					dn--
				}
				if s := td.subs[g*k+to]; s != NoSub {
					nm += int32(s)
					dn++
				}
			}
			if dn == 0 {
				continue
			}
			sc := (2*nm + dn) / (2 * dn)
			if cp := td.caps[g]; cp != NoCap && int32(cp) < sc {
				sc = int32(cp)
			}
			h.Retained[sc] += int(tr[2*g])
			h.Churned[sc] += int(tr[2*g+1])
		}
		u2, pairs := h.u2()
		c := candidate{units: append([]int(nil), units...), u2: u2, pairs: pairs, dist: td.distance(units, n)}
		seen[key] = c
		return c
	}
	// moveTo sets num and den to the point units.
	moveTo := func(units []int) {
		for g := range td.u {
			var nm, dn int32
			for c, s := range td.subs[g*k : g*k+k] {
				if s != NoSub {
					nm += int32(units[c]) * int32(s)
					dn += int32(units[c])
				}
			}
			num[g], den[g] = nm, dn
		}
	}
	rng := rand.New(rand.NewPCG(opt.Seed, uint64(f)+1))
	starts := [][]int{td.nearest(n), even(k, n)}
	for range opt.Restarts {
		u := make([]int, k)
		for range n {
			u[rng.IntN(k)]++
		}
		starts = append(starts, u)
	}
	var top candidate
	u := make([]int, k)
	for _, start := range starts {
		moveTo(start)
		cur := eval(start, -1, -1)
		for {
			next := cur
			for i := range k {
				if cur.units[i] == 0 {
					continue
				}
				for j := range k {
					if j == i {
						continue
					}
					copy(u, cur.units)
					u[i]--
					u[j]++
					if c := eval(u, i, j); c.better(next) {
						next = c
					}
				}
			}
			if !next.better(cur) {
				break
			}
			cur = next
			moveTo(cur.units)
		}
		if cur.better(top) {
			top = cur
		}
	}
	return top.units, top.auc(), evaluated
}

func unitsKey(units []int) []byte {
	b := make([]byte, len(units))
	for i, u := range units {
		b[i] = byte(u)
	}
	return b
}

// nearest is the current weights rounded to units (largest remainder, so
// they sum to n); even weights when the current ones are all 0.
func (td *tuneData) nearest(n int) []int {
	units := make([]int, td.k)
	exact := make([]float64, td.k)
	left := n
	for i, w := range td.target {
		exact[i] = w * float64(n) / 100
		units[i] = int(exact[i])
		left -= units[i]
	}
	if left == n {
		return even(td.k, n)
	}
	for ; left > 0; left-- {
		bi := 0
		for i := range units {
			if exact[i]-float64(units[i]) > exact[bi]-float64(units[bi]) {
				bi = i
			}
		}
		units[bi]++
	}
	return units
}

func even(k, n int) []int {
	u := make([]int, k)
	for i := range n {
		u[i%k]++
	}
	return u
}
