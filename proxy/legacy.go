package proxy

import (
	"slices"
	"strings"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/routes"
	"github.com/esguard/esguard/routes/bodies"
	"github.com/valyala/fasthttp"
)

// The Shield flavours (Elasticsearch 1.x and 2.x) authorize a request that names
// indices in its body as one CompositeIndicesRequest: the request's own action on every
// index its items name, all or nothing. Shield's action filter then checks what the
// node runs for it (the shard-level bulk, the searches of a multi search, the creation
// of a missing index) as the same user. There are no per-item refusals.

// autoCreateAction is the action that lets a document write create its missing index:
// the 1.x and 2.x write actions ran indices:admin/create for the user.
func autoCreateAction(flavour string) string {
	if privileges.IsShield(flavour) {
		return "indices:admin/create"
	}
	return autoCreate
}

// isTemplatePath reports whether a Shield-era request is a search template: those
// versions ran /_search/template and /_msearch/template as plain searches, so their
// bodies are told apart by the path.
func isTemplatePath(x *exchange) bool {
	return privileges.IsShield(x.snap.Flavor) && x.match != nil && strings.HasSuffix(x.match.Route.Path, "/template")
}

// legacyBody decides a Shield-era request whose indices are in its body.
func (c *bodyCheck) legacyBody(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	if m.Route.IndexParam == "" {
		// 1.x and 2.x read path and query parameters from one map: ?index= would be the
		// default index of every item that names none. esguard wants it in the path.
		if _, ok := c.x.lookupQuery("index"); ok {
			return errBadRequest("illegal_argument_exception", "esguard does not accept the [index] parameter on ["+m.Route.Path+"]: name the default index in the path")
		}
	}
	switch c.x.action {
	case "indices:data/write/bulk":
		return c.legacyBulk(ctx, m, body)
	case "indices:data/read/mget", "indices:data/read/mtv":
		return c.legacyDocs(ctx, m, body)
	case "indices:data/read/msearch":
		return c.legacyMultiSearch(ctx, m, body)
	case "indices:data/read/mpercolate":
		return c.legacyMultiPercolate(ctx, m, body)
	case "indices:admin/aliases":
		return c.aliases(ctx, m, body)
	}
	c.auditDenied(c.x.action, nil)
	return errForbidden("action [" + c.x.action + "] names indices in the request body in a form esguard does not read; the request is refused")
}

// legacyVersion is the Elasticsearch major version of a Shield flavour.
func legacyVersion(flavour string) int {
	if flavour == "shield1" {
		return 1
	}
	return 2
}

// legacyDefaults are the default index and type of a body request's path; more than one
// default index is refused, as those versions refused it.
func legacyDefaults(m *routes.Match) (index, typ string, herr *HTTPError) {
	switch idx := m.Indices(); len(idx) {
	case 0:
	case 1:
		index = idx[0]
	default:
		return "", "", errBadRequest("illegal_argument_exception", "["+m.Route.Path+"] takes one default index, not ["+strings.Join(idx, ",")+"]")
	}
	typ, _ = m.Param("type")
	return index, typ, nil
}

// itemName is an item's index name as the cluster will read it: 2.x resolves date math
// in index names, 1.x does not.
func (c *bodyCheck) itemName(name string) (string, error) {
	if legacyVersion(c.x.snap.Flavor) == 1 {
		return name, nil
	}
	return c.concreteName(name)
}

// legacyBulk checks indices:data/write/bulk on the index of every item, and
// indices:admin/create on every index the bulk would create, all or nothing; a granted
// body is forwarded as it is.
func (c *bodyCheck) legacyBulk(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	defIndex, defType, herr := legacyDefaults(m)
	if herr != nil {
		return herr
	}
	var names []string
	var nameErr error
	err := bodies.ScanLegacyBulk(body, defIndex, defType, legacyVersion(c.x.snap.Flavor), func(it bodies.LegacyBulkItem) error {
		name, err := c.itemName(it.Index)
		if err != nil {
			nameErr = err
			return err
		}
		names = append(names, name)
		return nil
	})
	switch {
	case nameErr != nil:
		return resolveError(nameErr)
	case err != nil:
		return bodyError(err)
	}
	if herr := c.composite(c.x.action, names); herr != nil {
		return herr
	}
	missing := c.missing(ctx, names)
	if herr := c.composite(autoCreateAction(c.x.snap.Flavor), missing); herr != nil {
		return herr
	}
	c.auditGranted(names)
	herr = c.forwardMerged(ctx, body, "items", 0, nil, true)
	if len(missing) > 0 && herr == nil {
		c.s.meta.Invalidate() // the new indices exist now
	}
	return herr
}

