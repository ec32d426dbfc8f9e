package routes

import "strconv"

// IndexSource says where a route's index expressions come from.
type IndexSource uint8

const (
	// SourceNone is "none": a cluster action, or an index action without indices in the
	// path (empty indices mean _all to Elasticsearch).
	SourceNone IndexSource = iota
	// SourcePath is "path:<param>": the path parameter named by Route.IndexParam
	// (index, name or source) carries the index expressions.
	SourcePath
	// SourcePathAndBody is "path:index+body": the path and the body's items or header
	// lines (_bulk, _mget, _msearch, ...).
	SourcePathAndBody
	// SourceBody is "body": only the body (or the query text in it) names indices
	// (_reindex, POST /_aliases, _sql, _query, ...).
	SourceBody
)

// String names the kind of source. It is not the reference table's text, which
// Route.IndexSourceText gives.
func (s IndexSource) String() string {
	switch s {
	case SourceNone:
		return "none"
	case SourcePath:
		return "path"
	case SourcePathAndBody:
		return "path+body"
	case SourceBody:
		return "body"
	}
	return "IndexSource(" + strconv.Itoa(int(s)) + ")"
}

// Route is one row of the route table: a method and path template served by a REST
// handler that executes a transport action. Routes belong to their Table, which shares
// them with every Match: they must not be modified.
type Route struct {
	Method     string      // GET, HEAD, POST, PUT or DELETE
	Path       string      // template exactly as in the table, e.g. /{index}/_search
	Action     string      // transport action; "" when the table says "-" (only authentication applies)
	Source     IndexSource // where the index expressions come from
	IndexParam string      // path parameter carrying index expressions for SourcePath and SourcePathAndBody
	Handler    string      // the Elasticsearch RestHandler class
	Notes      string      // the table's notes, items separated by "; "

	params       []pathParam // the template's {param} segments
	nameOnly     bool        // the top-level check is on the action name only (notes)
	continuation bool        // continues a context (scroll, PIT, async result, SQL cursor) by its id
	also         []string    // further actions the handler runs (notes: also=...)
	queryIndices string      // a query parameter that names the indices (notes; 1.x and 2.x)
	refused      bool        // in the trie, but the table's flavour does not serve its handler
}

// pathParam is a {name} segment of a template, at segment pos counted from the first
// segment after the leading "/".
type pathParam struct {
	pos  int
	name string
}

// Continuation reports whether the route continues or closes a context that an earlier
// request created (a scroll, a point in time, an async result, an SQL cursor), named by
// an id in the path, query or body. Such a request is authorized by its action name
// only, and the context must belong to the caller.
func (r *Route) Continuation() bool { return r.continuation }

// IndexSourceText returns the index source exactly as the reference table writes it:
// "none", "body", "path:index", "path:name", "path:source" or "path:index+body".
func (r *Route) IndexSourceText() string {
	switch r.Source {
	case SourcePath:
		return "path:" + r.IndexParam
	case SourcePathAndBody:
		return "path:" + r.IndexParam + "+body"
	case SourceBody:
		return "body"
	}
	return "none"
}
