package scoring_test

import (
	"math"
	"math/rand/v2"

	"github.com/healthbot/healthbot/scoring"
)

// synthWeights are the weights synthetic samples are scored with: the
// defaults, and seat_use (which the data makes useful) at 0.
func synthWeights() map[string]float64 {
	w := scoring.Default().Weights
	w["seat_use"] = 0
	return w
}

// synth is a synthetic backtest: accounts evaluated every 7 days for
// `days` evaluation days, horizon 60, with usage, adoption, support,
// engagement, payment and a seat_use custom component connected. About
// 15% of the accounts churn: most decline over the 8 weeks before (usage,
// seats and touches fade first, tickets turn negative, invoices fail, some
// sponsors leave or a CSM pulses red), some churn without warning; 10% of
// the others dip for a month and recover. Scores use synthWeights, as
// Score would. rich connects exec_sponsor, nps, csat and pulse too, nps
// and csat with sub-scores of every value 0..100, so few samples share
// their sub-scores: the tuner's worst case.
func synth(accounts, days int, seed uint64, rich bool) *scoring.SampleSet {
	r := rand.New(rand.NewPCG(seed, 7))
	ss := &scoring.SampleSet{Horizon: 60, Components: append(append([]string(nil), scoring.Components...), "seat_use")}
	w := synthWeights()
	weights := make([]float64, len(ss.Components))
	for i, c := range ss.Components {
		weights[i] = w[c]
	}
	band := func(x float64, cuts []float64, subs []int8) int8 {
		for i, c := range cuts {
			if x >= c {
				return subs[i]
			}
		}
		return subs[len(subs)-1]
	}
	// below picks the value of the first cut x is below, else the last.
	below := func(x float64, cuts []float64, vals []int8) int8 {
		for i, c := range cuts {
			if x < c {
				return vals[i]
			}
		}
		return vals[len(vals)-1]
	}
	span := days * 7
	for id := 1; id <= accounts; id++ {
		health := 0.3 + 0.7*r.Float64()
		churnDay, silent, dipAt := math.MaxInt, false, -1
		switch {
		case r.Float64() < 0.15:
			churnDay = r.IntN(span + 60)
			silent = r.Float64() < 0.3
		case r.Float64() < 0.1:
			dipAt = r.IntN(span)
		}
		for e := range days {
			day := e * 7
			if day >= churnDay {
				break
			}
			decline := 0.0
			if to := churnDay - day; !silent && to <= 56 {
				decline = float64(56-to) / 56
			}
			if dipAt >= 0 && day >= dipAt && day < dipAt+28 {
				decline = 0.6
			}
			noise := func(sd float64) float64 { return r.NormFloat64() * sd }
			subs := make([]int8, len(ss.Components))
			for i := range subs {
				subs[i] = scoring.NoSub
			}
			subs[0] = band(health-0.8*decline+noise(0.15), []float64{0.75, 0.5, 0.25}, []int8{100, 67, 33, 0})
			subs[1] = band(health-0.3*decline+noise(0.2), []float64{0.9, 0.6, 0.35, 0.15}, []int8{100, 80, 40, 20, 0})
			// support: escalated, negative, positive or neutral tickets
			subs[2] = below(r.Float64(), []float64{0.02 + 0.1*decline, 0.12 + 0.3*decline, 0.32}, []int8{0, 25, 100, 75})
			subs[3] = band(health-0.6*decline+noise(0.25), []float64{0.7, 0.45, 0.2}, []int8{100, 67, 33, 0})
			// payment: failed, overdue, paid late or current
			subs[4] = below(r.Float64(), []float64{0.02 + 0.2*decline, 0.07 + 0.2*decline, 0.17}, []int8{0, 30, 70, 100})
			if rich {
				clamp := func(x float64) int8 { return int8(min(max(math.Round(x), 0), 100)) }
				subs[5] = band(health-0.5*decline+noise(0.3), []float64{0.7, 0.4}, []int8{100, 50, 0})
				subs[6] = clamp(100 * (health - 0.4*decline + noise(0.25)))
				subs[7] = clamp(100 * (health - 0.2*decline + noise(0.3)))
				subs[8] = band(health-0.9*decline+noise(0.3), []float64{0.6, 0.3}, []int8{100, 50, 0})
			}
			subs[9] = band(health-0.7*decline+noise(0.2), []float64{0.7, 0.4}, []int8{100, 60, 20})
			smp := scoring.Sample{AccountID: uint(id), Day: asOf.AddDate(0, 0, day), Known: true, Cap: scoring.NoCap, Subs: subs}
			if r.Float64() < 0.4*decline {
				smp.Cap = 59 // a departed sponsor or a red pulse
			}
			var num, den float64
			for i, s := range subs {
				if s != scoring.NoSub && weights[i] > 0 {
					num += weights[i] * float64(s)
					den += weights[i]
				}
			}
			smp.Score = int(math.Round(num / den))
			if smp.Cap != scoring.NoCap {
				smp.Score = min(smp.Score, int(smp.Cap))
			}
			smp.Status = scoring.StatusOf(smp.Score)
			if churnDay != math.MaxInt {
				smp.ChurnDay = asOf.AddDate(0, 0, churnDay)
				smp.Churned = churnDay-day >= 1 && churnDay-day <= 60
			}
			ss.Samples = append(ss.Samples, smp)
		}
	}
	return ss
}
