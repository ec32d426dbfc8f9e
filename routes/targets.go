package routes

import (
	"errors"
	"strings"
)

// Target is one (action, index expressions) pair a request must be authorized for.
type Target struct {
	Action string
	// Indices are the index expressions as written (split on commas); nil means none
	// were given, which for an index-level action means _all. Targets of one request may
	// share the slice: treat it as read-only.
	Indices []string
	// NameOnly is Elasticsearch's top-level "action name only" check for composite
	// requests: the role must grant Action on some index, whatever Indices say.
	NameOnly bool
}

// ErrBodyTargets means that the route names indices in the request body (SourceBody,
// SourcePathAndBody): the caller reads them with the routes/bodies package.
var ErrBodyTargets = errors.New("routes: the request names indices in its body")

// BadRequestError is a request that Elasticsearch refuses before running any action,
// with its exception type (e.g. illegal_argument_exception) and reason.
type BadRequestError struct {
	Type   string
	Reason string
}

// Error returns the type and the reason.
func (e *BadRequestError) Error() string { return e.Type + ": " + e.Reason }

// Actions whose targets depend on the request (RestIndexAction, RestSearchTemplateAction).
const (
	actionIndex          = "indices:data/write/index"
	actionIndexOpIndex   = actionIndex + ":op_type/index"
	actionIndexOpCreate  = actionIndex + ":op_type/create"
	actionSearch         = "indices:data/read/search"
	actionSearchTemplate = "indices:data/read/search/template"

	handlerCreate = "org.elasticsearch.rest.action.document.RestIndexAction.CreateHandler"
	handlerAutoID = "org.elasticsearch.rest.action.document.RestIndexAction.AutoIdHandler"
)

// Targets returns what the request must be authorized for, from the matched route and
// the query string: query returns the decoded value Elasticsearch would read for a
// parameter (the last one given), and may be nil when there is no query string. The
// targets share the Match's memory when they fit in it: the next call on the same Match
// may overwrite them.
//
//   - A route without an action has no targets (an empty slice).
//   - A route that names indices in the body gives ErrBodyTargets.
//   - A cluster action (cluster:*, indices:admin/template/*, indices:admin/index_template/*,
//     ClusterPrivilegeResolver.isClusterAction) gives one target without indices.
//   - An index action gives one target with the path's indices (nil when the route has
//     none, meaning _all).
//   - An action that Elasticsearch checks by name only at the top level
//     (RBACEngine.shouldAuthorizeIndexActionNameOnly) gives a NameOnly target, then,
//     when the path names indices, the target that the sub-requests check on them:
//     indices:data/write/index:op_type/create or :op_type/index for a document write (from
//     the handler and op_type, as RestIndexAction decides; a bad op_type is
//     *BadRequestError), indices:data/read/search for a search template, and the action
//     itself otherwise (indices:data/write/delete for a delete).
//   - In a 1.x or 2.x table, a route whose handler reads its indices from a parameter
//     that the query can give (notes: "query parameter index names the indices") takes
//     them from the query when the path has none, as Elasticsearch then does; a route
//     with indices in the path refuses such a parameter (percolate_index) with
//     *BadRequestError, since it would redirect the action away from the path's indices.
//   - The further actions the handler runs (the table's also=, e.g. indices:monitor/segments
//     after cluster:monitor/state for GET /_cat/segments/{index}) follow, classified the
//     same way.
func (m *Match) Targets(query func(key string) (string, bool)) ([]Target, error) {
	r := m.Route
	if r == nil || r.Action == "" {
		return []Target{}, nil
	}
	if r.Source == SourceBody || r.Source == SourcePathAndBody {
		return nil, ErrBodyTargets
	}
	idx := m.Indices()
	var ts []Target
	if n := 2 + len(r.also); n <= len(m.targets) {
		ts = m.targets[:0:n]
	} else {
		ts = make([]Target, 0, n)
	}
	first := idx
	if r.queryIndices != "" && query != nil {
		if v, ok := query(r.queryIndices); ok {
			if r.Source != SourceNone {
				return nil, &BadRequestError{Type: "illegal_argument_exception",
					Reason: "esguard does not accept the [" + r.queryIndices + "] parameter here: it would send the request to other indices than the path names"}
			}
			first = splitIndices(v)
		}
	}
	if r.nameOnly {
		ts = append(ts, Target{Action: r.Action, Indices: idx, NameOnly: true})
		if r.Source == SourcePath {
			item, err := itemAction(r, query)
			if err != nil {
				return nil, err
			}
			ts = append(ts, Target{Action: item, Indices: idx})
		}
	} else {
		ts = append(ts, target(r.Action, first))
	}
	for _, a := range r.also {
		ts = append(ts, target(a, idx))
	}
	return ts, nil
}

// target is the target of action on the path's indices, or on none for a cluster action.
func target(action string, idx []string) Target {
	if isClusterAction(action) {
		return Target{Action: action}
	}
	return Target{Action: action, Indices: idx}
}

// isClusterAction is ClusterPrivilegeResolver.isClusterAction: template actions are
// cluster actions despite their indices: prefix.
func isClusterAction(action string) bool {
	return strings.HasPrefix(action, "cluster:") ||
		strings.HasPrefix(action, "indices:admin/template/") ||
		strings.HasPrefix(action, "indices:admin/index_template/")
}

// itemAction is the action checked on the concrete indices below a name-only check.
func itemAction(r *Route, query func(string) (string, bool)) (string, error) {
	switch r.Action {
	case actionIndex:
		return indexItemAction(r, query)
	case actionSearchTemplate: // TransportSearchTemplateAction runs a search on the same indices
		return actionSearch, nil
	}
	return r.Action, nil
}

// indexItemAction mirrors RestIndexAction and IndexRequest.opType(String): the create
// handler (/_create/{id}) accepts only op_type=create, the auto-id handler (POST
// /{index}/_doc) defaults to create, the others default to index, and op_type is compared
// ignoring case. The bulk item action is then :op_type/create or :op_type/index
// (TransportBulkAction).
func indexItemAction(r *Route, query func(string) (string, bool)) (string, error) {
	var op string
	var set bool
	if query != nil {
		op, set = query("op_type")
	}
	switch {
	case r.Handler == handlerCreate:
		if set && !asciiEqualFold(op, "create") {
			return "", &BadRequestError{Type: "illegal_argument_exception", Reason: "opType must be 'create', found: [" + op + "]"}
		}
		return actionIndexOpCreate, nil
	case !set && r.Handler == handlerAutoID:
		return actionIndexOpCreate, nil
	case !set, asciiEqualFold(op, "index"):
		return actionIndexOpIndex, nil
	case asciiEqualFold(op, "create"):
		return actionIndexOpCreate, nil
	}
	return "", &BadRequestError{Type: "illegal_argument_exception", Reason: "opType must be 'create' or 'index', found: [" + op + "]"}
}

// asciiEqualFold reports whether s equals the lower-case ASCII word lower, ignoring ASCII
// case. For "create" and "index" this is Java's s.toLowerCase(Locale.ROOT).equals(lower):
// no other character lower-cases to one of their letters.
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
