package proxy

import (
	"crypto/rand"
	"errors"
	"strings"

	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/proxy/bound"
	"github.com/esguard/esguard/routes"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

// Scroll ids, point-in-time ids, async result ids and SQL cursors continue a context that
// an earlier request created. Elasticsearch security binds each context to the user who
// created it; esguard does the same without keeping state: every id it returns is wrapped
// with a MAC over the effective user (proxy/bound), and a request that names an id must
// carry one wrapped for its own user. Elasticsearch never sees a wrapped id, and a client
// never sees a raw one.

// Where ids appear in responses, by the action that returns them.
var (
	scrollIDPaths = [][]string{{"_scroll_id"}}
	pitIDPaths    = [][]string{{"pit_id"}}
	topIDPath     = [][]string{{"id"}}
	cursorPaths   = [][]string{{"cursor"}}
	pitPath       = [][]string{{"pit", "id"}}
)

// asyncActions return an async result id in their top-level "id".
var asyncActions = map[string]bool{
	"indices:data/read/async_search/submit": true,
	"indices:data/read/async_search/get":    true,
	"indices:data/read/esql":                true,
	"indices:data/read/esql/async/get":      true,
	"indices:data/read/eql":                 true,
	"indices:data/read/eql/async/get":       true,
	"indices:data/read/sql":                 true,
	"indices:data/read/sql/async/get":       true,
}

// newBinderFor returns the binder keyed with the configured key, or with a random key.
func newBinderFor(snap *config.Snapshot, log zerolog.Logger) (*bound.Binder, error) {
	key := snap.BoundKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		log.Info().Msg("bound_ids.key_file is not set: scroll, point-in-time, async and cursor ids are only accepted by the esguard process that issued them")
	}
	return bound.NewBinder(key)
}

// bindsResponse reports whether the action's responses carry ids whatever the request.
func bindsResponse(action string) bool {
	return action == "indices:data/read/open_point_in_time" || action == "indices:data/read/scroll" ||
		asyncActions[action] || strings.HasPrefix(action, "indices:data/read/sql")
}

// nameOnlyTargets keeps the targets of a search on a point in time: the action is
// checked by name, as for every continuation.
func nameOnlyTargets(ts []routes.Target) []routes.Target {
	out := make([]routes.Target, 0, len(ts))
	for _, t := range ts {
		if !t.NameOnly && privileges.IsIndexAction(t.Action) && !privileges.IsClusterAction(t.Action) {
			if len(t.Indices) > 0 {
				out = append(out, t) // indices with a PIT: Elasticsearch refuses, so check them
				continue
			}
			t.NameOnly = true
		}
		out = append(out, t)
	}
	return out
}

// checkClearAll refuses DELETE /_search/scroll/_all to anyone without all on every index.
func (s *Server) checkClearAll(x *exchange) *HTTPError {
	perm, err := x.permission()
	if err != nil {
		return errInternal(err)
	}
	if clearAllAllowed(perm) {
		return nil
	}
	d := privileges.Decision{Action: x.action, Denied: []string{"_all"}, Granting: []string{"all"}}
	return s.denied(x, perm, d)
}

// owner names whose ids these are: the effective user and its realm.
func (x *exchange) owner() string {
	id := x.subject.Effective
	if id == nil {
		return ""
	}
	return id.RealmName + "\x00" + id.Username
}

// boundRequest is what unbinding found in a request.
type boundRequest struct {
	pit      bool // the body searches a point in time: its indices are the PIT's
	clearAll bool // DELETE /_search/scroll/_all
}

// unbindRequest replaces every wrapped id in the request (path, query, body) with the
// id Elasticsearch issued, after checking that it was issued to this user. An id that
// esguard did not issue, or issued to someone else, is answered as Elasticsearch answers
// an unknown context (404), so nobody learns whether it exists.
func (s *Server) unbindRequest(ctx *fasthttp.RequestCtx, x *exchange, m *routes.Match) (boundRequest, *HTTPError) {
	paths, kind := bodyIDPaths(x.action)
	if !m.Route.Continuation() && !strings.HasPrefix(x.action, "indices:data/read/scroll") &&
		(len(paths) == 0 || len(ctx.Request.Body()) == 0) {
		return boundRequest{}, nil // nothing that could hold an id
	}
	return s.unbind(ctx, x, m, paths, kind)
}

