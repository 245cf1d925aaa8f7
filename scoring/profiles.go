package scoring

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultProfile is the profile of an account that no profile matches: the
// top-level model.
const DefaultProfile = "default"

// MaxProfileName is the longest profile name, in bytes.
const MaxProfileName = 64

// Model is a loaded health model: the top level and its profiles, each
// resolved once at load into the config an account is scored with.
type Model struct {
	Default  Effective // the top level, profile "default"
	Profiles []Profile // in file order: the first that matches wins
}

// Profile is a named variant of the model for the accounts it matches.
type Profile struct {
	Match Match
	Effective
}

// Match says which accounts a profile is for: every named field must equal
// one of its values, ignoring case. A nil field is not named.
type Match struct {
	Segment []string
	Plan    []string
}

// Effective is the model one account is scored with: the profile's name,
// its config (the top level with the profile's keys over it) and that
// config's version.
type Effective struct {
	Profile string
	Version string
	Config  Config
}

// profileKeys are the top-level keys a profile may restate: everything
// that scores an account. Alerts, targets, schedule and channels are about
// the organisation or its routing, not one account's score, and profiles
// do not nest.
var profileKeys = []string{
	"weights", "value_features", "reason_codes", "windows", "usage", "adoption", "support",
	"engagement", "payment", "exec_sponsor", "surveys", "pulse", "status", "overrides", "components",
}

// ModelOf is the model of one config without profiles, e.g. ModelOf(Default()).
func ModelOf(cfg Config) Model {
	cfg = cfg.filled()
	cfg.prepare()
	return Model{Default: Effective{Profile: DefaultProfile, Version: cfg.Version(), Config: cfg}}
}

// LoadModel reads the YAML health model at path: see ParseModel.
func LoadModel(path string) (Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Model{}, fmt.Errorf("load config: %w", err)
	}
	m, err := ParseModel(data)
	if err != nil {
		return Model{}, fmt.Errorf("load config %s: %w", path, err)
	}
	return m, nil
}

// ParseModel reads a YAML health model over the defaults, resolves every
// profile over the top level and validates them all. A profile's error
// names it, its key and the reason, e.g. "profiles[smb].weights.usag:
// unknown component (...)".
func ParseModel(data []byte) (Model, error) {
	doc, err := decode(data)
	if err != nil {
		return Model{}, err
	}
	if err := doc.Config.Validate(); err != nil {
		return Model{}, err
	}
	m := ModelOf(doc.Config)
	seen := map[string]bool{}
	for i := range doc.Profiles {
		p, err := resolveProfile(&doc.Profiles[i], i, m.Default.Config)
		if err != nil {
			return Model{}, err
		}
		key := strings.ToLower(p.Profile)
		if seen[key] {
			return Model{}, fmt.Errorf("profiles[%s].name: duplicate profile name", p.Profile)
		}
		seen[key] = true
		m.Profiles = append(m.Profiles, p)
	}
	if err := m.checkInputs(); err != nil {
		return Model{}, err
	}
	return m, nil
}

// For returns the model of an account with the given segment and plan: the
// first profile whose match holds, else the top level. The pointer is into
// m; do not modify what it points to.
func (m *Model) For(segment, plan string) *Effective {
	for i := range m.Profiles {
		if m.Profiles[i].Match.holds(segment, plan) {
			return &m.Profiles[i].Effective
		}
	}
	return &m.Default
}

// Version is a short hash of the whole model: the top level's version when
// it has no profiles, else a hash of every profile's name, match and
// version with the top level's, so reordering, rematching or retuning a
// profile changes it. It names the model as a whole (what an operator
// deployed); each account's snapshot records its own profile's version.
func (m *Model) Version() string {
	if len(m.Profiles) == 0 {
		return m.Default.Version
	}
	h := sha256.New()
	fmt.Fprintf(h, "healthbot model v1\n%s %s\n", m.Default.Profile, m.Default.Version)
	for _, p := range m.Profiles {
		fmt.Fprintf(h, "%s %s segment=%q plan=%q\n", p.Profile, p.Version, p.Match.Segment, p.Match.Plan)
	}
	return hex.EncodeToString(h.Sum(nil)[:4])
}

