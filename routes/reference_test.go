package routes

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// This file is an oracle: a line-by-line transliteration of Elasticsearch's PathTrie,
// RestUtils.decodeComponent and RestController.tryAllHandlers, with PathTrie's own data
// layout (the {param} child under the key "*", parameters recorded in one map while
// branches are tried, Java's String.split). Match is an optimized version of the same
// algorithm; TestMatchAgreesWithElasticsearch and FuzzMatch compare the two.

type esNode struct {
	children      map[string]*esNode
	namedWildcard string
	value         *handlers
}

type esTrie struct {
	root      esNode
	rootValue *handlers
}

func isNamedWildcard(key string) bool { return key != "" && key[0] == '{' && key[len(key)-1] == '}' }

// javaSplit is Java's path.split("/") for a non-empty path.
func javaSplit(path string) []string {
	s := strings.Split(path, "/")
	for len(s) > 0 && s[len(s)-1] == "" {
		s = s[:len(s)-1]
	}
	return s
}

func newESTrie(t *Table) *esTrie {
	tr := &esTrie{}
	for _, r := range t.routes {
		mi := methodIndex(r.Method)
		strs := javaSplit(r.Path)
		if len(strs) == 0 {
			if tr.rootValue == nil {
				tr.rootValue = &handlers{}
			}
			tr.rootValue.byMethod[mi], tr.rootValue.set = r, tr.rootValue.set|1<<mi
			continue
		}
		n := &tr.root
		for _, tok := range strs[1:] {
			key := tok
			if isNamedWildcard(tok) {
				key = "*"
			}
			next := n.children[key]
			if next == nil {
				next = &esNode{}
				if isNamedWildcard(tok) {
					next.namedWildcard = tok[1 : len(tok)-1]
				}
				if n.children == nil {
					n.children = map[string]*esNode{}
				}
				n.children[key] = next
			}
			n = next
		}
		if n.value == nil {
			n.value = &handlers{}
		}
		n.value.byMethod[mi], n.value.set = r, n.value.set|1<<mi
	}
	return tr
}

var errDecode = errors.New("decode")

// esDecode is RestUtils.decodeComponent (plus-as-space off), on bytes.
func esDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var buf []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i == len(s)-1 {
				return "", errDecode
			}
			i++
			if s[i] == '%' {
				buf = append(buf, '%')
				continue
			}
			if i == len(s)-1 {
				return "", errDecode
			}
			hi, lo := unhex(s[i]), unhex(s[i+1])
			i++
			if hi < 0 || lo < 0 {
				return "", errDecode
			}
			c = byte(hi<<4 | lo)
		}
		buf = append(buf, c)
	}
	return string(buf), nil
}

func (n *esNode) retrieve(path []string, index int, params map[string]string, m mode) (*handlers, error) {
	if index >= len(path) {
		return nil, nil
	}
	token := path[index]
	node := n.children[token]
	var usedWildcard bool
	if node == nil {
		if m == wildcardNodesAllowed {
			if node = n.children["*"]; node == nil {
				return nil, nil
			}
			usedWildcard = true
		} else if m == wildcardRootNodesAllowed && index == 1 {
			if node = n.children["*"]; node == nil {
				return nil, nil
			}
			usedWildcard = true
		} else if m == wildcardLeafNodesAllowed && index+1 == len(path) {
			if node = n.children["*"]; node == nil {
				return nil, nil
			}
			usedWildcard = true
		} else {
			return nil, nil
		}
	} else {
		if w := n.children["*"]; index+1 == len(path) && node.value == nil &&
			m != explicitNodesOnly && m != wildcardRootNodesAllowed && w != nil {
			node, usedWildcard = w, true
		} else if index == 1 && node.value == nil && m == wildcardRootNodesAllowed && w != nil {
			node, usedWildcard = w, true
		} else {
			usedWildcard = token == "*"
		}
	}
	if err := put(params, node, token); err != nil {
		return nil, err
	}
	if index == len(path)-1 {
		return node.value, nil
	}
	v, err := node.retrieve(path, index+1, params, m)
	if err != nil {
		return nil, err
	}
	if v == nil && !usedWildcard && m != explicitNodesOnly {
		if node = n.children["*"]; node != nil {
			if err := put(params, node, token); err != nil {
				return nil, err
			}
			return node.retrieve(path, index+1, params, m)
		}
	}
	return v, nil
}

