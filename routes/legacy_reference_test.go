package routes

import (
	"errors"
	"strings"
	"testing"
)

// This file transliterates the routing of Elasticsearch 1.7 and 2.4 (identical in both):
// RestController keeps one PathTrie per method, PathTrie splits with
// Strings.splitStringToArray (empty segments dropped) and decodes captured segments with
// RestUtils.decodeComponent ('+' is a space), and NettyHttpRequest.method serves an
// unknown method as GET. FuzzLegacyMatch compares Match with it.

type legacyESNode struct {
	children      map[string]*legacyESNode
	namedWildcard string
	value         *Route
}

// legacyESTrie is RestController's tries, by method name.
type legacyESTrie struct {
	roots     map[string]*legacyESNode
	rootValue map[string]*Route
}

// splitStringToArray is Strings.splitStringToArray(s, '/').
func splitStringToArray(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "/") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newLegacyESTrie(t *Table) *legacyESTrie {
	tr := &legacyESTrie{roots: map[string]*legacyESNode{}, rootValue: map[string]*Route{}}
	for _, r := range t.routes {
		strs := splitStringToArray(r.Path)
		if len(strs) == 0 {
			tr.rootValue[r.Method] = r
			continue
		}
		n := tr.roots[r.Method]
		if n == nil {
			n = &legacyESNode{}
			tr.roots[r.Method] = n
		}
		for _, tok := range strs {
			key := tok
			if strings.Contains(tok, "{") && strings.Contains(tok, "}") {
				key = "*"
			}
			next := n.children[key]
			if next == nil {
				next = &legacyESNode{}
				if n.children == nil {
					n.children = map[string]*legacyESNode{}
				}
				n.children[key] = next
			}
			if key == "*" {
				next.namedWildcard = tok[strings.IndexByte(tok, '{')+1 : strings.IndexByte(tok, '}')]
			}
			n = next
		}
		n.value = r
	}
	return tr
}

func (n *legacyESNode) retrieve(path []string, index int, params map[string]string) (*Route, error) {
	if index >= len(path) {
		return nil, nil
	}
	token := path[index]
	node := n.children[token]
	var usedWildcard bool
	if node == nil {
		if node = n.children["*"]; node == nil {
			return nil, nil
		}
		usedWildcard = true
	} else if w := n.children["*"]; index+1 == len(path) && node.value == nil && w != nil {
		node, usedWildcard = w, true
	} else {
		usedWildcard = token == "*"
	}
	if err := legacyPut(params, node, token); err != nil {
		return nil, err
	}
	if index == len(path)-1 {
		return node.value, nil
	}
	res, err := node.retrieve(path, index+1, params)
	if err != nil {
		return nil, err
	}
	if res == nil && !usedWildcard {
		if node = n.children["*"]; node != nil {
			if err := legacyPut(params, node, token); err != nil {
				return nil, err
			}
			return node.retrieve(path, index+1, params)
		}
	}
	return res, nil
}

func legacyPut(params map[string]string, node *legacyESNode, token string) error {
	if node.namedWildcard == "" {
		return nil
	}
	v, err := esDecode(strings.ReplaceAll(token, "+", " "))
	if err != nil {
		return err
	}
	params[node.namedWildcard] = v
	return nil
}

// retrieve is RestController.getHandler with its method switch.
func (tr *legacyESTrie) retrieve(method, path string, params map[string]string) (*Route, error) {
	switch method {
	case "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS":
	default:
		method = "GET"
	}
	strs := splitStringToArray(path)
	if len(strs) == 0 {
		return tr.rootValue[method], nil
	}
	root := tr.roots[method]
	if root == nil {
		return nil, nil
	}
	return root.retrieve(strs, 0, params)
}

// compareLegacy reports how Match differs from the transliteration, or "".
func compareLegacy(tb *Table, tr *legacyESTrie, method, rawPath string) string {
	path, _, _ := strings.Cut(rawPath, "?")
	m, err := tb.Match(method, rawPath)
	var bad *BadPathError
	if errors.As(err, &bad) {
		return "" // esguard refuses more paths than Elasticsearch (escapes, raw bytes, %2F)
	}
	params := map[string]string{}
	want, esErr := tr.retrieve(method, path, params)
	switch {
	case esErr != nil:
		if err == nil {
			return "matched a path whose parameter Elasticsearch cannot decode"
		}
	case want == nil:
		if err == nil {
			return "matched " + m.Route.Method + " " + m.Route.Path + ", Elasticsearch finds no handler"
		}
	case err != nil:
		if len(splitStringToArray(path)) >= maxSegments {
			return ""
		}
		return "error " + err.Error() + ", Elasticsearch serves " + want.Method + " " + want.Path
	case m.Route != want:
		return "matched " + m.Route.Method + " " + m.Route.Path + ", Elasticsearch serves " + want.Method + " " + want.Path
	default:
		for _, p := range m.Params() {
			if params[p.Name] != p.Value {
				return "param " + p.Name + " = " + p.Value + ", Elasticsearch has " + params[p.Name]
			}
		}
	}
	return ""
}

func TestLegacyMatchAgreesWithElasticsearch(t *testing.T) {
	t.Parallel()
	for _, lt := range legacyTables {
		tb, _ := ForFlavour(lt.flavour)
		tr := newLegacyESTrie(tb)
		words := []string{"", "logs", "_search", "_cluster", "_mapping", "_alias", "_cat", "_nodes", "t", "1", "*", "_all",
			"_source", "_percolate", "count", "_shield", "user", "_password", "_scripts", "template", "a+b", "x%41"}
		methods := []string{"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}
		for _, meth := range methods {
			for _, a := range words {
				for _, b := range words {
					for _, c := range words {
						for _, p := range []string{"/" + a, "/" + a + "/" + b, "/" + a + "/" + b + "/" + c, "/" + a + "/" + b + "/" + c + "/_explain"} {
							if diff := compareLegacy(tb, tr, meth, p); diff != "" {
								t.Fatalf("%s: %s %s: %s", lt.flavour, meth, p, diff)
							}
						}
					}
				}
			}
		}
	}
}

// FuzzLegacyMatch checks that Match on the shield2 table never panics and agrees with
// the transliteration of Elasticsearch 2.4's routing.
func FuzzLegacyMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"GET", "/"}, {"PUT", "/_cluster"}, {"GET", "//logs//_search/"}, {"DELETE", "/_search"},
		{"PATCH", "/a/b/1"}, {"GET", "/a+b/_search"}, {"GET", "/_shield/user/_password"}, {"OPTIONS", "/"},
	} {
		f.Add(s[0], s[1])
	}
	tb, _ := ForFlavour("shield2")
	tr := newLegacyESTrie(tb)
	f.Fuzz(func(t *testing.T, method, path string) {
		m, err := tb.Match(method, path)
		var mna *MethodNotAllowedError
		var bad *BadPathError
		switch {
		case err == nil:
			_, _ = m.Targets(func(string) (string, bool) { return path, true })
		case errors.Is(err, ErrUnknownRoute), errors.As(err, &mna), errors.As(err, &bad):
		default:
			t.Fatalf("Match(%q, %q): unexpected error %v", method, path, err)
		}
		if diff := compareLegacy(tb, tr, method, path); diff != "" {
			t.Fatalf("Match(%q, %q): %s", method, path, diff)
		}
	})
}
