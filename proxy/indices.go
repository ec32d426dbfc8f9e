package proxy

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/routes"
	"github.com/valyala/fasthttp"
)

// maxForwardedLine is Elasticsearch's default http.max_initial_line_length: a narrowed
// request line longer than this would be refused upstream.
const maxForwardedLine = 4096

// indicesOptions reads expand_wildcards, ignore_unavailable and allow_no_indices over the
// action's defaults (IndicesOptions.fromRequest).
func indicesOptions(action string, query func(string) (string, bool)) (privileges.IndicesOptions, *HTTPError) {
	o := defaultIndicesOptions(action)
	if v, ok := query("expand_wildcards"); ok {
		o.ExpandOpen, o.ExpandClosed, o.ExpandHidden = false, false, false
		for part := range strings.SplitSeq(v, ",") {
			switch strings.TrimSpace(part) {
			case "open":
				o.ExpandOpen = true
			case "closed":
				o.ExpandClosed = true
			case "hidden":
				o.ExpandHidden = true
			case "all":
				o.ExpandOpen, o.ExpandClosed, o.ExpandHidden = true, true, true
			case "none":
			default:
				return o, errBadRequest("illegal_argument_exception", "No enum constant org.elasticsearch.action.support.IndicesOptions.WildcardStates."+strings.ToUpper(strings.TrimSpace(part)))
			}
		}
	}
	var herr *HTTPError
	if o.IgnoreUnavailable, herr = boolParam(query, "ignore_unavailable", o.IgnoreUnavailable); herr != nil {
		return o, herr
	}
	if o.AllowNoIndices, herr = boolParam(query, "allow_no_indices", o.AllowNoIndices); herr != nil {
		return o, herr
	}
	return o, nil
}

// boolParam reads the boolean query parameter key as Elasticsearch's
// RestRequest.paramAsBoolean does (present without a value is true), def when absent.
func boolParam(query func(string) (string, bool), key string, def bool) (bool, *HTTPError) {
	v, ok := query(key)
	switch {
	case !ok:
		return def, nil
	case v == "" || v == "true":
		return true, nil
	case v == "false":
		return false, nil
	}
	return def, errBadRequest("illegal_argument_exception", "Failed to parse value ["+v+"] as only [true] or [false] are allowed.")
}

// defaultIndicesOptions are the defaults of the request classes behind the actions.
func defaultIndicesOptions(action string) privileges.IndicesOptions {
	o := privileges.IndicesOptions{ExpandOpen: true, AllowNoIndices: true}
	switch action {
	case "indices:admin/delete", "indices:admin/close", "indices:admin/open":
		o.ExpandClosed, o.IgnoreAliases = true, true
	case "indices:monitor/settings/get", "indices:admin/settings/update":
		o.ExpandClosed = true
	case "indices:admin/aliases/get":
		o.ExpandClosed, o.ExpandHidden = true, true
	}
	return o
}

// allowsRemote lists the actions whose requests accept "cluster:index" expressions
// (IndicesRequest.Replaceable.allowsRemoteIndices).
var allowsRemote = map[string]bool{
	"indices:data/read/search":              true,
	"indices:data/read/field_caps":          true,
	"indices:admin/resolve/index":           true,
	"indices:admin/resolve/cluster":         true,
	"indices:data/read/eql":                 true,
	"indices:data/read/open_point_in_time":  true,
	"indices:data/read/search/template":     true,
	"indices:data/read/msearch":             true,
	"indices:data/read/xpack/rollup/search": true,
	"indices:data/read/async_search/submit": true,
	"indices:data/read/sql":                 true,
	"indices:data/read/esql":                true,
	"indices:data/read/tsds/search":         true,
}

// replaceable reports whether the action's requests are IndicesRequest.Replaceable,
// whose wildcards Elasticsearch security expands; the single-document requests and
// create index name one index literally.
func replaceable(action string) bool {
	switch {
	case strings.HasPrefix(action, "indices:data/write/index"), action == "indices:data/write/update",
		action == "indices:data/write/delete", action == "indices:data/read/get", action == "indices:data/read/explain",
		action == "indices:data/read/tv", action == "indices:admin/create", action == "indices:admin/auto_create",
		action == "indices:admin/data_stream/create":
		return false
	}
	return true
}

// includesDataStreams is false for the requests that act on concrete indices only
// (IndicesRequest.includeDataStreams).
func includesDataStreams(action string) bool {
	switch action {
	case "indices:admin/delete", "indices:admin/close", "indices:admin/open":
		return false
	}
	return true
}