func put(params map[string]string, node *esNode, token string) error {
	if params != nil && node.namedWildcard != "" {
		v, err := esDecode(token)
		if err != nil {
			return err
		}
		params[node.namedWildcard] = v
	}
	return nil
}

func (tr *esTrie) retrieve(path string, params map[string]string, m mode) (*handlers, error) {
	if path == "" {
		return tr.rootValue, nil
	}
	strs := javaSplit(path)
	if len(strs) == 0 {
		return tr.rootValue, nil
	}
	index := 0
	if strs[0] == "" {
		index = 1
	}
	return tr.root.retrieve(strs, index, params, m)
}

// esOutcome is what RestController does with a request.
type esOutcome struct {
	route   *Route
	params  map[string]string
	status  int // 0 dispatched, 400 no handler, 405 method not allowed or decode failure, 200 OPTIONS answered
	allowed []string
	decode  bool // the 405 comes from a decoding failure
}

func (tr *esTrie) dispatch(method, rawPath string) esOutcome {
	var valid methodSet // getValidHandlerMethodSet: retrieval without params decodes nothing
	for m := range numModes {
		h, _ := tr.retrieve(rawPath, nil, m)
		valid |= h.methods()
	}
	mi := methodIndex(method)
	if mi < 0 { // request.method() throws IllegalArgumentException
		return esOutcome{status: 405, allowed: valid.names()}
	}
	for m := range numModes {
		params := map[string]string{}
		h, err := tr.retrieve(rawPath, params, m)
		if err != nil {
			return esOutcome{status: 405, allowed: valid.names(), decode: true}
		}
		if r := h.route(mi); r != nil {
			return esOutcome{route: r, params: params}
		}
		if !valid.has(mi) {
			if mi == optionsMethod {
				return esOutcome{status: 200, allowed: valid.names()}
			}
			if valid != 0 {
				return esOutcome{status: 405, allowed: valid.names()}
			}
		}
	}
	return esOutcome{status: 400}
}

// compareWithES checks Match against the oracle for one request and returns a
// description of any difference.
func compareWithES(t *Table, tr *esTrie, method, rawPath string) string {
	path, _, _ := strings.Cut(rawPath, "?")
	want := tr.dispatch(method, path)
	m, err := t.Match(method, rawPath)
	var bad *BadPathError
	var mna *MethodNotAllowedError
	switch {
	case errors.As(err, &bad):
		if checkPath(path) == nil && !strings.Contains(bad.Reason, "(%2F)") {
			return fmt.Sprintf("BadPathError for a path that passes checkPath: %v", err)
		}
		// esguard refuses more encodings than Elasticsearch (see checkPath), and an
		// escaped '/' outside date math once it is captured (see checkSlashes).
		if want.route == nil && !want.decode && strings.Contains(bad.Reason, "(%2F)") {
			return "an escaped '/' refused on a path Elasticsearch does not route"
		}
		return ""
	case want.decode:
		return fmt.Sprintf("Elasticsearch fails to decode, Match gives %v %v", m.Route, err)
	case want.route != nil:
		if err != nil || m.Route != want.route {
			return fmt.Sprintf("want %s %s, got %v %v", want.route.Method, want.route.Path, m.Route, err)
		}
		for _, p := range m.Params() {
			if v, ok := want.params[p.Name]; !ok || v != p.Value {
				return fmt.Sprintf("param %s=%q, Elasticsearch has %q (%v)", p.Name, p.Value, v, ok)
			}
		}
		if len(m.Params()) != strings.Count(want.route.Path, "{") {
			return fmt.Sprintf("%d params for %s", len(m.Params()), want.route.Path)
		}
	case want.status == 405 || want.status == 200: // esguard answers OPTIONS with 405
		if !errors.As(err, &mna) || !slices.Equal(mna.Allowed, want.allowed) {
			return fmt.Sprintf("want %d allowed %v, got %v", want.status, want.allowed, err)
		}
	case want.status == 400:
		if !errors.Is(err, ErrUnknownRoute) {
			return fmt.Sprintf("want no handler found, got %v %v", m.Route, err)
		}
	}
	return ""
}

