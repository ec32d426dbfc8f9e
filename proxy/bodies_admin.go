package proxy

import (
	"strings"
	"sync"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/routes"
	"github.com/esguard/esguard/routes/bodies"
	"github.com/valyala/fasthttp"
)

const aliasesAction = "indices:admin/aliases"

// aliases authorizes POST /_aliases and the put-alias routes action by action, as
// Elasticsearch security does: add and remove need indices:admin/aliases on the indices
// and on the aliases, remove_index needs indices:admin/delete, and an alias may not be
// added when it would grant more than the index it points to
// (IndicesAliasesRequestInterceptor).
func (c *bodyCheck) aliases(ctx *fasthttp.RequestCtx, m *routes.Match, body []byte) *HTTPError {
	var acts []bodies.AliasAction
	if m.Route.Path == "/_aliases" {
		var err error
		if acts, err = bodies.ParseAliasActions(body); err != nil {
			return bodyError(err)
		}
	} else {
		index, alias, err := bodies.ParsePutAlias(body)
		if err != nil {
			return bodyError(err)
		}
		indices := m.Indices()
		if index != "" {
			indices = strings.Split(index, ",") // Strings.splitStringByCommaToArray
		}
		name, _ := m.Param("name")
		if alias != "" {
			name = alias
		}
		if len(indices) == 0 || name == "" {
			return errBadRequest("action_request_validation_exception", "Validation Failed: 1: index and alias are required;")
		}
		acts = []bodies.AliasAction{{Kind: bodies.AliasAdd, Indices: indices, Aliases: []string{name}}}
	}
	var granted []string
	for _, a := range acts {
		action := aliasesAction
		if a.Kind == bodies.AliasRemoveIndex {
			action = "indices:admin/delete"
		}
		names, herr := c.aliasIndices(action, a.Indices)
		if herr != nil {
			return herr
		}
		granted = append(granted, names...)
		if a.Kind == bodies.AliasRemoveIndex {
			continue
		}
		for _, alias := range a.Aliases {
			if !c.perm.IndexPattern(aliasesAction, alias, false) {
				return c.deny(aliasesAction, []string{alias})
			}
			granted = append(granted, alias)
			if a.Kind != bodies.AliasAdd {
				continue
			}
			for _, index := range names {
				if !c.noMoreThan(alias, index) {
					c.auditDenied(aliasesAction, []string{alias})
					return errForbidden("Adding an alias is not allowed when the alias has more permissions than any of the indices")
				}
			}
		}
	}
	c.auditGranted(granted)
	return c.forwardMerged(ctx, body, "", 0, nil, false)
}

// aliasIndices authorizes the indices of one alias action. Wildcards must be covered
// by the role (esguard does not rewrite them inside the body); the names they reach in
// the cluster metadata are returned for the alias checks.
func (c *bodyCheck) aliasIndices(action string, exprs []string) ([]string, *HTTPError) {
	res, herr := c.resolveGranted(action, exprs, privileges.IndicesOptions{ExpandOpen: true, ExpandClosed: true})
	switch {
	case herr != nil:
		return nil, herr
	case res.NotFound != "":
		return nil, errIndexNotFound(res.NotFound)
	case res.Narrowed && !onlyNames(exprs):
		return nil, errForbidden("the alias action names wildcards that reach indices the user may not manage; esguard does not narrow wildcards inside a request body, so name the indices")
	}
	if res.Narrowed {
		return res.Indices, nil
	}
	// Covered wildcards: the concrete names, for the permission comparison.
	var names []string
	for _, e := range res.Indices {
		if !strings.ContainsAny(e, "*?") {
			names = append(names, e)
			continue
		}
		names = append(names, c.md.Matching(e)...)
	}
	return names, nil
}

// noMoreThan reports whether every index action the role set grants on name is also
// granted on than (Automatons.subsetOf over the actions granted on each name, checked
// on every index action esguard knows).
func (c *bodyCheck) noMoreThan(name, than string) bool {
	for _, a := range indexActions(c.x.snap.Routes) {
		if c.perm.Index(a, name) && !c.perm.Index(a, than) {
			return false
		}
	}
	return true
}

var (
	indexActionsOnce sync.Once
	indexActionList  []string
)