// All lists every effective model, the top level first.
func (m *Model) All() []*Effective {
	out := []*Effective{&m.Default}
	for i := range m.Profiles {
		out = append(out, &m.Profiles[i].Effective)
	}
	return out
}

// CustomInputs lists, by name, every custom component some effective model
// defines: what the store must gather for every account. A component's
// input (metric, aggregate, days, per) is the same in every profile that
// defines it, which ParseModel checks, so one definition stands for all.
func (m *Model) CustomInputs() []NamedComponent {
	byName := map[string]CustomComponent{}
	for _, e := range m.All() {
		maps.Insert(byName, maps.All(e.Config.Components))
	}
	out := make([]NamedComponent, 0, len(byName))
	for _, name := range sortedKeys(byName) {
		out = append(out, NamedComponent{Name: name, CustomComponent: byName[name]})
	}
	return out
}

// NamedComponent is a custom component with its name.
type NamedComponent struct {
	Name string
	CustomComponent
}

// Score scores an account under this model and records its profile and
// version on the result.
func (e *Effective) Score(s Signals) Result {
	r := Score(e.Config, s)
	r.Profile, r.Version = e.Profile, e.Version
	return r
}

func (mt Match) holds(segment, plan string) bool {
	return anyFold(mt.Segment, segment) && anyFold(mt.Plan, plan)
}

