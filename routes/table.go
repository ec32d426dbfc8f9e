package routes

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// es95 is the reference route table of Elasticsearch 9.5 (see the reference README):
// method, path_template, action, index_source, rest_handler, notes.
//
//go:embed data/es-9.5-routes.tsv
var es95 string

// es819 is the route table of Elasticsearch 8.19, derived from es95 (see data/README.md).
//
//go:embed data/es-8.19-routes.tsv
var es819 string

// serverlessHandlers lists the REST handlers of es95 that Elastic Cloud Serverless serves
// to users (@ServerlessScope(Scope.PUBLIC)), with the evidence for each.
//
//go:embed data/serverless-handlers.txt
var serverlessHandlers string

const tableHeader = "method\tpath_template\taction\tindex_source\trest_handler\tnotes"

// maxParams is the most {param} segments a template may have (the table's most is 5, in
// /{index}/_mvt/{field}/{z}/{x}/{y}); Match keeps parameters in an array of this size.
const maxParams = 5

// Table is an immutable route table: the routes of one Elasticsearch flavour, in a trie
// shaped like Elasticsearch's own.
type Table struct {
	// legacy selects the routing of Elasticsearch 1.x and 2.x (see legacyMatch).
	legacy bool
	routes []*Route
	root   node      // the trie below "/"
	top    *handlers // the routes of "/" itself (PathTrie.rootValue)
	// siblings maps a route without indices to the route that adds an {index} segment.
	siblings map[*Route]sibling
}

// es17 and es24 are the route tables of Elasticsearch 1.7 and 2.4, with the Shield and
// license plugins of those versions (flavours shield1 and shield2).
//
//go:embed data/es-1.7-routes.tsv
var es17 string

//go:embed data/es-2.4-routes.tsv
var es24 string

var shield1Table = sync.OnceValue(func() *Table { return mustParse("es-1.7-routes.tsv", es17, tableOptions{legacy: true}) })

var shield2Table = sync.OnceValue(func() *Table { return mustParse("es-2.4-routes.tsv", es24, tableOptions{legacy: true}) })

var defaultTable = sync.OnceValue(func() *Table { return mustParse("es-9.5-routes.tsv", es95, tableOptions{}) })

var es8Table = sync.OnceValue(func() *Table { return mustParse("es-8.19-routes.tsv", es819, tableOptions{}) })

var serverlessTable = sync.OnceValue(func() *Table {
	public, err := parseHandlerList(serverlessHandlers)
	if err != nil {
		panic("routes: embedded serverless-handlers.txt: " + err.Error())
	}
	return mustParse("es-9.5-routes.tsv", es95, tableOptions{keep: func(r *Route) bool { return public[r.Handler] }})
})

// tableOptions shape a table: legacy selects the routing of Elasticsearch 1.x and 2.x,
// and keep, when not nil, chooses the rows the flavour serves.
type tableOptions struct {
	legacy bool
	keep   func(*Route) bool
}

// mustParse parses an embedded table, which the tests keep valid.
func mustParse(name, data string, o tableOptions) *Table {
	t, err := parseTableWith(data, o)
	if err != nil {
		panic("routes: embedded " + name + ": " + err.Error())
	}
	return t
}

// Default returns the Elasticsearch 9.x route table, built once on first use.
func Default() *Table { return defaultTable() }

// Routes returns every route, in the table's order. The slice is the caller's; the
// routes are the table's and must not be modified.
func (t *Table) Routes() []*Route { return slices.Clone(t.routes) }

// parseTable builds a table from the reference TSV text.
func parseTable(data string) (*Table, error) { return parseTableWith(data, tableOptions{}) }

// parseTableWith builds a table from TSV text. With o.keep, the rows it rejects stay in
// the trie, so that every path resolves as in the full table, but Match refuses them:
// their handler is registered and not served.
func parseTableWith(data string, o tableOptions) (*Table, error) {
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	if lines[0] != tableHeader {
		return nil, fmt.Errorf("line 1: header is %q, want %q", lines[0], tableHeader)
	}
	t := &Table{legacy: o.legacy, routes: make([]*Route, 0, len(lines)-1)}
	for n, line := range lines[1:] {
		r, err := parseRoute(line)
		if err == nil {
			r.refused = o.keep != nil && !o.keep(r)
			err = t.add(r)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+2, err)
		}
		if !r.refused {
			t.routes = append(t.routes, r)
		}
	}
	t.linkSiblings()
	return t, nil
}

// add inserts r into the trie. The path is split as PathTrie.insertOrUpdate splits it.
func (t *Table) add(r *Route) error {
	mi := methodIndex(r.Method)
	if r.Path == "/" {
		if t.top == nil {
			t.top = &handlers{}
		}
		return t.top.add(r, mi)
	}
	return t.root.insert(strings.Split(r.Path[1:], "/"), r, mi, t.legacy)
}

// parseHandlerList reads serverless-handlers.txt: one handler class per line, a tab and
// the evidence ("source" or "spec"); blank lines and lines starting with # are skipped.
func parseHandlerList(data string) (map[string]bool, error) {
	out := make(map[string]bool)
	for n, line := range strings.Split(data, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		class, evidence, ok := strings.Cut(line, "\t")
		switch {
		case !ok || class == "" || strings.ContainsAny(class, " \t/"):
			return nil, fmt.Errorf("line %d: want a handler class, a tab and the evidence", n+1)
		case evidence != "source" && evidence != "spec":
			return nil, fmt.Errorf("line %d: evidence %q is neither source nor spec", n+1, evidence)
		case out[class]:
			return nil, fmt.Errorf("line %d: %s is listed twice", n+1, class)
		}
		out[class] = true
	}
	return out, nil
}

