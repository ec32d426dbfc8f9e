package routes

import (
	"errors"
	"strings"
)

// ErrNoIndexRoute means that a request cannot be rewritten to name indices: its route has
// no index parameter and no sibling route with one.
var ErrNoIndexRoute = errors.New("routes: the route has no form that names indices")

// WithIndex returns the route that serves the same action with the index expressions in
// the path: the route itself for SourcePath and SourcePathAndBody routes, and for a route
// without indices (GET /_search, GET /_cat/indices, GET /_alias/{name}) its sibling whose
// template adds an {index} segment (GET /{index}/_search, GET /_cat/indices/{index},
// GET /{index}/_alias/{name}). It returns nil when there is none.
func (t *Table) WithIndex(r *Route) *Route {
	r, _ = t.withIndex(r)
	return r
}

// withIndex is WithIndex with the name of the parameter that carries the indices.
func (t *Table) withIndex(r *Route) (*Route, string) {
	if r.Source == SourcePath || r.Source == SourcePathAndBody {
		return r, r.IndexParam
	}
	s, ok := t.siblings[r]
	if !ok {
		return nil, ""
	}
	return s.route, s.param
}

// sibling is the route that names the indices of a route without them, and the
// parameter that carries them.
type sibling struct {
	route *Route
	param string
}

// linkSiblings records, for each route without indices, the route of the same method and
// action whose template is its own with one {index} segment added (or, for a name-only
// listing such as GET /_data_stream or GET /_cat/aliases, its {name} or {alias} form).
func (t *Table) linkSiblings() {
	byKey := map[string]sibling{}
	for _, r := range t.routes {
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			name, isParam := paramName(s)
			if !isParam {
				continue
			}
			switch {
			case r.Source == SourcePath && name == r.IndexParam:
			case r.Source == SourceNone && name == "alias" && i == len(segs)-1:
			default:
				continue
			}
			key := r.Method + " " + r.Action + " " + strings.Join(append(segs[:i:i], segs[i+1:]...), "/")
			byKey[key] = sibling{route: r, param: name}
		}
	}
	t.siblings = map[*Route]sibling{}
	for _, r := range t.routes {
		if r.Source != SourceNone || r.Action == "" {
			continue
		}
		if s, ok := byKey[r.Method+" "+r.Action+" "+r.Path]; ok && s.route != r {
			t.siblings[r] = s
		}
	}
}

// PathWithIndices returns the raw path that asks the matched route's action for the
// given index expressions instead of the request's: the index segment replaced (or, for
// a route without one, the sibling route's path, see Table.WithIndex), every other
// parameter kept, each segment percent-encoded as Elasticsearch decodes it.
func (t *Table) PathWithIndices(m *Match, indices []string) (string, error) {
	r, param := t.withIndex(m.Route)
	if r == nil {
		return "", ErrNoIndexRoute
	}
	var b strings.Builder
	for seg := range strings.SplitSeq(r.Path[1:], "/") {
		b.WriteByte('/')
		name, isParam := paramName(seg)
		switch {
		case !isParam:
			b.WriteString(seg)
		case name == param:
			for i, idx := range indices {
				if i > 0 {
					b.WriteByte(',')
				}
				writeEscaped(&b, idx)
			}
		default:
			v, ok := m.Param(name)
			if !ok {
				return "", ErrNoIndexRoute
			}
			writeEscaped(&b, v)
		}
	}
	return b.String(), nil
}

// PathWithParams returns the raw path of the matched route with its parameters taken
// from params (by name), each percent-encoded as Elasticsearch decodes it.
func (t *Table) PathWithParams(m *Match, params []Param) (string, error) {
	r := m.Route
	var b strings.Builder
	for seg := range strings.SplitSeq(r.Path[1:], "/") {
		b.WriteByte('/')
		name, isParam := paramName(seg)
		if !isParam {
			b.WriteString(seg)
			continue
		}
		found := false
		for _, p := range params {
			if p.Name == name {
				for i, part := range strings.Split(p.Value, ",") {
					if i > 0 {
						b.WriteByte(',')
					}
					writeEscaped(&b, part)
				}
				found = true
				break
			}
		}
		if !found {
			return "", errors.New("routes: no value for parameter " + name)
		}
	}
	return b.String(), nil
}

// writeEscaped writes a path segment value so that RestUtils.decodeComponent gives it
// back: everything but letters, digits and "-._~*:" is percent-encoded ("," too, since
// the caller joins lists itself).
func writeEscaped(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '*', c == ':':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}