// bodyIDPaths returns where an action's request body carries ids, and their kind:
// each action carries ids of one kind at one path.
func bodyIDPaths(action string) ([][]string, bound.Kind) {
	switch {
	case strings.HasPrefix(action, "indices:data/read/scroll"):
		return [][]string{{"scroll_id"}}, bound.Scroll
	case action == "indices:data/read/close_point_in_time":
		return topIDPath, bound.PIT
	case action == "indices:data/read/sql" || action == "indices:data/read/sql/close_cursor":
		return cursorPaths, bound.Cursor
	case action == "indices:data/read/search" || action == "indices:data/read/async_search/submit" ||
		action == "indices:data/read/search/template":
		return pitPath, bound.PIT
	}
	return nil, 0
}

// unbind is unbindRequest for a request that may hold ids.
func (s *Server) unbind(ctx *fasthttp.RequestCtx, x *exchange, m *routes.Match, paths [][]string, kind bound.Kind) (boundRequest, *HTTPError) {
	var br boundRequest
	owner := x.owner()
	unwrap := func(kind bound.Kind, v string) (string, *HTTPError) {
		if kind == bound.Scroll && v == "_all" && x.action == "indices:data/read/scroll/clear" {
			br.clearAll = true
			return v, nil
		}
		id, err := s.binder.Unwrap(kind, owner, v)
		if err != nil {
			return "", missingContext(kind, v)
		}
		return id, nil
	}
	// Path parameters: /_search/scroll/{scroll_id}, /_async_search/{id} and the like.
	if m.Route.Continuation() {
		changed := false
		var params []routes.Param
		for _, p := range m.Params() {
			kind := bound.Async
			if p.Name == "scroll_id" {
				kind = bound.Scroll
			} else if p.Name != "id" {
				params = append(params, p)
				continue
			}
			var ids []string
			for v := range strings.SplitSeq(p.Value, ",") {
				id, herr := unwrap(kind, v)
				if herr != nil {
					return br, herr
				}
				ids = append(ids, id)
			}
			params = append(params, routes.Param{Name: p.Name, Value: strings.Join(ids, ",")})
			changed = true
		}
		if changed {
			path, err := x.snap.Routes.PathWithParams(m, params)
			if err != nil {
				return br, errInternal(err)
			}
			uri := path
			if q := ctx.Request.URI().QueryString(); len(q) > 0 {
				uri += "?" + string(q)
			}
			ctx.Request.SetRequestURI(uri)
		}
	}
	// Query: ?scroll_id= on the scroll routes.
	if strings.HasPrefix(x.action, "indices:data/read/scroll") {
		if v, ok := x.lookupQuery("scroll_id"); ok {
			id, herr := unwrap(bound.Scroll, v)
			if herr != nil {
				return br, herr
			}
			ctx.Request.URI().QueryArgs().Set("scroll_id", id)
		}
	}
	// Body fields.
	if len(paths) == 0 || len(ctx.Request.Body()) == 0 {
		return br, nil
	}
	raw, herr := readBody(ctx, x)
	if herr != nil {
		return br, herr
	}
	var failed *HTTPError
	body, found, err := bound.RewriteStrings(raw, paths, func(path []string, v string) (string, error) {
		id, herr := unwrap(kind, v)
		if herr != nil {
			failed = herr
			return "", herr
		}
		return id, nil
	})
	switch {
	case failed != nil:
		return br, failed
	case err != nil:
		return br, errBadRequest("parse_exception", "request body is not valid JSON: "+err.Error())
	}
	if found {
		ctx.Request.SetBody(body)
		br.pit = paths[0][0] == "pit"
	}
	return br, nil
}

