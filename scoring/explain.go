package scoring

import (
	"fmt"
	"math"
	"strings"
)

// Explain renders a result as plain text, one fact per line: the score and
// status, the computed score and reasons when capped, every part with its
// band, sub-score, weight, points and raw figures, the components without
// data, what would raise it and the pulse note. Chat adapters build their
// own cards from Result; this is for the console, logs and tests.
func Explain(r Result) string {
	var b strings.Builder
	if !r.Known {
		fmt.Fprintf(&b, "Score: no data (%s)\n", StatusColour(r.Status))
	} else {
		fmt.Fprintf(&b, "Score: %d %s (%s) - %s\n", r.Score, r.Status, StatusColour(r.Status), SuggestedAction(r.Status))
	}
	if r.Capped() {
		fmt.Fprintf(&b, "Computed: %d before caps\n", r.Computed)
	}
	for _, o := range r.Overrides {
		fmt.Fprintf(&b, "Override: %s (cap %d)\n", o.Reason, o.Cap)
	}
	if len(r.Parts) > 0 {
		b.WriteString("Parts:\n")
	}
	for _, p := range r.Parts {
		if !p.HasData {
			fmt.Fprintf(&b, "  %-12s %-17s weight %-4s no data", p.Component, p.Band, trimFloat(p.Weight))
			if p.Raw != "" {
				b.WriteString("  " + p.Raw) // a custom component's zero denominator
			}
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(&b, "  %-12s %-17s %3d x weight %-4s = %5.1f points (costs %4.1f)  %s\n",
			p.Component, p.Band, p.Sub, trimFloat(p.Weight), tenth(p.Points), tenth(p.Lost), p.Raw)
	}
	if len(r.NoData) > 0 {
		fmt.Fprintf(&b, "No data: %s (weight redistributed)\n", strings.Join(r.NoData, ", "))
	}
	if len(r.Raise) > 0 {
		var xs []string
		for _, p := range r.Raise {
			xs = append(xs, fmt.Sprintf("%s (%s, costs %.1f)", p.Component, p.Band, tenth(p.Lost)))
		}
		fmt.Fprintf(&b, "What would raise it: %s\n", strings.Join(xs, "; "))
	}
	if r.PulseNote != "" {
		fmt.Fprintf(&b, "Note: %s\n", r.PulseNote)
	}
	return b.String()
}

// tenth rounds to one decimal half away from zero, like the score, so the
// parts shown never round differently from it (fmt rounds 6.25 to 6.2).
func tenth(f float64) float64 { return math.Round(f*10) / 10 }

// hundredth rounds to two decimals half away from zero, as tenth does to one.
func hundredth(f float64) float64 { return math.Round(f*100) / 100 }

func trimFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

// ExplainWhy renders a decomposition as plain text: the scores then and
// now, profile and model changes, each component's points then and now
// with the steps that moved them and its raw figures, the overrides, and
// the sum. Chat adapters build their own messages from Decomposition; this
// is for the console, logs and tests.
func ExplainWhy(d Decomposition) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Score %s → %s", sideText(d.Then), sideText(d.Now))
	if d.Comparable {
		fmt.Fprintf(&b, " (unrounded %.2f → %.2f: %+.2f)", hundredth(d.Then.Unrounded), hundredth(d.Now.Unrounded), hundredth(d.Change))
	}
	b.WriteString("\n")
	if d.ProfileChanged {
		fmt.Fprintf(&b, "Profile changed: %s → %s\n", orNone(d.Then.Profile), orNone(d.Now.Profile))
	}
	if d.VersionChanged {
		fmt.Fprintf(&b, "Model changed: version %s → %s\n", orNone(d.Then.Version), orNone(d.Now.Version))
	}
	if len(d.Parts) > 0 {
		b.WriteString("Components (points then → now):\n")
	}
	for _, p := range d.Parts {
		fmt.Fprintf(&b, "  %-12s %s → %s", p.Component, partText(p.Then), partText(p.Now))
		if d.Comparable {
			fmt.Fprintf(&b, "  %.2f → %.2f (%+.2f", hundredth(p.PointsThen), hundredth(p.PointsNow), hundredth(p.SubScore+p.Model+p.Redistribution))
			for _, step := range []struct {
				name string
				v    float64
			}{{"sub-score", p.SubScore}, {"model", p.Model}, {"redistribution", p.Redistribution}} {
				if step.v != 0 {
					fmt.Fprintf(&b, ", %s %+.2f", step.name, hundredth(step.v))
				}
			}
			b.WriteString(")")
		}
		b.WriteString("\n")
		switch raw0, raw1 := rawText(p.Then), rawText(p.Now); {
		case raw0 == raw1 && raw0 != "":
			fmt.Fprintf(&b, "  %-12s %s (unchanged)\n", "", raw0)
		case raw0 != raw1:
			fmt.Fprintf(&b, "  %-12s %s → %s\n", "", orNone(raw0), orNone(raw1))
		}
	}
	for _, o := range d.OverrideRules {
		cur := o.Now
		if cur == nil {
			cur = o.Then
		}
		fmt.Fprintf(&b, "Override %s: %s (cap %d)\n", o.Change, cur.Reason, cur.Cap)
	}
	if d.Comparable {
		fmt.Fprintf(&b, "Change %+.2f = sub-scores %+.2f, model %+.2f, redistribution %+.2f, overrides %+.2f\n",
			hundredth(d.Change), hundredth(d.SubScores), hundredth(d.Model), hundredth(d.Redistribution), hundredth(d.Overrides))
	} else {
		b.WriteString("No decomposition: the score is unknown on one side\n")
	}
	return b.String()
}

func sideText(s Side) string {
	if !s.Known {
		return "no data"
	}
	t := fmt.Sprintf("%d %s", s.Score, s.Status)
	if s.Score != s.Computed {
		t += fmt.Sprintf(" (computed %d)", s.Computed)
	}
	return t
}

func partText(p *Part) string {
	switch {
	case p == nil:
		return "not in the model"
	case !p.HasData:
		return "no data"
	}
	return fmt.Sprintf("%d %s", p.Sub, p.Band)
}

func rawText(p *Part) string {
	if p == nil {
		return ""
	}
	return p.Raw
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
