package scoring

// CONTRACT SKELETON: the scoring work extends Config with every band,
// threshold and window of scoring.md; the fields below are the ones other
// packages already rely on.

// Config is the health model: built-in defaults from scoring.md, optionally
// overridden by the YAML file named by HEALTHBOT_CONFIG.
type Config struct {
	Weights       map[string]float64 `yaml:"weights"`
	ValueFeatures []string           `yaml:"value_features"` // empty: every feature seen in the last 90 days
	ReasonCodes   []string           `yaml:"reason_codes"`   // offered for red pulses
}

// Default returns the model of scoring.md.
func Default() Config {
	return Config{
		Weights:     map[string]float64{Usage: 30, Adoption: 25, Support: 20, Engagement: 15, Payment: 10},
		ReasonCodes: []string{"budget", "champion-left", "product-gaps", "competitor", "poor-support", "low-adoption", "merger", "other"},
	}
}