// anyFold reports whether v equals one of xs ignoring case (and the
// surrounding spaces of v); a nil list holds for every value.
func anyFold(xs []string, v string) bool {
	if xs == nil {
		return true
	}
	v = strings.TrimSpace(v)
	for _, x := range xs {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// resolveProfile decodes profile number i over a copy of the top level.
// The merge is the YAML decoder's over an existing value: a section
// (usage, engagement, ...) keeps every field the profile does not name,
// maps (weights, components) are merged key by key, with a restated custom
// component replaced whole, and lists (value_features, reason_codes, a
// component's bands) and numbers are replaced.
func resolveProfile(n *yaml.Node, i int, top Config) (Profile, error) {
	where := "profiles[" + strconv.Itoa(i) + "]"
	if n.Kind != yaml.MappingNode {
		return Profile{}, fmt.Errorf("%s: must be a mapping with a name, a match and the keys it restates (line %d)", where, n.Line)
	}
	var p Profile
	var name, match *yaml.Node
	rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		switch k.Value {
		case "name":
			name = v
		case "match":
			match = v
		default:
			rest.Content = append(rest.Content, k, v)
		}
	}
	if name == nil || name.Kind != yaml.ScalarNode || strings.TrimSpace(name.Value) == "" {
		return Profile{}, fmt.Errorf("%s.name: every profile needs a name (line %d)", where, n.Line)
	}
	p.Profile = name.Value
	where = "profiles[" + p.Profile + "]"
	switch {
	case strings.ContainsAny(p.Profile, " \t\n"):
		return Profile{}, fmt.Errorf("%s.name: must be one word (use - between words)", where)
	case strings.EqualFold(p.Profile, DefaultProfile):
		return Profile{}, fmt.Errorf("%s.name: %q is the top level's name; choose another", where, DefaultProfile)
	case len(p.Profile) > MaxProfileName:
		return Profile{}, fmt.Errorf("%s.name: at most %d characters (every snapshot stores it)", where, MaxProfileName)
	}
	var err error
	if p.Match, err = parseMatch(match, where, n.Line); err != nil {
		return Profile{}, err
	}
	for j := 0; j < len(rest.Content); j += 2 {
		k := rest.Content[j]
		if !slices.Contains(profileKeys, k.Value) {
			if _, ok := configKeys[k.Value]; ok || k.Value == "profiles" {
				return Profile{}, fmt.Errorf("%s.%s: cannot be set in a profile (it applies to every account; a profile may restate %s)",
					where, k.Value, strings.Join(profileKeys, ", "))
			}
			return Profile{}, fmt.Errorf("%s.%s: unknown key (line %d)", where, k.Value, k.Line)
		}
		if err := knownKeys(rest.Content[j+1], configKeys[k.Value], where+"."+k.Value); err != nil {
			return Profile{}, err
		}
	}
	cfg := top.clone()
	if err := rest.Decode(&cfg); err != nil {
		return Profile{}, fmt.Errorf("%s: %w", where, err)
	}
	if err := cfg.Validate(); err != nil {
		return Profile{}, fmt.Errorf("%s.%w", where, err)
	}
	cfg.prepare()
	p.Config = cfg
	p.Version = cfg.Version()
	return p, nil
}

// parseMatch reads a profile's match: segment and/or plan, each a list of
// values (or one value).
func parseMatch(n *yaml.Node, where string, line int) (Match, error) {
	var m Match
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return m, fmt.Errorf("%s.match: must name segment and/or plan, e.g. match: {segment: [smb]} (line %d)", where, line)
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		key := where + ".match." + k.Value
		var dst *[]string
		switch k.Value {
		case "segment":
			dst = &m.Segment
		case "plan":
			dst = &m.Plan
		default:
			return m, fmt.Errorf("%s: unknown match field (want segment or plan) (line %d)", key, k.Line)
		}
		var vals []string
		switch v.Kind {
		case yaml.ScalarNode:
			vals = []string{v.Value}
		case yaml.SequenceNode:
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					return m, fmt.Errorf("%s: must list values (line %d)", key, it.Line)
				}
				vals = append(vals, it.Value)
			}
		default:
			return m, fmt.Errorf("%s: must list values (line %d)", key, v.Line)
		}
		if len(vals) == 0 {
			return m, fmt.Errorf("%s: must list at least one value (line %d)", key, v.Line)
		}
		for _, x := range vals {
			if strings.TrimSpace(x) == "" {
				return m, fmt.Errorf("%s: a value must not be empty (line %d)", key, v.Line)
			}
		}
		*dst = vals
	}
	return m, nil
}

// configKeys maps each top-level YAML key of Config to its Go type.
var configKeys = yamlFields(reflect.TypeFor[Config]())

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && tag != "" && tag != "-" {
			out[tag] = f.Type
		}
	}
	return out
}

