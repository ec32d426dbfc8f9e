package routes

import (
	"errors"
	"strings"
)

// ErrUnknownRoute means that no route has this path: Elasticsearch answers 400 with
// "no handler found for uri [<uri>] and method [<method>]" (RestController.handleBadRequest).
var ErrUnknownRoute = errors.New("routes: no handler found")

// MethodNotAllowedError means that routes have this path but none has the method:
// Elasticsearch answers 405 with an Allow header (RestController.handleUnsupportedHttpMethod).
type MethodNotAllowedError struct {
	Method  string
	Path    string
	Allowed []string // the methods the path's routes accept, sorted; empty when the path has no route
}

// Error returns Elasticsearch's reason, with the path in place of the URI.
func (e *MethodNotAllowedError) Error() string {
	msg := "Incorrect HTTP method for uri [" + e.Path + "] and method [" + e.Method + "]"
	if len(e.Allowed) > 0 {
		msg += ", allowed: [" + strings.Join(e.Allowed, ", ") + "]"
	}
	return msg
}

// BadPathError means that the path is refused before routing: a malformed percent
// escape, an encoded '/' (%2F) inside a segment, a segment that does not decode to valid
// UTF-8, or a raw byte outside printable ASCII. (Elasticsearch itself answers a malformed
// escape in a captured segment with 405 and RestUtils' message, which Reason repeats,
// and accepts the rest.)
type BadPathError struct {
	Path   string
	Reason string
}

// Error describes the refusal.
func (e *BadPathError) Error() string { return "routes: bad path [" + e.Path + "]: " + e.Reason }

// Param is a path parameter: the name of a {name} segment and the request's segment,
// percent-decoded once.
type Param struct{ Name, Value string }

// Match is the result of routing one request: the route and its path parameters.
type Match struct {
	Route  *Route
	params [maxParams]Param
	n      uint8
	// one and targets hold what Indices and Targets return in the usual cases (one
	// index expression; up to three targets), so that routing a request allocates
	// nothing.
	one     [1]string
	targets [3]Target
}

