package proxy

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/routes"
	"github.com/esguard/esguard/routes/bodies"
	"github.com/valyala/fasthttp"
)

// multiSearch authorizes every search of an _msearch or _msearch/template request on
// its own indices (each is a separate search to Elasticsearch security), narrows its
// wildcards in its header line, and answers refused or empty searches in place.
func (c *bodyCheck) multiSearch(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	if herr := c.nameOnly(c.x.action); herr != nil {
		return herr
	}
	const itemAction = "indices:data/read/search"
	template := c.x.action == "indices:data/read/msearch/template" || isTemplatePath(c.x)
	pathIdx := m.Indices()
	baseOpts, herr := indicesOptions(itemAction, c.x.lookupQuery)
	if herr != nil {
		return herr
	}
	var (
		kept    = make([]byte, 0, len(body))
		inserts = map[int][]byte{}
		granted []string
		pos     int
	)
	scanOpts := bodies.MultiSearchOptions{Fleet: strings.Contains(m.Route.Path, "/_fleet/")}
	scan := func(visit func(bodies.SearchItem) error) error {
		return bodies.ScanMultiSearchWith(body, scanOpts, visit)
	}
	if privileges.IsShield(c.x.snap.Flavor) {
		// 1.x and 2.x headers: types, their options only (the query string's do not
		// reach the searches).
		baseOpts = privileges.IndicesOptions{}
		scan = func(visit func(bodies.SearchItem) error) error {
			return bodies.ScanLegacyMultiSearch(body, pathIdx, legacyVersion(c.x.snap.Flavor), visit)
		}
	}
	err := scan(func(it bodies.SearchItem) error {
		defer func() { pos++ }()
		exprs := pathIdx
		if it.HasIndices {
			exprs = it.Indices
		}
		fail := func(herr *HTTPError) error {
			c.x.traceItem(pos, itemAction, exprs, herr)
			inserts[pos] = itemError(herr)
			return nil
		}
		opts, herr := itemOptions(baseOpts, it)
		if herr != nil {
			return fail(herr)
		}
		res, herr := c.resolveGranted(itemAction, exprs, opts)
		switch {
		case herr != nil:
			return fail(herr)
		case res.NotFound != "":
			return fail(errIndexNotFound(res.NotFound))
		}
		if herr := c.searchBodyDenied(body[it.BodyStart:it.BodyEnd], template); herr != nil {
			return fail(herr)
		}
		if res.NoIndices {
			c.x.traceItem(pos, itemAction, []string{}, nil)
			inserts[pos] = []byte(emptySearch[:len(emptySearch)-1] + `,"status":200}`)
			return nil
		}
		names := append(res.Indices, res.Remote...)
		c.x.traceItem(pos, itemAction, names, nil)
		granted = append(granted, names...)
		header := body[it.HeaderStart:it.HeaderEnd]
		if res.Narrowed || (!it.HasIndices && len(pathIdx) > 0) {
			h := bytes.TrimRight(header, "\r\n")
			if len(bytes.TrimSpace(h)) == 0 {
				h = []byte("{}")
			}
			nh, err := bodies.MultiSearchHeader(h, names)
			if err != nil {
				return fail(bodyError(err))
			}
			kept = append(append(kept, nh...), '\n')
		} else {
			kept = append(kept, header...)
		}
		kept = append(kept, body[it.BodyStart:it.BodyEnd]...)
		return nil
	})
	if err != nil {
		return bodyError(err)
	}
	if pos == 0 {
		return errBadRequest("action_request_validation_exception", "Validation Failed: 1: no requests added;")
	}
	c.auditGranted(granted)
	if len(inserts) == pos {
		return answerLocally(ctx, c.x, arrayResponse(`{"took":0,"responses":[`, pos, inserts))
	}
	if len(pathIdx) > 0 {
		// Every kept search names its indices in its header now: drop the path's.
		uri := strings.Replace(m.Route.Path, "/{index}", "", 1)
		if q := ctx.Request.URI().QueryString(); len(q) > 0 {
			uri += "?" + string(q)
		}
		ctx.Request.SetRequestURI(uri)
	}
	return c.forwardMerged(ctx, kept, "responses", pos, inserts, false)
}