// knownKeys walks a node against the Go type it will be decoded into and
// reports the first mapping key no field has. The decoder's own check
// (KnownFields) works only on a whole document, and a profile is decoded
// from its node so that errors keep the file's line numbers.
func knownKeys(n *yaml.Node, t reflect.Type, where string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := n.Content[j]
			ft, ok := fields[k.Value]
			if !ok {
				return fmt.Errorf("%s.%s: unknown key (line %d)", where, k.Value, k.Line)
			}
			if err := knownKeys(n.Content[j+1], ft, where+"."+k.Value); err != nil {
				return err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for j := 0; j+1 < len(n.Content); j += 2 {
			if err := knownKeys(n.Content[j+1], t.Elem(), where+"."+n.Content[j].Value); err != nil {
				return err
			}
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for j, it := range n.Content {
			if err := knownKeys(it, t.Elem(), where+"["+strconv.Itoa(j)+"]"); err != nil {
				return err
			}
		}
	}
	// Anything else is a scalar or a shape mismatch, which Decode reports.
	return nil
}

// checkInputs makes sure every custom component reads the same figure in
// every profile that defines it: the store gathers each component once
// for every account, set-based, so a different window or metric under the
// same name could not be honoured. Bands and weights may differ.
func (m *Model) checkInputs() error {
	top := m.Default.Config.Components
	first := map[string]*Profile{}
	for i := range m.Profiles {
		p := &m.Profiles[i]
		for _, name := range sortedKeys(p.Config.Components) {
			def := p.Config.Components[name]
			if t, ok := top[name]; ok && !def.sameInput(t) {
				return fmt.Errorf("profiles[%s].components.%s: metric, aggregate, days and per must match the top level's (a profile may change bands; use another name for another figure)", p.Profile, name)
			}
			if o, ok := first[name]; ok && !def.sameInput(o.Config.Components[name]) {
				return fmt.Errorf("profiles[%s].components.%s: metric, aggregate, days and per must match profile %s's (a profile may change bands; use another name for another figure)", p.Profile, name, o.Profile)
			}
			if _, ok := first[name]; !ok {
				first[name] = p
			}
		}
	}
	return nil
}

// clone is a copy of c that shares no map or slice with it, so a profile
// decoded over the copy cannot write through to the top level.
func (c Config) clone() Config {
	c.Weights = maps.Clone(c.Weights)
	c.ValueFeatures = slices.Clone(c.ValueFeatures)
	c.ReasonCodes = slices.Clone(c.ReasonCodes)
	c.Channels.Default = maps.Clone(c.Channels.Default)
	segs := make(map[string]map[string]string, len(c.Channels.Segments))
	for k, v := range c.Channels.Segments {
		segs[k] = maps.Clone(v)
	}
	c.Channels.Segments = segs
	if c.Components != nil {
		comps := make(map[string]CustomComponent, len(c.Components))
		for k, v := range c.Components {
			v.Bands = slices.Clone(v.Bands)
			comps[k] = v
		}
		c.Components = comps
	}
	c.customNames = slices.Clone(c.customNames)
	return c
}

// scored is the part of a config that decides a score and its status: what
// Version hashes. Reason codes, alerts, targets, schedule and channels do
// not change a score, so editing them keeps the version; weights of 0 and
// unweighted custom components score nothing, so they are left out, and
// value features are a set, so they are sorted.
type scored struct {
	Weights       map[string]float64
	ValueFeatures []string
	Windows       Windows
	Usage         UsageConfig
	Adoption      AdoptionConfig
	Support       SupportConfig
	Engagement    EngagementConfig
	Payment       PaymentConfig
	ExecSponsor   ExecSponsorConfig
	Surveys       SurveysConfig
	Pulse         PulseConfig
	Status        StatusConfig
	Overrides     OverridesConfig
	Components    map[string]CustomComponent
}

// Version is a short hash (8 hex digits of SHA-256) of what scores an
// account under c, written as JSON (map keys sorted, so map order never
// matters). It changes when any number that can change a score or status
// does; scaling every weight by the same factor changes it too, although
// the scores stay the same. Computing it costs a few microseconds: Model
// computes it once per profile at load.
func (c Config) Version() string {
	c = c.filled()
	v := scored{
		Weights: map[string]float64{}, ValueFeatures: slices.Sorted(slices.Values(c.ValueFeatures)),
		Windows: c.Windows, Usage: c.Usage, Adoption: c.Adoption, Support: c.Support, Engagement: c.Engagement,
		Payment: c.Payment, ExecSponsor: c.ExecSponsor, Surveys: c.Surveys, Pulse: c.Pulse,
		Status: c.Status, Overrides: c.Overrides, Components: map[string]CustomComponent{},
	}
	for k, w := range c.Weights {
		if w > 0 {
			v.Weights[k] = w
			if def, ok := c.Components[k]; ok {
				v.Components[k] = def
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only a NaN or infinite number fails to encode, which Validate
		// refuses; hash its printed form rather than fail.
		b = fmt.Appendf(nil, "%#v", v)
	}
	sum := sha256.Sum256(append([]byte("healthbot model v1\n"), b...))
	return hex.EncodeToString(sum[:4])
}