// Param returns the value of the path parameter name.
func (m *Match) Param(name string) (string, bool) {
	for _, p := range m.params[:m.n] {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// Params returns the path parameters in path order. The slice shares the Match's memory.
func (m *Match) Params() []Param { return m.params[:m.n:m.n] }

// Indices returns the index expressions named in the path of a SourcePath or
// SourcePathAndBody route, split on commas like Elasticsearch's
// Strings.splitStringByCommaToArray, which is Java's String.split: empty items are kept
// except at the end, so "a,,b" gives "a", "" and "b", and "a,b," gives "a" and "b". It
// returns nil when the route has no path source or no item is left, which Elasticsearch
// reads as _all. A single expression is returned in the Match's memory.
func (m *Match) Indices() []string {
	if m.Route == nil || (m.Route.Source != SourcePath && m.Route.Source != SourcePathAndBody) {
		return nil
	}
	v, _ := m.Param(m.Route.IndexParam)
	if v != "" && strings.IndexByte(v, ',') < 0 {
		m.one[0] = v
		return m.one[:1:1]
	}
	return splitIndices(v)
}

// splitIndices splits an index list as Indices describes.
func splitIndices(v string) []string {
	parts := strings.Split(v, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return nil
	}
	return parts
}

// Match routes a request as Elasticsearch's RestController.tryAllHandlers does. rawPath
// is the request path as sent, percent-encoding included; anything from a '?' on is
// ignored (RestRequest.rawPath). Literal segments are compared raw, so "/_sear%63h" is not
// "/_search" but a parameter whose value is "_search".
//
// The trie is searched in each PathTrie.TrieMatchingMode in turn. The first match with a
// route for the method wins. When a match lacks the method, the methods of the matches
// in all modes are collected: a method outside them is refused with
// *MethodNotAllowedError, and a method among them falls through to the next mode, so
// that PUT /_cluster is PUT /{index}. A path that matches nothing is ErrUnknownRoute.
// HEAD is not derived from GET. A method Elasticsearch does not know, and OPTIONS
// (which Elasticsearch answers itself and esguard does not), get *MethodNotAllowedError
// even when the path matches nothing. A path that cannot be decoded is *BadPathError.
// A route whose handler the table's flavour does not serve (a serverless table's
// internal APIs) still decides how the path resolves, and is refused as ErrUnknownRoute.
//
// A table of the shield1 or shield2 flavour routes as Elasticsearch 1.x and 2.x do
// instead (see legacy.go): one trie per method, no 405, empty segments dropped, '+' in a
// parameter read as a space, and an unknown method served as GET, so that the matched
// route's method can differ from the request's.
//
// Match does not allocate unless a parameter needs percent-decoding or it fails.
func (t *Table) Match(method, rawPath string) (Match, error) {
	path, _, _ := strings.Cut(rawPath, "?")
	if err := checkPath(path); err != nil {
		return Match{}, err
	}
	if t.legacy {
		return t.legacyMatch(method, path)
	}
	var buf [maxSegments]string
	segs, fits := splitPath(path, &buf)
	mi := methodIndex(method)
	// RestController.tryAllHandlers takes the first mode whose match has the method.
	// When a mode's match lacks it, handleNoHandlerFound refuses the request if no mode
	// has the method, and otherwise lets the loop go on; so the first mode with the
	// method wins, and only when no mode has it do the methods of all modes decide.
	var allowed methodSet
	for m := range numModes {
		if !fits { // deeper than any template: nothing matches
			break
		}
		h := t.lookup(segs, m)
		if r := h.route(mi); r != nil {
			if r.refused {
				return Match{}, ErrUnknownRoute
			}
			m := newMatch(r, segs)
			if err := m.checkSlashes(path); err != nil {
				return Match{}, err
			}
			return m, nil
		}
		allowed |= h.methods() // getValidHandlerMethodSet
	}
	if allowed != 0 || mi < 0 || mi == optionsMethod {
		return Match{}, &MethodNotAllowedError{Method: method, Path: path, Allowed: allowed.names()}
	}
	return Match{}, ErrUnknownRoute
}

// checkSlashes refuses a parameter that decodes to a value with '/' (an escaped %2F),
// except in the index expressions of a date math name such as "<logs-{now/d}>", whose
// rounding needs it. Elasticsearch accepts the escape in any captured segment, but a
// guard must not let a segment hide a separator from anything that decodes before
// splitting; a date math name is resolved by esguard and forwarded as a plain name.
func (m *Match) checkSlashes(path string) error {
	for _, p := range m.params[:m.n] {
		if strings.IndexByte(p.Value, '/') < 0 {
			continue
		}
		if p.Name == m.Route.IndexParam && (m.Route.Source == SourcePath || m.Route.Source == SourcePathAndBody) {
			ok := true
			for part := range strings.SplitSeq(p.Value, ",") {
				if strings.IndexByte(part, '/') >= 0 && !(strings.HasPrefix(part, "<") && strings.HasSuffix(part, ">")) {
					ok = false
				}
			}
			if ok {
				continue
			}
		}
		return &BadPathError{Path: path, Reason: "encoded '/' (%2F) is only accepted inside a date math index name: [" + p.Value + "]"}
	}
	return nil
}

// lookup is PathTrie.retrieve for one mode.
func (t *Table) lookup(segs []string, m mode) *handlers {
	if len(segs) == 0 {
		return t.top
	}
	i := 0
	if segs[0] == "" { // PathTrie: "Supports initial delimiter."
		i = 1
	}
	return t.root.retrieve(segs, i, m)
}

// newMatch records r's parameters from the request's segments. The trie node of r is
// reached through r's own template, so its {param} positions are the captured segments.
func newMatch(r *Route, segs []string) Match {
	m := Match{Route: r}
	if len(r.params) == 0 {
		return m
	}
	first := 0
	if segs[0] == "" {
		first = 1
	}
	for _, p := range r.params {
		m.params[m.n] = Param{Name: p.name, Value: decodeComponent(segs[first+p.pos])}
		m.n++
	}
	return m
}