// itemOptions applies a search header's indices options over the request's.
func itemOptions(o privileges.IndicesOptions, it bodies.SearchItem) (privileges.IndicesOptions, *HTTPError) {
	q := func(key string) (string, bool) {
		switch key {
		case "expand_wildcards":
			return it.ExpandWildcards, it.ExpandWildcards != ""
		case "ignore_unavailable":
			return it.IgnoreUnavailable, it.IgnoreUnavailable != ""
		case "allow_no_indices":
			return it.AllowNoIndices, it.AllowNoIndices != ""
		}
		return "", false
	}
	out, herr := indicesOptions("indices:data/read/search", q)
	if herr != nil {
		return o, herr
	}
	// indicesOptions starts from the defaults: keep the request's values where the
	// header says nothing.
	if it.ExpandWildcards == "" {
		out.ExpandOpen, out.ExpandClosed, out.ExpandHidden = o.ExpandOpen, o.ExpandClosed, o.ExpandHidden
	}
	if it.IgnoreUnavailable == "" {
		out.IgnoreUnavailable = o.IgnoreUnavailable
	}
	if it.AllowNoIndices == "" {
		out.AllowNoIndices = o.AllowNoIndices
	}
	return out, nil
}

// searchBodyDenied checks the query DSL (or search template) of one search.
func (c *bodyCheck) searchBodyDenied(body []byte, template bool) *HTTPError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !template {
		return c.queryRefsDenied(body)
	}
	t, err := bodies.ParseSearchTemplate(body)
	if err != nil {
		return bodyError(err)
	}
	if t.Stored {
		return errForbidden("esguard cannot see which indices a stored search template reads; send the template source inline")
	}
	return c.refsDenied(t.Refs)
}

// itemError renders a failed search of an _msearch: {"error":{...},"status":N}.
func itemError(e *HTTPError) []byte {
	var b bytes.Buffer
	b.WriteString(`{"error":`)
	b.Write(exceptionObject(e))
	b.WriteString(`,"status":`)
	b.WriteString(strconv.Itoa(e.Status))
	b.WriteByte('}')
	return b.Bytes()
}

