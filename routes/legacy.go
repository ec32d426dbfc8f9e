package routes

import "strings"

// Routing in Elasticsearch 1.x and 2.x (the shield1 and shield2 flavours) differs from
// the current RestController in four ways, all read from the 1.7 and 2.4 sources
// (RestController, PathTrie, Strings.splitStringToArray, RestUtils.decodeComponent,
// NettyHttpRequest.method):
//
//   - Each method has its own PathTrie, searched once (there are no matching modes): a
//     literal segment is preferred, a {param} is tried when the literal branch finds
//     nothing, and at the last segment a literal node without a route for the method
//     gives way to the {param} node. A path with no route for the method gets 400 ("No
//     handler found"), never 405, whatever other methods the path has.
//   - The path is split on '/' with empty segments dropped, so "//a///b/" is "/a/b".
//   - A captured parameter is decoded with '+' read as a space.
//   - A method other than GET, POST, PUT, DELETE, HEAD and OPTIONS is served as GET.

// legacyMethods are the methods of RestRequest.Method in 1.x and 2.x.
const legacyMethods = 1<<1 | 1<<2 | 1<<3 | 1<<optionsMethod | 1<<6 | 1<<7

// legacyMethod returns the methodNames index Elasticsearch 1.x and 2.x serve method as:
// NettyHttpRequest.method answers GET for any method it does not know.
func legacyMethod(method string) int {
	if mi := methodIndex(method); mi >= 0 && legacyMethods&(1<<mi) != 0 {
		return mi
	}
	return methodIndex("GET")
}

// splitLegacy splits a raw path like Strings.splitStringToArray(path, '/'): empty
// segments are dropped. fits is false when more than maxSegments segments remain.
func splitLegacy(path string, buf *[maxSegments]string) (segs []string, fits bool) {
	n := 0
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		if n == len(buf) {
			return nil, false
		}
		buf[n] = seg
		n++
	}
	return buf[:n], true
}

// legacyMatch is Match for Elasticsearch 1.x and 2.x. A path with no route for the
// request's method is ErrUnknownRoute; OPTIONS, which Elasticsearch answers itself
// when no route has it, is *MethodNotAllowedError, as in Match.
func (t *Table) legacyMatch(method, path string) (Match, error) {
	var buf [maxSegments]string
	segs, fits := splitLegacy(path, &buf)
	mi := legacyMethod(method)
	var r *Route
	switch {
	case !fits:
	case len(segs) == 0:
		r = t.top.route(mi)
	default:
		r = t.root.retrieveLegacy(segs, 0, mi)
	}
	if r == nil {
		if mi == optionsMethod {
			return Match{}, &MethodNotAllowedError{Method: method, Path: path}
		}
		return Match{}, ErrUnknownRoute
	}
	m := Match{Route: r}
	for _, p := range r.params {
		m.params[m.n] = Param{Name: p.name, Value: decodeLegacy(segs[p.pos])}
		m.n++
	}
	if err := m.checkSlashes(path); err != nil {
		return Match{}, err
	}
	return m, nil
}

// retrieveLegacy is PathTrie.TrieNode.retrieve of 1.x and 2.x on the trie of one method
// (mi). The trie here holds the routes of every method; a node that only other methods'
// routes pass through has no route of method mi below it, so trying it finds nothing
// and the search goes on exactly as if the node were absent.
func (n *node) retrieveLegacy(segs []string, i int, mi int) *Route {
	if i >= len(segs) {
		return nil
	}
	seg, last := segs[i], i+1 == len(segs)
	next := n.child(seg)
	var usedWildcard bool
	switch {
	case next == nil:
		if n.wild == nil {
			return nil
		}
		next, usedWildcard = n.wild, true
	case last && next.value.route(mi) == nil && n.wild != nil:
		next, usedWildcard = n.wild, true
	default:
		usedWildcard = seg == "*"
	}
	if last {
		return next.value.route(mi)
	}
	r := next.retrieveLegacy(segs, i+1, mi)
	if r == nil && !usedWildcard && n.wild != nil {
		r = n.wild.retrieveLegacy(segs, i+1, mi)
	}
	return r
}

// decodeLegacy is RestUtils.decodeComponent of 1.x and 2.x: decodeComponent with '+'
// read as a space. The segment must have passed checkComponent.
func decodeLegacy(s string) string {
	if strings.IndexByte(s, '+') < 0 {
		return decodeComponent(s)
	}
	return decodeComponent(strings.ReplaceAll(s, "+", "%20"))
}
