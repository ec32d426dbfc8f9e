package privileges

import (
	"slices"
	"sort"
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
	// streams are the data streams that indices name as their parent, sorted by name,
	// each with the positions in sorted of its backing indices (not its failure-store
	// indices): an index granted through its data stream is found from the stream's name.
	streams []streamIndices
}

// streamIndices is one data stream name and the positions of its backing indices in
// Metadata.sorted, ascending. The data stream itself need not be in the metadata.
type streamIndices struct {
	name    string
	backing []int
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
	backing := map[string][]int{}
	for i, a := range m.sorted {
		if a.Kind == KindIndex && a.Parent != "" && !a.Failure {
			backing[a.Parent] = append(backing[a.Parent], i)
		}
	}
	m.streams = make([]streamIndices, 0, len(backing))
	for name, pos := range backing {
		m.streams = append(m.streams, streamIndices{name: name, backing: pos})
	}
	slices.SortFunc(m.streams, func(a, b streamIndices) int { return strings.Compare(a.name, b.name) })
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
	lo, hi := m.prefixRange(prefix)
	return m.sorted[lo:hi]
}

// prefixRange returns the positions [lo, hi) in sorted of the names that start with
// prefix, in O(log n).
func (m *Metadata) prefixRange(prefix string) (lo, hi int) {
	if m == nil {
		return 0, 0
	}
	return prefixBounds(m.sorted, prefix, func(a *Abstraction) string { return a.Name })
}

// position returns the position of name in sorted, or -1.
func (m *Metadata) position(name string) int {
	if i, ok := slices.BinarySearchFunc(m.sorted, name, func(a *Abstraction, n string) int { return strings.Compare(a.Name, n) }); ok {
		return i
	}
	return -1
}

// streamRange returns the positions [lo, hi) in streams of the data stream names that
// start with prefix.
func (m *Metadata) streamRange(prefix string) (lo, hi int) {
	return prefixBounds(m.streams, prefix, func(s streamIndices) string { return s.name })
}

// streamBacking returns the backing index positions of the data stream named name.
func (m *Metadata) streamBacking(name string) []int {
	if i, ok := slices.BinarySearchFunc(m.streams, name, func(s streamIndices, n string) int { return strings.Compare(s.name, n) }); ok {
		return m.streams[i].backing
	}
	return nil
}

// prefixBounds returns the positions [lo, hi) of the elements of s, sorted by name,
// whose names start with prefix: they are contiguous, from the first name not below
// prefix.
func prefixBounds[T any](s []T, prefix string, name func(T) string) (lo, hi int) {
	if prefix == "" {
		return 0, len(s)
	}
	lo, _ = slices.BinarySearchFunc(s, prefix, func(e T, p string) int { return strings.Compare(name(e), p) })
	hi = lo + sort.Search(len(s)-lo, func(i int) bool { return !strings.HasPrefix(name(s[lo+i]), prefix) })
	return lo, hi
}
