package privileges

import (
	"slices"
	"strings"
)

// AbstractionKind is what a name in the cluster stands for (IndexAbstraction.Type).
type AbstractionKind uint8

const (
	KindIndex AbstractionKind = iota + 1
	KindAlias
	KindDataStream
)

// String names the kind as _resolve/index does.
func (k AbstractionKind) String() string {
	switch k {
	case KindIndex:
		return "index"
	case KindAlias:
		return "alias"
	case KindDataStream:
		return "data_stream"
	}
	return "unknown"
}

// IndexMeta describes one concrete index.
type IndexMeta struct {
	Name       string
	Hidden     bool
	Closed     bool
	System     bool
	Aliases    []string
	DataStream string // the data stream this index backs ("" for none)
}

// AliasMeta describes one alias and the indices (or data streams) it points to.
type AliasMeta struct {
	Name    string
	Indices []string
	Hidden  bool
}

// DataStreamMeta describes one data stream.
type DataStreamMeta struct {
	Name           string
	BackingIndices []string
	FailureIndices []string
	Hidden         bool
}

// Abstraction is one name of the cluster: an index, an alias or a data stream.
type Abstraction struct {
	Name   string
	Kind   AbstractionKind
	Hidden bool
	Closed bool   // indices only
	System bool   // indices only
	Parent string // for a backing or failure-store index: its data stream
	// Failure is set on a failure-store index of Parent.
	Failure bool
	// Members are an alias's indices or a data stream's backing indices.
	Members []string
}

// Metadata is a snapshot of the names in a cluster: indices, aliases and data streams,
// with the attributes wildcard expansion needs. It is immutable once built and safe for
// concurrent use.
type Metadata struct {
	byName map[string]*Abstraction
	sorted []*Abstraction // by name
}

// NewMetadata builds the metadata snapshot. An alias or data stream that shares a name
// with an index is ignored (Elasticsearch does not allow it).
func NewMetadata(indices []IndexMeta, aliases []AliasMeta, streams []DataStreamMeta) *Metadata {
	m := &Metadata{byName: make(map[string]*Abstraction, len(indices)+len(aliases)+len(streams))}
	add := func(a *Abstraction) {
		if a.Name == "" {
			return
		}
		if _, dup := m.byName[a.Name]; dup {
			return
		}
		m.byName[a.Name] = a
	}
	for _, ix := range indices {
		add(&Abstraction{Name: ix.Name, Kind: KindIndex, Hidden: ix.Hidden, Closed: ix.Closed, System: ix.System, Parent: ix.DataStream})
	}
	for _, ds := range streams {
		add(&Abstraction{Name: ds.Name, Kind: KindDataStream, Hidden: ds.Hidden, Members: slices.Clone(ds.BackingIndices)})
		for _, f := range ds.FailureIndices {
			if a, ok := m.byName[f]; ok && a.Kind == KindIndex {
				a.Parent, a.Failure = ds.Name, true
			}
		}
		for _, b := range ds.BackingIndices {
			if a, ok := m.byName[b]; ok && a.Kind == KindIndex && a.Parent == "" {
				a.Parent = ds.Name
			}
		}
	}
	for _, al := range aliases {
		add(&Abstraction{Name: al.Name, Kind: KindAlias, Hidden: al.Hidden, Members: slices.Clone(al.Indices)})
	}
	m.sorted = make([]*Abstraction, 0, len(m.byName))
	for _, a := range m.byName {
		m.sorted = append(m.sorted, a)
	}
	slices.SortFunc(m.sorted, func(a, b *Abstraction) int { return strings.Compare(a.Name, b.Name) })
	return m
}

// Lookup returns the abstraction named name.
func (m *Metadata) Lookup(name string) (*Abstraction, bool) {
	if m == nil {
		return nil, false
	}
	a, ok := m.byName[name]
	return a, ok
}

// Len returns the number of names.
func (m *Metadata) Len() int {
	if m == nil {
		return 0
	}
	return len(m.sorted)
}

// All returns every abstraction, sorted by name. The slice must not be modified.
func (m *Metadata) All() []*Abstraction {
	if m == nil {
		return nil
	}
	return m.sorted
}

// Matching returns the names that the wildcard pattern ('*', '?') matches, sorted,
// whatever their kind, state or visibility.
func (m *Metadata) Matching(pattern string) []string {
	var out []string
	for _, a := range m.withPrefix(literalPrefix(pattern)) {
		if globMatch(pattern, a.Name) {
			out = append(out, a.Name)
		}
	}
	return out
}

// withPrefix returns the abstractions whose names start with prefix, sorted by name.
func (m *Metadata) withPrefix(prefix string) []*Abstraction {
	if m == nil {
		return nil
	}
	if prefix == "" {
		return m.sorted
	}
	i, _ := slices.BinarySearchFunc(m.sorted, prefix, func(a *Abstraction, p string) int { return strings.Compare(a.Name, p) })
	j := i
	for j < len(m.sorted) && strings.HasPrefix(m.sorted[j].Name, prefix) {
		j++
	}
	return m.sorted[i:j]
}
