package scoring

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Aggregates a custom component can apply to its metric's rows in its window.
const (
	AggLatest = "latest"
	AggSum    = "sum"
	AggMean   = "mean"
	AggMax    = "max"
	AggMin    = "min"
	AggCount  = "count"
)

// Aggregates lists every aggregate a custom component may name.
var Aggregates = []string{AggLatest, AggSum, AggMean, AggMax, AggMin, AggCount}

// Denominators a custom component may divide its aggregate by.
const (
	PerSeats = "seats"
	PerMRR   = "mrr"
)

// CustomComponent scores an ingested metric: the aggregate of the
// account's rows of Metric over the last Days days, optionally divided by
// the account's seats or MRR, placed in the first band whose Min it
// reaches.
type CustomComponent struct {
	Metric    string `yaml:"metric"`    // the ingested metric's name
	Aggregate string `yaml:"aggregate"` // one of Aggregates
	Days      int    `yaml:"days"`      // the window: the last Days days
	Per       string `yaml:"per"`       // "", PerSeats or PerMRR
	Bands     []Band `yaml:"bands"`     // highest Min first
}

// Band is one step of a custom component: a value of at least Min scores
// Score and reads Label.
type Band struct {
	Min   float64 `yaml:"min"`
	Label string  `yaml:"label"`
	Score int     `yaml:"score"`
}

// BandNone is the band of a custom value below every band's Min; it scores 0.
const BandNone = "none"

// MetricSignal is one account's figure for one custom component, as the
// store gathers it with the component's aggregate and window.
type MetricSignal struct {
	Value float64 // the aggregate of the account's rows in the window (the row count for "count")
	Rows  int     // the account's rows in the window; 0 means the value is 0, whatever Value says
}

// sameInput reports whether two definitions read the same figure from the
// store: what a profile may not change (see Model).
func (c CustomComponent) sameInput(o CustomComponent) bool {
	return c.Metric == o.Metric && c.Aggregate == o.Aggregate && c.Days == o.Days && c.Per == o.Per
}

// validateComponents checks every custom component, in name order so the
// first error reported does not depend on map order.
func (c Config) validateComponents(v *validator) {
	for _, name := range sortedKeys(c.Components) {
		def := c.Components[name]
		k := "components." + name
		v.check(!slices.Contains(Components, name), k, "clashes with the built-in component "+strconv.Quote(name)+" (choose another name)")
		v.check(validName(name), k, "name must be lowercase letters, digits, _ or -, starting with a letter")
		v.check(strings.TrimSpace(def.Metric) != "", k+".metric", "must name the ingested metric")
		v.check(slices.Contains(Aggregates, def.Aggregate), k+".aggregate", "must be one of "+strings.Join(Aggregates, ", "))
		v.check(def.Days >= 1, k+".days", "must be at least 1")
		v.check(def.Per == "" || def.Per == PerSeats || def.Per == PerMRR, k+".per", "must be seats or mrr (or left out)")
		v.check(len(def.Bands) > 0, k+".bands", "must list at least one band")
		for i, b := range def.Bands {
			bk := k + ".bands[" + strconv.Itoa(i) + "]"
			v.check(!math.IsNaN(b.Min) && !math.IsInf(b.Min, 0), bk+".min", "must be a number")
			v.check(strings.TrimSpace(b.Label) != "", bk+".label", "must not be empty")
			v.score(bk+".score", b.Score)
			if i > 0 {
				v.check(b.Min < def.Bands[i-1].Min, bk+".min", "must be below the min of the band before it (the first band whose min <= value wins)")
			}
		}
	}
}

// validName accepts a component name usable as a YAML key, a JSON key
// and a word in chat: a lowercase letter, then letters, digits, _ or -.
func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// customOrder is the display order of cfg's custom components: by name.
func customOrder(cfg *Config) []string {
	if cfg.customNames != nil || len(cfg.Components) == 0 {
		return cfg.customNames
	}
	return sortedKeys(cfg.Components)
}

// prepare sets what a loaded config precomputes for Score.
func (c *Config) prepare() {
	c.customNames = nil
	if len(c.Components) > 0 {
		c.customNames = sortedKeys(c.Components)
	}
}

// customHasData reports whether the metric a custom component reads has
// rows anywhere in the store, and whether this account's denominator
// allows a figure. A zero denominator is no data for this account only.
func customHasData(def *CustomComponent, s *Signals) (connected, perOK bool) {
	if !s.MetricSources[def.Metric] {
		return false, false
	}
	return true, customDenominator(def, s) != 0 || def.Per == ""
}

// customDenominator is the account's seats or MRR (in currency units, not
// cents) for a component with Per set, else 1.
func customDenominator(def *CustomComponent, s *Signals) float64 {
	switch def.Per {
	case PerSeats:
		return float64(s.Seats)
	case PerMRR:
		return float64(s.MRRCents) / 100
	}
	return 1
}

// noDenominator is the raw figure of an account whose seats or MRR are 0.
func noDenominator(def *CustomComponent) string {
	if def.Per == PerSeats {
		return def.Metric + " per seat: the account has no seats"
	}
	return def.Metric + " per MRR: the account has no MRR"
}

// customScore scores a connected custom component for an account whose
// denominator is not 0: its sub-score, band and raw figure, e.g.
// "seats_active 42 / 50 seats = 0.84" or "logins sum 420 in 30 days".
// m is the account's figure for the component (Signals.Metrics[name]).
func customScore(def *CustomComponent, m MetricSignal, s *Signals) (int, string, string) {
	var buf [128]byte
	value := m.Value
	var b []byte
	if m.Rows <= 0 {
		// Silence is a signal: no rows of its own in the window reads 0.
		value = 0
		b = append(buf[:0], "no "...)
		b = append(b, def.Metric...)
		b = append(b, " in "...)
		b = appendPlural(b, def.Days, "day")
	} else {
		b = append(buf[:0], def.Metric...)
		b = append(b, ' ')
		if def.Aggregate != AggLatest {
			b = append(b, def.Aggregate...)
			b = append(b, ' ')
		}
		b = appendNum(b, value)
		if def.Aggregate != AggLatest {
			b = append(b, " in "...)
			b = appendPlural(b, def.Days, "day")
		}
	}
	if def.Per != "" {
		den := customDenominator(def, s)
		value /= den
		b = append(b, " / "...)
		b = appendNum(b, den)
		if def.Per == PerSeats {
			b = append(b, " seats"...)
		} else {
			b = append(b, " MRR"...)
		}
		b = append(b, " = "...)
		b = strconv.AppendFloat(b, value, 'f', 2, 64)
	}
	raw := string(b)
	for _, band := range def.Bands {
		if band.Min <= value {
			return band.Score, band.Label, raw
		}
	}
	return 0, BandNone, raw
}

// appendNum appends a figure as an integer when it is one, else with up to
// two decimals ("42", "41.5", "0.84").
func appendNum(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', 2, 64)
	if bytes.IndexByte(b[n:], '.') < 0 {
		return b
	}
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}
