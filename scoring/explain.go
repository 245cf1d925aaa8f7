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
			fmt.Fprintf(&b, "  %-12s %-17s weight %-4s no data\n", p.Component, p.Band, trimFloat(p.Weight))
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

func trimFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}