const autoCreate = "indices:admin/auto_create"

// createsIndex reports whether a document write creates its index when it is missing.
func createsIndex(flavour, action string) bool {
	if privileges.IsShield(flavour) {
		return action == "indices:data/write/index" || action == "indices:data/write/update"
	}
	return strings.HasPrefix(action, "indices:data/write/index:op_type/") || action == "indices:data/write/update"
}

// resolved is the outcome of resolving a request's path indices.
type resolved struct {
	indices  []string // what the request runs on, for the audit trail
	narrowed bool     // the path must be rewritten to indices
	empty    bool     // nothing is left: answer as Elasticsearch does for no indices
}

// resolveIndices resolves and authorizes the targets of a request whose indices come
// from the path. Name-only and cluster targets are decided as before; each index target
// is resolved against the cluster metadata (privileges.Resolve). A refused name is a 403
// naming it; when a wildcard leaves nothing, the request is answered without being
// forwarded; when the names differ from what the request wrote, the forwarded path names
// exactly the authorized ones.
func (s *Server) resolveIndices(x *exchange, m *routes.Match, targets []routes.Target) (resolved, *HTTPError) {
	var r resolved
	start := time.Now()
	defer func() { s.metrics.authorization(time.Since(start)) }()
	perm, err := x.permission()
	if err != nil {
		return r, errInternal(err)
	}
	md := s.meta.Get()
	var now time.Time // read once, at the first date math expression
	first := true
	for i := range targets {
		t := &targets[i]
		if t.NameOnly || privileges.IsClusterAction(t.Action) || !privileges.IsIndexAction(t.Action) {
			var d privileges.Decision
			if t.NameOnly {
				d = privileges.AuthorizeNameOnly(perm, t.Action, t.Indices)
			} else {
				d = privileges.Authorize(perm, t.Action, t.Indices, privileges.IndexOptions{})
			}
			if !d.Allowed {
				return r, s.denied(x, perm, d)
			}
			continue
		}
		opts, herr := indicesOptions(t.Action, x.lookupQuery)
		if herr != nil {
			return r, herr
		}
		res, err := privileges.Resolve(perm, md, privileges.ResolveRequest{
			Action:             t.Action,
			Expressions:        t.Indices,
			Options:            opts,
			IncludeDataStreams: includesDataStreams(t.Action),
			AllowRemote:        allowsRemote[t.Action],
			Literal:            !replaceable(t.Action),
			OnlyDataStreams:    strings.HasPrefix(t.Action, "indices:admin/data_stream/") || strings.HasPrefix(t.Action, "indices:monitor/data_stream/"),
			DateMath:           dateMathAt(t.Indices, &now),
		})
		if err != nil {
			return r, resolveError(err)
		}
		if len(res.Denied) > 0 {
			if md == nil && needsMetadata(res.Denied) {
				return r, &HTTPError{Status: fasthttp.StatusServiceUnavailable, Type: "esguard_unavailable_exception",
					Reason: "esguard cannot expand [" + strings.Join(res.Denied, ",") + "] because the cluster's index names are not known yet; retry shortly", Cause: errNoMetadata}
			}
			return r, s.deniedOn(x, perm, t.Action, res.Denied)
		}
		if res.NotFound != "" {
			return r, errIndexNotFound(res.NotFound)
		}
		if createsIndex(x.snap.Flavor, t.Action) && md != nil {
			// Writing a document into an index that does not exist creates it, which
			// Elasticsearch allows only with indices:admin/auto_create on the name
			// (indices:admin/create before 7.x).
			autoCreate := autoCreateAction(x.snap.Flavor)
			for _, name := range res.Indices {
				if _, exists := md.Lookup(name); !exists && !perm.Index(autoCreate, name) {
					if s.meta.RefreshOnMiss(context.Background()) == nil {
						if _, exists = s.meta.Get().Lookup(name); exists {
							continue
						}
					}
					return r, s.deniedOn(x, perm, autoCreate, []string{name})
				}
			}
		}
		names := append(res.Indices, res.Remote...)
		switch {
		case first:
			r.indices, r.narrowed, r.empty = names, res.Narrowed, res.NoIndices
			first = false
		case res.NoIndices:
			r.empty = true
		case res.Narrowed || r.narrowed:
			// Further index actions on the same path (the table's also=): the request
			// may only run on names every one of them grants.
			r.indices = intersect(r.indices, names)
			r.narrowed = true
			r.empty = r.empty || len(r.indices) == 0
		}
	}
	if r.indices == nil && !first {
		r.indices = []string{}
	}
	return r, nil
}