// missing returns the names the cluster does not have (an alias or an index), after one
// refresh of the metadata when some seem missing; none without metadata.
func (c *bodyCheck) missing(ctx *fasthttp.RequestCtx, names []string) []string {
	find := func() []string {
		var out []string
		for _, n := range names {
			if _, ok := c.md.Lookup(n); !ok && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	if c.md == nil {
		return nil
	}
	out := find()
	if len(out) > 0 && c.s.meta.RefreshOnMiss(ctx) == nil {
		c.md = c.s.meta.Get()
		out = find()
	}
	return out
}

// legacyDocs checks the request's action on the index of every document of an _mget or
// _mtermvectors, all or nothing; a granted body is forwarded as it is.
func (c *bodyCheck) legacyDocs(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	defIndex, defType, herr := legacyDefaults(m)
	if herr != nil {
		return herr
	}
	version := legacyVersion(c.x.snap.Flavor)
	var docs []bodies.LegacyDoc
	var err error
	if c.x.action == "indices:data/read/mtv" {
		var ids []string
		if v, ok := c.x.lookupQuery("ids"); ok {
			ids = strings.Split(v, ",")
		}
		docs, err = bodies.ScanLegacyTermVectorsDocs(body, defIndex, defType, version, ids)
	} else {
		docs, err = bodies.ScanLegacyDocs(body, defIndex, defType, false, version)
	}
	if err != nil {
		return bodyError(err)
	}
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		name, err := c.itemName(d.Index)
		if err != nil {
			return resolveError(err)
		}
		names = append(names, name)
	}
	if herr := c.composite(c.x.action, names); herr != nil {
		return herr
	}
	c.auditGranted(names)
	return c.forwardMerged(ctx, body, "docs", 0, nil, false)
}

// composite checks action on every name of a composite request, all or nothing, and
// writes the access_granted event. names may repeat.
func (c *bodyCheck) composite(action string, names []string) *HTTPError {
	var denied []string
	seen := make(map[string]struct{}, len(names))
	for _, n := range names {
		if _, dup := seen[n]; dup {
			continue
		}
		seen[n] = struct{}{}
		if !c.perm.Index(action, n) {
			denied = append(denied, n)
		}
	}
	if len(denied) > 0 {
		return c.deny(action, denied)
	}
	return nil
}

// legacyMultiSearch checks msearch on every search's indices, all or nothing, then
// decides each search as a search, as the 9.x multi search does (narrowing wildcards in
// its header, refusing a search in place).
func (c *bodyCheck) legacyMultiSearch(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	var denied []string
	var stop *HTTPError
	err := bodies.ScanLegacyMultiSearch(body, m.Indices(), legacyVersion(c.x.snap.Flavor), func(it bodies.SearchItem) error {
		// The scanner resolves each header's options fully: the query string's do not
		// reach the searches in 1.x and 2.x.
		o, herr := itemOptions(privileges.IndicesOptions{}, it)
		if herr != nil {
			stop = herr
			return herr
		}
		res, err := c.resolve(c.x.action, it.Indices, o)
		if err != nil {
			stop = resolveError(err)
			return err
		}
		denied = append(denied, res.Denied...)
		return nil
	})
	switch {
	case stop != nil:
		return stop
	case err != nil:
		return bodyError(err)
	}
	if len(denied) > 0 {
		return c.deny(c.x.action, denied)
	}
	return c.multiSearch(ctx, m, body)
}

// legacyMultiPercolate checks mpercolate on every percolation's indices, and a get on
// the index an existing document is read from, all or nothing; the body is forwarded
// as it is, so a wildcard the role does not cover entirely is refused rather than
// narrowed.
func (c *bodyCheck) legacyMultiPercolate(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	opts, herr := indicesOptions(c.x.action, c.x.lookupQuery)
	if herr != nil {
		return herr
	}
	var granted, denied, narrowed, gets []string
	var rerr error
	err := bodies.ScanMultiPercolate(body, m.Indices(), func(it bodies.PercolateItem) error {
		res, err := c.resolve(c.x.action, it.Indices, opts)
		if err != nil {
			rerr = err
			return err
		}
		denied = append(denied, res.Denied...)
		if res.Narrowed || res.NoIndices {
			narrowed = append(narrowed, strings.Join(it.Indices, ","))
		}
		granted = append(granted, res.Indices...)
		if it.HasDoc {
			gets = append(gets, it.DocIndex)
		}
		return nil
	})
	switch {
	case rerr != nil:
		return resolveError(rerr)
	case err != nil:
		return bodyError(err)
	}
	if len(denied) > 0 {
		return c.deny(c.x.action, denied)
	}
	if len(narrowed) > 0 {
		c.auditDenied(c.x.action, narrowed)
		return errForbidden("esguard does not narrow the indices of a multi percolate: [" + strings.Join(narrowed, "] [") + "] name indices the role does not grant for [" + c.x.action + "]; name the granted indices")
	}
	if herr := c.composite("indices:data/read/get", gets); herr != nil {
		return herr
	}
	c.auditGranted(append(granted, gets...))
	return c.forwardMerged(ctx, body, "responses", 0, nil, false)
}