// variants derives requests from a template: its parameters replaced by plain values,
// "*", "" and encoded text; each segment in turn replaced by literals found at that depth
// in other templates, by "x" and by "*"; and the path cut, extended and given trailing
// or doubled slashes.
func variants(tmpl string, byDepth [][]string, seed int) []string {
	segs := strings.Split(tmpl, "/")
	fill := func(v string) []string {
		out := slices.Clone(segs)
		for i, s := range out {
			if isNamedWildcard(s) {
				out[i] = v
			}
		}
		return out
	}
	plain := strings.Join(fill("v"), "/")
	out := []string{
		plain, plain + "/", plain + "//", "/" + plain, plain + "/x", plain + "/*", plain + "/_search",
		strings.Join(fill("*"), "/"), strings.Join(fill(""), "/"), strings.Join(fill("a%2Cb"), "/"),
		strings.Join(fill("%5Fsearch"), "/"),
	}
	if i := strings.LastIndexByte(plain, '/'); i > 0 {
		out = append(out, plain[:i])
	}
	base := fill("v")
	for i := 1; i < len(base); i++ {
		alts := []string{"x", "*"}
		if i < len(byDepth) {
			for k := range 6 {
				alts = append(alts, byDepth[i][(seed*7+k*13)%len(byDepth[i])])
			}
		}
		for _, alt := range alts {
			v := slices.Clone(base)
			v[i] = alt
			out = append(out, strings.Join(v, "/"))
		}
	}
	return out
}

// literalsByDepth lists, for each segment index of a template, the literal segments the
// table has there.
func literalsByDepth(t *Table) [][]string {
	var sets []map[string]bool
	for _, r := range t.routes {
		for i, s := range strings.Split(r.Path, "/") {
			for len(sets) <= i {
				sets = append(sets, map[string]bool{})
			}
			if s != "" && !isNamedWildcard(s) {
				sets[i][s] = true
			}
		}
	}
	out := make([][]string, len(sets))
	for i, set := range sets {
		out[i] = append(slices.Sorted(maps.Keys(set)), "_all")
	}
	return out
}

func TestMatchAgreesWithElasticsearch(t *testing.T) {
	t.Parallel()
	for _, f := range rowFlavours {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			tb := flavourTable(t, f)
			tr := newESTrie(tb)
			byDepth := literalsByDepth(tb)
			methods := append(methodNames[:], "get", "")
			n := 0
			for k, r := range tb.routes {
				for _, p := range variants(r.Path, byDepth, k) {
					for _, method := range methods {
						n++
						if diff := compareWithES(tb, tr, method, p); diff != "" {
							t.Errorf("%s %q: %s", method, p, diff)
						}
					}
				}
			}
			t.Logf("%d requests compared", n)
		})
	}
}

// TestMatchAgreesWithElasticsearchOnOverlaps compares Match with the oracle on every path
// that two templates of the table both describe (a literal where either has one, a value
// where both have a parameter): the paths where the trie's order of preference decides.
func TestMatchAgreesWithElasticsearchOnOverlaps(t *testing.T) {
	t.Parallel()
	for _, f := range rowFlavours {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			tb := flavourTable(t, f)
			tr := newESTrie(tb)
			seen := map[string]bool{}
			for i, a := range tb.routes {
				sa := strings.Split(a.Path, "/")
			next:
				for _, b := range tb.routes[i+1:] {
					sb := strings.Split(b.Path, "/")
					if len(sa) != len(sb) {
						continue
					}
					meet := make([]string, len(sa))
					for k := range sa {
						pa, pb := isNamedWildcard(sa[k]), isNamedWildcard(sb[k])
						switch {
						case pa && pb:
							meet[k] = "v"
						case pa:
							meet[k] = sb[k]
						case pb || sa[k] == sb[k]:
							meet[k] = sa[k]
						default:
							continue next
						}
					}
					p := strings.Join(meet, "/")
					if seen[p] {
						continue
					}
					seen[p] = true
					for _, method := range []string{a.Method, b.Method, "PATCH", "OPTIONS"} {
						if diff := compareWithES(tb, tr, method, p); diff != "" {
							t.Errorf("%s %q (%s | %s): %s", method, p, a.Path, b.Path, diff)
						}
					}
				}
			}
			t.Logf("%d overlapping paths", len(seen))
		})
	}
}