// arrayResponse renders {prefix item, item, ...]} from locally decided items.
func arrayResponse(prefix string, n int, items map[int][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(items[i])
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// multiGet authorizes every document of an _mget or _mtermvectors request on its index
// (the shard-level action Elasticsearch checks), forwards the granted ones and answers
// the others in place with the error Elasticsearch gives a refused document.
func (c *bodyCheck) multiGet(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	if herr := c.nameOnly(c.x.action); herr != nil {
		return herr
	}
	shardAction := c.x.action + "[shard]"
	defIndex := ""
	if idx := m.Indices(); len(idx) == 1 {
		defIndex = idx[0]
	} else if len(idx) > 1 {
		return errBadRequest("illegal_argument_exception", "a multi get takes one default index, not ["+strings.Join(idx, ",")+"]")
	}
	docs, err := bodies.ScanDocs(body, defIndex, c.x.action == "indices:data/read/mtv")
	if err != nil {
		return bodyError(err)
	}
	inserts := map[int][]byte{}
	var granted []string
	for _, d := range docs {
		name, err := c.concreteName(d.Index)
		if err == nil && strings.ContainsAny(name, "*?,") {
			err = &privileges.ResolveError{Type: "illegal_argument_exception", Reason: "index [" + name + "] of a multi get must name one index"}
		}
		if err != nil {
			herr := resolveError(err)
			c.x.traceItem(d.Pos, shardAction, []string{d.Index}, herr)
			inserts[d.Pos] = docError(d.Index, d.ID, herr)
			continue
		}
		if !c.perm.Index(shardAction, name) {
			herr := c.deny(shardAction, []string{name})
			c.x.traceItem(d.Pos, shardAction, []string{name}, herr)
			inserts[d.Pos] = docError(name, d.ID, herr)
			continue
		}
		c.x.traceItem(d.Pos, shardAction, []string{name}, nil)
		granted = append(granted, name)
	}
	c.auditGranted(granted)
	if len(docs) > 0 && len(inserts) == len(docs) {
		return answerLocally(ctx, c.x, arrayResponse(`{"docs":[`, len(docs), inserts))
	}
	kept := body
	if len(inserts) > 0 {
		refusedElem := map[int]bool{}
		for _, d := range docs {
			if _, refused := inserts[d.Pos]; refused {
				refusedElem[d.Elem] = true
			}
		}
		kept, err = bodies.FilterDocs(body, func(elem int) bool { return !refusedElem[elem] })
		if err != nil {
			return bodyError(err)
		}
	}
	return c.forwardMerged(ctx, kept, "docs", len(docs), inserts, false)
}

// docError is a failed document of an _mget: {"_index":...,"_id":...,"error":{...}}.
func docError(index, id string, e *HTTPError) []byte {
	var b bytes.Buffer
	b.WriteString(`{"_index":`)
	writeJSONString(&b, index)
	b.WriteString(`,"_id":`)
	writeJSONString(&b, id)
	b.WriteString(`,"error":`)
	b.Write(exceptionObject(e))
	b.WriteByte('}')
	return b.Bytes()
}

// reindex authorizes a _reindex as the requests it runs: a search of the source indices
// and document writes to the destination (with op_type create or index).
func (c *bodyCheck) reindex(ctx *fasthttp.RequestCtx, body []byte) *HTTPError {
	r, err := bodies.ParseReindex(body)
	if err != nil {
		return bodyError(err)
	}
	if r.Remote {
		return errBadRequest("illegal_argument_exception", "esguard does not forward a reindex from a remote cluster: it cannot authorize what the remote source reads")
	}
	if herr := c.nameOnly(c.x.action); herr != nil {
		return herr
	}
	const read = "indices:data/read/search"
	res, herr := c.resolveGranted(read, r.Source, privileges.IndicesOptions{ExpandOpen: true, AllowNoIndices: true})
	switch {
	case herr != nil:
		return herr
	case res.NotFound != "" || res.NoIndices:
		return errIndexNotFound(strings.Join(r.Source, ","))
	case res.Narrowed && !onlyNames(r.Source):
		return errForbidden("the source of this reindex names wildcards that reach indices the user may not read; esguard does not narrow wildcards inside a request body, so name the source indices")
	}
	if herr := c.refsDenied(r.SourceRefs); herr != nil {
		return herr
	}
	write := "indices:data/write/index:op_type/index"
	if strings.EqualFold(r.DestOpType, "create") {
		write = "indices:data/write/index:op_type/create"
	}
	dest, err := c.concreteName(r.Dest)
	if err != nil {
		return resolveError(err)
	}
	if r.Script && !c.perm.IndexPattern(write, "*", false) {
		// A script may send a document to any index (ctx._index), which Elasticsearch
		// authorizes when it writes and esguard cannot see in advance.
		c.auditDenied(write, []string{dest})
		return errForbidden("a reindex script can change the destination index of each document, which esguard cannot authorize in advance; it is allowed only to users who may write to every index")
	}
	if failed, ok := c.writeAllowed(write, dest); !ok {
		return c.deny(failed, []string{dest})
	}
	c.auditGranted(append(append([]string{}, res.Indices...), dest))
	return c.forwardMerged(ctx, body, "", 0, nil, false)
}

// onlyNames reports whether expressions hold no wildcard, _all or exclusion that
// resolution may have changed (date math is resolved by Elasticsearch the same way).
func onlyNames(exprs []string) bool {
	for _, e := range exprs {
		for part := range strings.SplitSeq(e, ",") {
			if part == "_all" || strings.ContainsAny(part, "*?") || strings.HasPrefix(part, "-") {
				return false
			}
		}
	}
	return len(exprs) > 0
}
