package scoring

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ProposalYAML is the config file src with its top-level weights replaced
// by weights, for `healthbot tune --out FILE`: every other key, the
// profiles and the comments are kept (the layout is the YAML encoder's).
// note, when not empty, is written as a comment above the weights. An
// empty src gives a file of the weights alone, over the defaults. Profiles
// that restate weights keep theirs: the tuner proposes the top level's.
// The result is parsed back, so a proposal that would not load is an
// error, never a file.
func ProposalYAML(src []byte, weights map[string]float64, note string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("write proposal: %w", err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("write proposal: the config is not a mapping of keys")
	}
	value := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, name := range weightOrder(weights) {
		value.Content = append(value.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name},
			&yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(weights[name], 'f', -1, 64)})
	}
	var key *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "weights" {
			key = root.Content[i]
			root.Content[i+1] = value
		}
	}
	if key == nil {
		key = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "weights"}
		root.Content = append([]*yaml.Node{key, value}, root.Content...)
	}
	if note != "" {
		lines := strings.Split(strings.TrimRight(note, "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight("# "+l, " ")
		}
		if key.HeadComment != "" {
			lines = append([]string{key.HeadComment, "#"}, lines...)
		}
		key.HeadComment = strings.Join(lines, "\n")
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("write proposal: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write proposal: %w", err)
	}
	if _, err := ParseModel(out.Bytes()); err != nil {
		return nil, fmt.Errorf("write proposal: it would not load: %w", err)
	}
	return out.Bytes(), nil
}

// weightOrder is the display order of the weights' components: the
// built-ins, then the others by name.
func weightOrder(weights map[string]float64) []string {
	var out []string
	for _, c := range Components {
		if _, ok := weights[c]; ok {
			out = append(out, c)
		}
	}
	for _, c := range sortedKeys(weights) {
		if !slices.Contains(Components, c) {
			out = append(out, c)
		}
	}
	return out
}