// denied audits and renders a refused decision.
func (s *Server) denied(x *exchange, perm *privileges.Permission, d privileges.Decision) *HTTPError {
	ev := x.event(eventAccessDenied, d.Action)
	ev.indices = d.Denied
	if ev.indices == nil {
		ev.indices = d.Indices
	}
	s.audit.write(ev)
	if privileges.IsShield(x.snap.Flavor) {
		return errForbidden(d.ShieldReason(x.actor(perm)))
	}
	return errForbidden(d.ReasonFor(x.actor(perm)))
}

// deniedOn audits and renders the refusal of action on names, with the privileges that
// grant it.
func (s *Server) deniedOn(x *exchange, perm *privileges.Permission, action string, names []string) *HTTPError {
	return s.denied(x, perm, privileges.Decision{Action: action, Indices: names, Denied: names, Granting: perm.Catalogue().Granting(action)})
}

// needsMetadata reports whether a refused expression could have been granted with the
// cluster's names: a wildcard or _all.
func needsMetadata(denied []string) bool {
	for _, d := range denied {
		if d == "_all" || strings.ContainsAny(d, "*?") {
			return true
		}
	}
	return false
}

func intersect(a, b []string) []string {
	keep := make(map[string]bool, len(b))
	for _, n := range b {
		keep[n] = true
	}
	out := a[:0:0]
	for _, n := range a {
		if keep[n] {
			out = append(out, n)
		}
	}
	return out
}

// resolveError renders an invalid index expression.
func resolveError(err error) *HTTPError {
	var re *privileges.ResolveError
	switch {
	case errors.As(err, &re):
		return errBadRequest(re.Type, re.Reason)
	}
	if herr := dateMathError(err); herr != nil {
		return herr
	}
	return errInternal(err)
}

// rewritePath points the request at the narrowed names, keeping the query string.
func (s *Server) rewritePath(ctx *fasthttp.RequestCtx, x *exchange, m *routes.Match, names []string) *HTTPError {
	path, err := x.snap.Routes.PathWithIndices(m, names)
	if err != nil {
		return errForbidden("action [" + x.action + "] would have to be narrowed to the indices the user may access, and this request has no form that names them; name the indices explicitly")
	}
	uri := path
	if q := ctx.Request.URI().QueryString(); len(q) > 0 {
		uri += "?" + string(q)
	}
	if line := len(x.method) + 1 + len(uri) + len(" HTTP/1.1"); line > maxForwardedLine {
		return errBadRequest("illegal_argument_exception", "the index expressions of this request expand to "+strconv.Itoa(len(names))+
			" names the user may access, which do not fit in one request line to Elasticsearch; name fewer indices or use a narrower wildcard")
	}
	ctx.Request.SetRequestURI(uri)
	return nil
}

// compactNames shortens a narrowed list that would not fit in a request line by
// replacing names with the role's own patterns where that is exact (privileges.Compact).
func (s *Server) compactNames(x *exchange, m *routes.Match, targets []routes.Target, names []string) []string {
	if len(x.method)+len(x.path)+len(joinComma(names))+64 <= maxForwardedLine {
		return names
	}
	perm, err := x.permission()
	if err != nil {
		return names
	}
	opts, herr := indicesOptions(x.action, x.lookupQuery)
	if herr != nil {
		return names
	}
	var out []string
	for _, t := range targets {
		if t.NameOnly || !privileges.IsIndexAction(t.Action) || privileges.IsClusterAction(t.Action) {
			continue
		}
		c := privileges.Compact(perm, t.Action, t.Indices, names, opts.ExpandHidden)
		if c == nil {
			return names
		}
		if out == nil {
			out = c
		} else if !slices.Equal(out, c) {
			return names // several actions would need different patterns
		}
	}
	if out == nil {
		return names
	}
	return out
}

// dateMathAt resolves the date math expressions of exprs at *now, which it sets to the
// current time if it is zero, so that every expression of a request resolves at the
// same instant. It is nil when exprs have no date math: the usual request makes no
// resolver and reads no clock.
func dateMathAt(exprs []string, now *time.Time) func(string) (string, error) {
	for _, e := range exprs {
		if strings.IndexByte(e, '<') >= 0 {
			if now.IsZero() {
				*now = time.Now()
			}
			at := *now
			return func(e string) (string, error) { return resolveDateMath(e, at) }
		}
	}
	return nil
}
