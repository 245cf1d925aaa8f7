package scoring

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// scoreInts rounds Σw·s/Σw in integers; it must agree with Score's
// math.Round of the float division for every integer weights and subs.
func TestScoreIntsRoundsAsScore(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		k := 1 + r.IntN(6)
		td := &tuneData{k: k, u: 1, subs: make([]int8, k), caps: []int8{NoCap}}
		w := make([]int, k)
		wf := make([]float64, k)
		for c := range k {
			td.subs[c] = int8(r.IntN(101))
			if r.IntN(5) == 0 {
				td.subs[c] = NoSub
			}
			w[c] = r.IntN(21)
			wf[c] = float64(w[c])
		}
		a, b := make([]int16, 1), make([]int16, 1)
		td.scoreInts(w, a)
		td.scoreFloats(wf, b)
		if a[0] != b[0] {
			t.Fatalf("subs %v weights %v: ints %d, floats %d", td.subs, w, a[0], b[0])
		}
	}
}

// Folds are by account: every sample of an account lands in its one fold,
// the folds differ in size by at most one account, and the same seed
// deals the same folds while another seed deals others.
func TestAssignFolds(t *testing.T) {
	var samples []Sample
	for id := uint(1); id <= 103; id++ {
		for range 1 + id%4 {
			samples = append(samples, Sample{AccountID: id * 7})
		}
	}
	folds := assignFolds(samples, 5, 0)
	if len(folds) != 103 {
		t.Fatalf("%d accounts assigned, want 103", len(folds))
	}
	size := make([]int, 5)
	for _, f := range folds {
		size[f]++
	}
	for _, n := range size {
		if n < 20 || n > 21 {
			t.Errorf("fold sizes %v, want 20 or 21 each", size)
		}
	}
	if again := assignFolds(samples, 5, 0); !reflect.DeepEqual(again, folds) {
		t.Error("the same seed dealt other folds")
	}
	if other := assignFolds(samples, 5, 1); reflect.DeepEqual(other, folds) {
		t.Error("another seed dealt the same folds")
	}
	// Grouping keeps every sample, each counted in its account's fold.
	for i := range samples {
		samples[i].Subs = []int8{int8(i % 3)}
		samples[i].Cap = NoCap
		samples[i].Churned = i%5 == 0
	}
	td, err := newTuneData(&SampleSet{Components: []string{Usage}, Samples: samples}, TuneOptions{Folds: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 5)
	for _, s := range samples {
		want[folds[s.AccountID]]++
	}
	got := make([]int, 5)
	for g := range td.u {
		for f := range 5 {
			got[f] += int(td.cnt[(g*5+f)*2] + td.cnt[(g*5+f)*2+1])
		}
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(td.foldSamples, want) || td.u != 3 {
		t.Errorf("samples per fold %v (%v), want %v; %d groups, want 3", got, td.foldSamples, want, td.u)
	}
}
