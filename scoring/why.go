package scoring

import (
	"math/big"
	"slices"
	"time"
)

// Decomposition explains the change of an account's score between two
// results ("why did it change?"). The unrounded score of a side is
// min(every cap, Σ w·s / Σ w) over its components with data
// (Result.Unrounded); its rounding is the score shown. The change of the
// unrounded score is split into parts that add up to it exactly (they are
// computed in rational arithmetic and only then rounded to float64):
//
//   - SubScores: each component's sub-score moving, at the then weights;
//   - Model: weights changing (a profile or model change, or a component
//     added or removed from the model), with the then data;
//   - Redistribution: a component gaining or losing data (a source
//     connected or lost, or a custom component's denominator becoming 0),
//     its weight shared out among the others;
//   - Overrides: the caps' effect now minus their effect then.
//
// The steps are taken in that order (sub-scores, then weights, then data):
// each part depends on the order, their sum does not. When now's weights
// with then's data would leave no component to score (every component
// scored now gained its data since), the data step is taken before the
// weight step, at then's weights.
type Decomposition struct {
	Then, Now      Side
	Comparable     bool    // both scores known: the figures below are set
	Change         float64 // Now.Unrounded - Then.Unrounded
	SubScores      float64
	Model          float64
	Redistribution float64
	Overrides      float64
	Parts          []PartChange // every component in either result, in display order
	OverrideRules  []OverrideChange
	ProfileChanged bool
	VersionChanged bool
}

// Side is one end of a Decomposition.
type Side struct {
	AsOf      time.Time
	Known     bool
	Score     int     // shown, after caps
	Computed  int     // before caps
	Unrounded float64 // after caps: what Score rounds
	Status    Status
	Profile   string
	Version   string
	Cap       *int    // the lowest cap that held, nil with none
	CapEffect float64 // min(cap, computed) - computed, <= 0
}

// PartChange is one component's contribution then and now, in points of
// the final score (w·s/Σw over the components with data), and the steps
// that moved it: SubScore + Model + Redistribution = PointsNow - PointsThen.
type PartChange struct {
	Component      string
	Then, Now      *Part // nil when the component was not in that side's model (weight 0)
	PointsThen     float64
	PointsNow      float64
	SubScore       float64
	Model          float64
	Redistribution float64
}

// OverrideChange is one override rule then and now.
type OverrideChange struct {
	Rule      string
	Then, Now *Override // nil when the rule did not hold
	Change    string    // OverrideApplied, OverrideLifted, OverrideChanged or OverrideKept
}

// Kinds of OverrideChange.
const (
	OverrideApplied = "applied"
	OverrideLifted  = "lifted"
	OverrideChanged = "changed"
	OverrideKept    = "kept"
)

// Why decomposes the change from then to now (see Decomposition). The
// results carry everything it needs: their parts (weights, sub-scores,
// data, raw figures), overrides, profile and version.
func Why(then, now Result) Decomposition {
	d := Decomposition{
		Then: side(then), Now: side(now),
		ProfileChanged: then.Profile != now.Profile,
		VersionChanged: then.Version != now.Version,
	}
	names := partNames(then.Parts, now.Parts)
	p0, p1 := partsByName(then.Parts), partsByName(now.Parts)

	// e0, e1: effective weights (0 without data); sig: the sub-score a
	// component has once it moved (now's when it has data now, else then's).
	k := len(names)
	e0, e1, mid := rats(k), rats(k), rats(k)
	sig, s0 := rats(k), rats(k)
	for i, n := range names {
		a, b := p0[n], p1[n]
		if a != nil && a.HasData {
			e0[i].SetFloat64(a.Weight)
			s0[i].SetInt64(int64(a.Sub))
			sig[i].Set(s0[i])
		}
		if b != nil && b.HasData {
			e1[i].SetFloat64(b.Weight)
			sig[i].SetInt64(int64(b.Sub))
		}
		switch {
		case a != nil && b != nil && a.HasData:
			// In both models: the weight step takes now's weight with
			// then's data; the data step does the rest.
			mid[i].SetFloat64(b.Weight)
		case b != nil && a == nil:
			mid[i].Set(e1[i]) // added by the model: all of it is the model's
		}
	}
	w0, w1, wm := sum(e0), sum(e1), sum(mid)
	d.Comparable = w0.Sign() > 0 && w1.Sign() > 0
	d.Parts = make([]PartChange, k)
	for i, n := range names {
		d.Parts[i] = PartChange{Component: n, Then: p0[n], Now: p1[n]}
		if p := p0[n]; p != nil {
			d.Parts[i].PointsThen = p.Points
		}
		if p := p1[n]; p != nil {
			d.Parts[i].PointsNow = p.Points
		}
	}
	d.OverrideRules = overrideChanges(then.Overrides, now.Overrides)
	if !d.Comparable {
		return d
	}
	dataFirst := wm.Sign() == 0
	if dataFirst {
		// See the type's comment: the data step first, at then's weights.
		for i, n := range names {
			a, b := p0[n], p1[n]
			switch {
			case a != nil && b != nil && b.HasData:
				mid[i].SetFloat64(a.Weight)
			case a != nil && b == nil:
				mid[i].Set(e0[i]) // out of now's model: its data now is unknown, kept as it was
			}
		}
		wm = sum(mid)
	}
	var sub, model, redis, c0, c1 big.Rat
	for i := range names {
		pt := share(e0[i], s0[i], w0)  // then
		q1 := share(e0[i], sig[i], w0) // sub-scores moved
		q2 := share(mid[i], sig[i], wm)
		pn := share(e1[i], sig[i], w1) // now
		pc := &d.Parts[i]
		pc.PointsThen, _ = pt.Float64()
		pc.PointsNow, _ = pn.Float64()
		pc.SubScore = diff(q1, pt, &sub)
		if dataFirst {
			pc.Redistribution = diff(q2, q1, &redis)
			pc.Model = diff(pn, q2, &model)
		} else {
			pc.Model = diff(q2, q1, &model)
			pc.Redistribution = diff(pn, q2, &redis)
		}
		c0.Add(&c0, pt)
		c1.Add(&c1, pn)
	}
	eff0, eff1 := capEffect(then.Overrides, &c0), capEffect(now.Overrides, &c1)
	u0, u1 := new(big.Rat).Add(&c0, eff0), new(big.Rat).Add(&c1, eff1)
	d.Then.Unrounded, _ = u0.Float64()
	d.Now.Unrounded, _ = u1.Float64()
	d.Then.CapEffect, _ = eff0.Float64()
	d.Now.CapEffect, _ = eff1.Float64()
	d.Change, _ = new(big.Rat).Sub(u1, u0).Float64()
	d.SubScores, _ = sub.Float64()
	d.Model, _ = model.Float64()
	d.Redistribution, _ = redis.Float64()
	d.Overrides, _ = new(big.Rat).Sub(eff1, eff0).Float64()
	return d
}

