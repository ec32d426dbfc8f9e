package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// readYAML parses one YAML file into its document node. An empty file is an empty mapping.
func readYAML(path string) (*yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1}, nil
		}
		return nil, err
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		n := doc.Content[0]
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line}, nil
		}
		return n, nil
	}
	return &doc, nil
}

// pair is one key/value of a YAML mapping.
type pair struct {
	key   string
	line  int
	value *yaml.Node
}

// pairs returns the entries of a mapping node, or an error naming what it is instead.
func pairs(n *yaml.Node) ([]pair, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("expected a mapping, found %s", kindName(n))
	}
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		out = append(out, pair{key: k.Value, line: k.Line, value: n.Content[i+1]})
	}
	return out, nil
}

// item is one string in a YAML string-or-list value, with its line.
type item struct {
	value string
	line  int
}

// stringList reads a scalar or a sequence of scalars.
func stringList(n *yaml.Node) ([]item, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []item{{n.Value, n.Line}}, nil
	case yaml.SequenceNode:
		out := make([]item, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
				return nil, fmt.Errorf("line %d: expected a string, found %s", c.Line, kindName(c))
			}
			out = append(out, item{c.Value, c.Line})
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected a string or a list of strings, found %s", kindName(n))
}

func values(items []item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.value
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

// errLine extracts the line a yaml error refers to, if any, so the problem can carry it.
func errLine(err error, fallback int) int {
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr == nil {
		return line
	}
	return fallback
}

// keyLines maps the keys of a configuration file's first two levels ("upstream",
// "upstream.nodes") to their lines, so problems found after decoding can name a line.
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) != 1 {
		return out
	}
	top, err := pairs(doc.Content[0])
	if err != nil {
		return out
	}
	for _, p := range top {
		out[p.key] = p.line
		if sub, err := pairs(p.value); err == nil {
			for _, q := range sub {
				out[p.key+"."+q.key] = q.line
			}
		}
	}
	return out
}