// parseRoute parses and checks one row.
func parseRoute(line string) (*Route, error) {
	f := strings.Split(line, "\t")
	if len(f) != 6 {
		return nil, fmt.Errorf("%d fields, want 6", len(f))
	}
	r := &Route{Method: f[0], Path: f[1], Action: f[2], Handler: f[4], Notes: f[5]}
	if methodIndex(r.Method) < 0 {
		return nil, fmt.Errorf("unknown method %q", r.Method)
	}
	if err := parseTemplate(r); err != nil {
		return nil, err
	}
	switch {
	case r.Action == "-":
		r.Action = ""
	case !validAction(r.Action):
		return nil, fmt.Errorf("bad action %q", r.Action)
	}
	if err := parseIndexSource(r, f[3]); err != nil {
		return nil, err
	}
	if r.Handler == "" || strings.ContainsAny(r.Handler, " /") {
		return nil, fmt.Errorf("bad handler %q", r.Handler)
	}
	return r, parseNotes(r)
}

// parseTemplate checks the path template and records its {param} segments.
func parseTemplate(r *Route) error {
	if r.Path == "/" {
		return nil
	}
	if !strings.HasPrefix(r.Path, "/") || strings.HasSuffix(r.Path, "/") {
		return fmt.Errorf("path %q must start and must not end with /", r.Path)
	}
	if checkPath(r.Path) != nil || strings.ContainsAny(r.Path, "?%*") {
		return fmt.Errorf("path %q has a character a template cannot have", r.Path)
	}
	segs := strings.Split(r.Path[1:], "/")
	if len(segs) >= maxSegments {
		return fmt.Errorf("path %q has more than %d segments", r.Path, maxSegments-1)
	}
	for pos, seg := range segs {
		name, isParam := paramName(seg)
		switch {
		case seg == "":
			return fmt.Errorf("path %q has an empty segment", r.Path)
		case isParam:
			if len(r.params) == maxParams {
				return fmt.Errorf("path %q has more than %d parameters", r.Path, maxParams)
			}
			r.params = append(r.params, pathParam{pos: pos, name: name})
		case strings.ContainsAny(seg, "{}"):
			return fmt.Errorf("path %q: bad parameter segment %q", r.Path, seg)
		}
	}
	return nil
}

// paramName returns the name of a {name} segment. PathTrie.TrieNode.isNamedWildcard
// treats a segment as a parameter when it starts with '{' and ends with '}'.
func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}") {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// parseIndexSource parses the index_source column.
func parseIndexSource(r *Route, text string) error {
	switch text {
	case "none":
		r.Source = SourceNone
	case "body":
		r.Source = SourceBody
	default:
		param, ok := strings.CutPrefix(text, "path:")
		if !ok {
			return fmt.Errorf("unknown index source %q", text)
		}
		r.Source = SourcePath
		if p, ok := strings.CutSuffix(param, "+body"); ok {
			param, r.Source = p, SourcePathAndBody
		}
		if !slices.ContainsFunc(r.params, func(p pathParam) bool { return p.name == param }) {
			return fmt.Errorf("index source %q names no parameter of %s", text, r.Path)
		}
		r.IndexParam = param
	}
	if r.IndexSourceText() != text {
		return fmt.Errorf("index source %q does not round-trip", text)
	}
	return nil
}

// nameOnlyNote marks routes whose action Elasticsearch authorizes by name only at the top
// level (RBACEngine.shouldAuthorizeIndexActionNameOnly), checking the concrete indices on
// the sub-requests.
const nameOnlyNote = "top-level check is action-name-only"

// alternativeAlso lists the rows whose also= actions are alternatives that the body
// chooses, not further actions the handler runs: RestGetTokenAction uses token/refresh
// for grant_type=refresh_token and token/create for the other grant types.
var alternativeAlso = map[string]bool{"POST /_security/oauth2/token": true}

// parseNotes reads what Targets needs from the notes: the name-only marker and the
// further actions (also=a,b) that the handler runs after its first one.
func parseNotes(r *Route) error {
	for item := range strings.SplitSeq(r.Notes, "; ") {
		if strings.HasPrefix(item, nameOnlyNote) {
			r.nameOnly = true
		}
		// Scroll, point-in-time close, async results and SQL cursors are not
		// IndicesRequests: Elasticsearch authorizes them by action name and binds the
		// context to the user who created it.
		if strings.Contains(item, "not an IndicesRequest") {
			r.nameOnly, r.continuation = true, true
		}
		// Elasticsearch 1.x and 2.x keep path and query parameters in one map, so a
		// handler that reads its indices from a parameter also reads them from the query
		// when the path has none (GET /_search?index=a), and some read a second one
		// (percolate_index).
		if rest, ok := strings.CutPrefix(item, "query parameter "); ok {
			if p, _, ok := strings.Cut(rest, " names the indices"); ok && p != "" && !strings.Contains(p, " ") {
				r.queryIndices = p
			}
		}
		list, ok := strings.CutPrefix(item, "also=")
		if !ok || alternativeAlso[r.Method+" "+r.Path] {
			continue
		}
		for a := range strings.SplitSeq(list, ",") {
			if !validAction(a) {
				return fmt.Errorf("bad action %q in notes", a)
			}
			r.also = append(r.also, a)
		}
	}
	if r.nameOnly && (r.Action == "" || isClusterAction(r.Action)) {
		return fmt.Errorf("name-only check noted for action %q", r.Action)
	}
	return nil
}

// validAction accepts a transport action name such as indices:data/read/search.
func validAction(a string) bool {
	return (strings.HasPrefix(a, "cluster:") || strings.HasPrefix(a, "indices:") || strings.HasPrefix(a, "internal:")) &&
		!strings.ContainsAny(a, " \t,;")
}