// indexActions lists every index action of the route table, with the item actions
// Elasticsearch checks below the composite ones.
func indexActions(t *routes.Table) []string {
	indexActionsOnce.Do(func() {
		seen := map[string]bool{}
		add := func(a string) {
			if !seen[a] && privileges.IsIndexAction(a) && !privileges.IsClusterAction(a) {
				seen[a] = true
				indexActionList = append(indexActionList, a)
			}
		}
		for _, r := range t.Routes() {
			add(r.Action)
		}
		for _, a := range []string{
			"indices:data/write/index:op_type/index", "indices:data/write/index:op_type/create",
			"indices:data/write/update", "indices:data/write/delete", "indices:data/read/mget[shard]",
			"indices:data/read/mtv[shard]", "indices:admin/auto_create", "indices:admin/mapping/auto_put",
		} {
			add(a)
		}
	})
	return indexActionList
}

// bodyIndexChecks are the checks of path-index requests whose body names more indices:
// the aliases of a create-index or resize body, and the target of a resize, whose
// permissions may not exceed the source's (ResizeRequestInterceptor).
func (s *Server) bodyIndexChecks(ctx *fasthttp.RequestCtx, x *exchange, m *routes.Match) *HTTPError {
	create := x.action == "indices:admin/create"
	resize := x.action == "indices:admin/resize" || x.action == "indices:admin/shrink"
	rollover := x.action == "indices:admin/rollover"
	if !create && !resize && !rollover {
		return nil
	}
	c, herr := s.newBodyCheck(x)
	if herr != nil {
		return herr
	}
	if resize {
		target, _ := m.Param("target")
		for _, source := range m.Indices() {
			if !c.noMoreThan(target, source) {
				c.auditDenied(x.action, []string{target})
				return errForbidden("Resizing an index is not allowed when the target index has more permissions than the source index")
			}
		}
	}
	body := ctx.Request.Body()
	if len(body) == 0 {
		return nil
	}
	if _, herr := readBody(ctx, x); herr != nil {
		return herr
	}
	aliases, err := bodies.CreateIndexAliases(ctx.Request.Body())
	if err != nil {
		return bodyError(err)
	}
	for _, alias := range aliases {
		if !c.perm.Index(aliasesAction, alias) {
			return c.deny(aliasesAction, []string{alias})
		}
	}
	return nil
}

// sql authorizes an SQL query on the indices its text reads. esguard cannot narrow
// inside query text: a wildcard must be covered by the role, or it is refused.
func (c *bodyCheck) sql(ctx *fasthttp.RequestCtx, body []byte) *HTTPError {
	if herr := c.nameOnly(c.x.action); herr != nil {
		return herr
	}
	indices, err := bodies.SQLIndices(body)
	if err != nil {
		return bodyError(err)
	}
	return c.queryText(ctx, body, body, indices)
}

// esql authorizes an ES|QL query on the indices its text reads (FROM, TS, LOOKUP JOIN).
func (c *bodyCheck) esql(ctx *fasthttp.RequestCtx, body []byte) *HTTPError {
	if herr := c.nameOnly(c.x.action); herr != nil {
		return herr
	}
	q, err := bodies.ESQLIndices(body)
	if err != nil {
		return bodyError(err)
	}
	if len(q.EnrichPolicies) > 0 {
		return errForbidden("esguard does not authorize ES|QL ENRICH (policies [" + strings.Join(q.EnrichPolicies, ",") + "]); the request is refused")
	}
	if herr := c.queryRefsDenied(q.Filter); herr != nil {
		return herr
	}
	return c.queryText(ctx, nil, body, q.Indices)
}

// queryText checks the indices named in query text and the query DSL in dsl (the SQL
// body, whose filter sits beside the query), then forwards body.
func (c *bodyCheck) queryText(ctx *fasthttp.RequestCtx, dsl, body []byte, indices []string) *HTTPError {
	const read = "indices:data/read/search"
	if len(indices) > 0 {
		res, herr := c.resolveGranted(read, indices, privileges.IndicesOptions{ExpandOpen: true, AllowNoIndices: true})
		switch {
		case herr != nil:
			return herr
		case res.Narrowed && !onlyNames(indices), res.NoIndices:
			c.auditDenied(read, indices)
			return errForbidden("the query names [" + strings.Join(indices, ",") + "], which reaches indices the user may not read; esguard does not narrow wildcards inside query text, so name the indices or a pattern the role covers")
		}
	}
	if herr := c.queryRefsDenied(dsl); herr != nil {
		return herr
	}
	c.auditGranted(append([]string{}, indices...))
	return c.forwardMerged(ctx, body, "", 0, nil, false)
}