// missingContext is Elasticsearch's answer to an id it does not know.
func missingContext(kind bound.Kind, id string) *HTTPError {
	switch kind {
	case bound.Scroll:
		return &HTTPError{Status: fasthttp.StatusNotFound, Type: "search_context_missing_exception", Reason: "No search context found for id [" + id + "]"}
	case bound.PIT:
		return &HTTPError{Status: fasthttp.StatusNotFound, Type: "search_context_missing_exception", Reason: "No search context found for point in time id [" + id + "]"}
	case bound.Cursor:
		return &HTTPError{Status: fasthttp.StatusNotFound, Type: "search_context_missing_exception", Reason: "No search context found for cursor [" + id + "]"}
	}
	return &HTTPError{Status: fasthttp.StatusNotFound, Type: "resource_not_found_exception", Reason: id}
}

// clearAllAllowed reports whether the role set may clear every scroll of the cluster
// (DELETE /_search/scroll/_all): only a user with the all privilege on every index.
func clearAllAllowed(p *privileges.Permission) bool {
	for _, a := range []string{"indices:data/read/scroll/clear", "indices:admin/delete", "indices:data/write/index", "indices:admin/create", "indices:monitor/stats"} {
		if !p.IndexPattern(a, "*", false) {
			return false
		}
	}
	return true
}

// responseIDPaths lists where the response of this request carries ids to wrap.
func responseIDPaths(x *exchange) (paths [][]string, kinds map[string]bound.Kind) {
	kinds = map[string]bound.Kind{}
	a := x.action
	if !strings.HasPrefix(a, "indices:data/read/") {
		return nil, nil
	}
	paths = append(paths, scrollIDPaths[0], pitIDPaths[0])
	kinds["_scroll_id"], kinds["pit_id"] = bound.Scroll, bound.PIT
	switch {
	case a == "indices:data/read/open_point_in_time":
		paths = append(paths, topIDPath[0])
		kinds["id"] = bound.PIT
	case asyncActions[a]:
		paths = append(paths, topIDPath[0])
		kinds["id"] = bound.Async
	}
	if strings.HasPrefix(a, "indices:data/read/sql") {
		paths = append(paths, cursorPaths[0])
		kinds["cursor"] = bound.Cursor
	}
	return paths, kinds
}

// bindResponse wraps the ids in a response before it reaches the client. A response
// esguard cannot read (not JSON) that might carry an id is replaced by an error: a raw
// id must never reach a client.
func (s *Server) bindResponse(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	paths, kinds := responseIDPaths(x)
	if len(paths) == 0 {
		return nil
	}
	resp := &ctx.Response
	owner := x.owner()
	// SQL's text formats carry the cursor and the async id in headers.
	for h, kind := range map[string]bound.Kind{"Cursor": bound.Cursor, "Async-ID": bound.Async} {
		if v := resp.Header.Peek(h); len(v) > 0 {
			resp.Header.Set(h, s.binder.Wrap(kind, owner, string(v)))
		}
	}
	body := resp.Body()
	if len(body) == 0 {
		return nil
	}
	if enc := resp.Header.ContentEncoding(); len(enc) > 0 && string(enc) != "identity" {
		return errUpstream(fasthttp.StatusBadGateway, "the cluster compressed a response esguard must read", errors.New("content-encoding "+string(enc)))
	}
	ct := strings.ToLower(string(resp.Header.ContentType()))
	if !strings.Contains(ct, "json") {
		if mayHoldID(body, paths) {
			return errUpstream(fasthttp.StatusBadGateway, "the cluster answered in a format esguard cannot read ("+ct+"); ask for JSON", nil)
		}
		return nil
	}
	out, found, err := bound.RewriteStrings(body, paths, func(path []string, v string) (string, error) {
		return s.binder.Wrap(kinds[path[0]], owner, v), nil
	})
	if err != nil {
		// Elasticsearch writes valid JSON; anything else is not passed on.
		return errUpstream(fasthttp.StatusBadGateway, "the cluster's response could not be read", err)
	}
	if found {
		resp.SetBody(out)
	}
	return nil
}

// mayHoldID reports whether a body in another format names one of the id fields.
func mayHoldID(body []byte, paths [][]string) bool {
	for _, p := range paths {
		if strings.Contains(string(body), p[0]) {
			return true
		}
	}
	return false
}
