package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

// The raw figures are built with strconv instead of fmt.Sprintf, and raise
// picks its two parts without sorting; these pin that each piece gives what
// the code it replaced gave.

func TestAppendFloatMatchesFmt(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	vals := []float64{0, math.Copysign(0, -1), 0.005, 0.015, 0.125, 0.305, 1.25, 6.25, 12.345, -0.05, -1.5,
		99.5, 100, 1e21, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	for range 20000 {
		vals = append(vals, (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(8))), float64(r.IntN(1000))/float64(1+r.IntN(300)))
	}
	for _, v := range vals {
		for prec := range 3 {
			want := fmt.Sprintf("%.*f", prec, v)
			if got := string(strconv.AppendFloat(nil, v, 'f', prec, 64)); got != want {
				t.Fatalf("%v at %d decimals: got %q, fmt gives %q", v, prec, got, want)
			}
		}
	}
}

func TestPhrasesMatchFmt(t *testing.T) {
	ns := []int{math.MinInt, -1000, -2, -1, 0, 1, 2, 3, 11, 90, 255, 256, 100000, math.MaxInt}
	for _, n := range ns {
		for _, word := range []string{"ticket", "touch", "day", "failed invoice", "ch", "x"} {
			want := fmt.Sprintf("%d %ss", n, word)
			switch {
			case n == 1:
				want = "1 " + word
			case len(word) > 2 && word[len(word)-2:] == "ch":
				want = fmt.Sprintf("%d %ses", n, word)
			}
			if got := string(appendPlural([]byte("<"), n, word)); got != "<"+want {
				t.Errorf("appendPlural(%d, %q) = %q, want %q", n, word, got, "<"+want)
			}
		}
		want := fmt.Sprintf("%d days ago", n)
		switch {
		case n == 0:
			want = "today"
		case n == 1:
			want = "yesterday"
		case n < 0:
			want = fmt.Sprintf("in %d days", -n)
		}
		if got := string(appendAgo(nil, n)); got != want {
			t.Errorf("appendAgo(%d) = %q, want %q", n, got, want)
		}
		if got, want := daysPhrase("no pulse in ", n), fmt.Sprintf("no pulse in %d days", n); got != want {
			t.Errorf("daysPhrase(%d) = %q, want %q", n, got, want)
		}
	}
}

// sortedRaise is raise as a stable sort by Lost, costliest first, cut to two.
func sortedRaise(parts []Part) []Part {
	var c []Part
	for _, p := range parts {
		if p.HasData && p.Lost > 0 {
			c = append(c, p)
		}
	}
	sort.SliceStable(c, func(i, j int) bool { return c[i].Lost > c[j].Lost })
	if len(c) > 2 {
		c = c[:2]
	}
	return c
}

func TestRaiseMatchesStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	losses := []float64{0, -1, 1, 2, 2, 5, 9.9, math.Inf(1), math.NaN()}
	for range 50000 {
		parts := make([]Part, r.IntN(10))
		for i := range parts {
			parts[i] = Part{Component: strconv.Itoa(i), HasData: r.IntN(5) != 0, Lost: losses[r.IntN(len(losses))]}
		}
		got, want := raise(parts), sortedRaise(parts)
		if !reflect.DeepEqual(got, want) && fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("raise(%v) = %v, want %v", parts, got, want)
		}
	}
}