func side(r Result) Side {
	s := Side{AsOf: r.AsOf, Known: r.Known, Score: r.Score, Computed: r.Computed, Unrounded: r.Unrounded,
		Status: r.Status, Profile: r.Profile, Version: r.Version}
	if c, ok := lowestCap(r.Overrides); ok {
		s.Cap = &c
	}
	return s
}

func lowestCap(os []Override) (int, bool) {
	if len(os) == 0 {
		return 0, false
	}
	c := os[0].Cap
	for _, o := range os[1:] {
		c = min(c, o.Cap)
	}
	return c, true
}

// capEffect is min(cap, computed) - computed.
func capEffect(os []Override, computed *big.Rat) *big.Rat {
	c, ok := lowestCap(os)
	if !ok {
		return new(big.Rat)
	}
	cr := new(big.Rat).SetInt64(int64(c))
	if cr.Cmp(computed) >= 0 {
		return new(big.Rat)
	}
	return cr.Sub(cr, computed)
}

// share is w·s/total, 0 when total is 0.
func share(w, s, total *big.Rat) *big.Rat {
	if total.Sign() == 0 {
		return new(big.Rat)
	}
	r := new(big.Rat).Mul(w, s)
	return r.Quo(r, total)
}

// diff adds a-b to acc and returns it as a float64.
func diff(a, b, acc *big.Rat) float64 {
	r := new(big.Rat).Sub(a, b)
	acc.Add(acc, r)
	f, _ := r.Float64()
	return f
}

func rats(n int) []*big.Rat {
	out := make([]*big.Rat, n)
	for i := range out {
		out[i] = new(big.Rat)
	}
	return out
}

func sum(xs []*big.Rat) *big.Rat {
	t := new(big.Rat)
	for _, x := range xs {
		t.Add(t, x)
	}
	return t
}

func partsByName(ps []Part) map[string]*Part {
	m := make(map[string]*Part, len(ps))
	for i := range ps {
		p := ps[i]
		m[p.Component] = &p
	}
	return m
}

// partNames is every component of either side in display order: the
// built-ins, then the custom ones by name.
func partNames(a, b []Part) []string {
	var builtin, custom []string
	for _, ps := range [][]Part{a, b} {
		for _, p := range ps {
			switch {
			case slices.Contains(builtin, p.Component) || slices.Contains(custom, p.Component):
			case slices.Contains(Components, p.Component):
				builtin = append(builtin, p.Component)
			default:
				custom = append(custom, p.Component)
			}
		}
	}
	slices.SortFunc(builtin, func(x, y string) int { return slices.Index(Components, x) - slices.Index(Components, y) })
	slices.Sort(custom)
	return append(builtin, custom...)
}

func overrideChanges(then, now []Override) []OverrideChange {
	var out []OverrideChange
	find := func(os []Override, rule string) *Override {
		for i := range os {
			if os[i].Rule == rule {
				o := os[i]
				return &o
			}
		}
		return nil
	}
	var rules []string
	for _, o := range slices.Concat(then, now) {
		if !slices.Contains(rules, o.Rule) {
			rules = append(rules, o.Rule)
		}
	}
	for _, rule := range rules {
		c := OverrideChange{Rule: rule, Then: find(then, rule), Now: find(now, rule)}
		switch {
		case c.Then == nil:
			c.Change = OverrideApplied
		case c.Now == nil:
			c.Change = OverrideLifted
		case *c.Then != *c.Now:
			c.Change = OverrideChanged
		default:
			c.Change = OverrideKept
		}
		out = append(out, c)
	}
	return out
}
