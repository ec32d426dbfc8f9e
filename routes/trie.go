package routes

import "fmt"

// mode is PathTrie.TrieMatchingMode. RestController tries the modes in this order.
type mode uint8

const (
	explicitNodesOnly        mode = iota // literal segments only
	wildcardRootNodesAllowed             // a {param} may stand for the first segment
	wildcardLeafNodesAllowed             // a {param} may stand for the last segment
	wildcardNodesAllowed                 // a {param} may stand for any segment
	numModes
)

// methodNames are the methods of RestRequest.Method, sorted so that a methodSet lists
// them in order.
var methodNames = [...]string{"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}

const optionsMethod = 4 // index of OPTIONS in methodNames

// methodIndex returns the index of method in methodNames, or -1 for a method
// Elasticsearch does not know (it compares names case-sensitively).
func methodIndex(method string) int {
	switch method {
	case "CONNECT":
		return 0
	case "DELETE":
		return 1
	case "GET":
		return 2
	case "HEAD":
		return 3
	case "OPTIONS":
		return optionsMethod
	case "PATCH":
		return 5
	case "POST":
		return 6
	case "PUT":
		return 7
	case "TRACE":
		return 8
	}
	return -1
}

// methodSet is a set of methods, one bit per methodNames index.
type methodSet uint16

func (s methodSet) has(i int) bool { return i >= 0 && s&(1<<i) != 0 }

// names lists the set's methods, sorted.
func (s methodSet) names() []string {
	var out []string
	for i, name := range methodNames {
		if s.has(i) {
			out = append(out, name)
		}
	}
	return out
}

// handlers is RestController's MethodHandlers: the routes registered at one path, by method.
type handlers struct {
	byMethod [len(methodNames)]*Route
	set      methodSet
}

// route returns the route for method index i, or nil. A nil receiver has no routes.
func (h *handlers) route(i int) *Route {
	if h == nil || i < 0 {
		return nil
	}
	return h.byMethod[i]
}

func (h *handlers) methods() methodSet {
	if h == nil {
		return 0
	}
	return h.set
}

// node is PathTrie.TrieNode. PathTrie keeps the {param} child in its children map under
// the key "*"; here it is the field wild, and child reproduces the map lookup.
type node struct {
	children map[string]*node // literal children, by segment
	wild     *node            // the {param} child
	name     string           // the parameter name, when this node is a {param} segment
	// perMethod holds the parameter name by method in a legacy table, where each
	// method has its own trie (RestController of Elasticsearch 1.x and 2.x).
	perMethod *[len(methodNames)]string
	value     *handlers // routes whose template ends here; nil when none
}

// child is PathTrie's children.get(token): a request segment that is literally "*" finds
// the {param} child, because that is its key in PathTrie's map.
func (n *node) child(seg string) *node {
	if seg == "*" {
		return n.wild
	}
	return n.children[seg]
}

// retrieve mirrors PathTrie.TrieNode.retrieve: it finds the handlers for segs[i:] below
// n in the given mode, preferring literal children and falling back to the {param} child
// when the literal branch finds nothing (except in EXPLICIT_NODES_ONLY). It returns nil
// when nothing is registered there.
func (n *node) retrieve(segs []string, i int, m mode) *handlers {
	if i >= len(segs) {
		return nil
	}
	seg, last := segs[i], i+1 == len(segs)
	next := n.child(seg)
	var usedWildcard bool
	switch {
	case next == nil:
		if !(m == wildcardNodesAllowed || m == wildcardRootNodesAllowed && i == 1 || m == wildcardLeafNodesAllowed && last) ||
			n.wild == nil {
			return nil
		}
		next, usedWildcard = n.wild, true
	case next.value == nil && n.wild != nil &&
		(last && (m == wildcardLeafNodesAllowed || m == wildcardNodesAllowed) || i == 1 && m == wildcardRootNodesAllowed):
		// A literal node without routes at the end of the path (or at the root, in
		// WILDCARD_ROOT_NODES_ALLOWED) gives way to the {param} child.
		next, usedWildcard = n.wild, true
	default:
		usedWildcard = seg == "*"
	}
	if last {
		return next.value
	}
	v := next.retrieve(segs, i+1, m)
	if v == nil && !usedWildcard && m != explicitNodesOnly && n.wild != nil {
		v = n.wild.retrieve(segs, i+1, m)
	}
	return v
}

// insert adds r below n for the template segments segs (without the leading empty
// segment), like PathTrie.insertOrUpdate with MethodHandlers.addMethod. It refuses what
// Elasticsearch refuses at startup: two parameter names for one trie node
// (TrieNode.updateNamedWildcard) and two routes for one method and path.
//
// It also refuses a {param} named like a {param} above it in the trie (those are the
// parameters of the template that creates it). PathTrie records parameters in one map
// while it tries branches and keeps what a failed branch recorded, so a branch failing
// below such a node could overwrite the value of the parameter above, which Match does
// not reproduce. Without repeated names, the parameters of the winning branch are exactly
// Elasticsearch's. (A stale extra name can make Elasticsearch refuse the request for an
// unrecognized parameter, or shadow a query parameter of that name; no node is named
// op_type, the one query parameter Targets reads.)
//
// In a legacy table, each method has its own trie, so only the routes of one method must
// agree on a parameter name. (Elasticsearch 1.x and 2.x do not refuse a second name: they
// rename the node, and the routes registered first then read their parameter under the
// other name. A table must not rely on that.)
func (n *node) insert(segs []string, r *Route, mi int, legacy bool) error {
	for i, seg := range segs {
		if name, ok := paramName(seg); ok {
			if n.wild == nil {
				n.wild = &node{name: name}
			}
			switch {
			case legacy:
				if n.wild.perMethod == nil {
					n.wild.perMethod = new([len(methodNames)]string)
				}
				if prev := n.wild.perMethod[mi]; prev != "" && prev != name {
					return fmt.Errorf("conflicting wildcard names for same path and method %s: %s and %s", r.Method, prev, name)
				}
				n.wild.perMethod[mi] = name
			case n.wild.name != name:
				return fmt.Errorf("conflicting wildcard names for same path: %s and %s", n.wild.name, name)
			}
			for _, above := range segs[:i] {
				if above == seg {
					return fmt.Errorf("parameter %s appears twice in %s", seg, r.Path)
				}
			}
			n = n.wild
			continue
		}
		next := n.children[seg]
		if next == nil {
			next = &node{}
			if n.children == nil {
				n.children = map[string]*node{}
			}
			n.children[seg] = next
		}
		n = next
	}
	if n.value == nil {
		n.value = &handlers{}
	}
	return n.value.add(r, mi)
}

// add registers r for method index mi, like MethodHandlers.addMethod.
func (h *handlers) add(r *Route, mi int) error {
	if h.byMethod[mi] != nil {
		return fmt.Errorf("cannot replace existing handler for [%s] for method: %s", r.Path, r.Method)
	}
	h.byMethod[mi] = r
	h.set |= 1 << mi
	return nil
}
