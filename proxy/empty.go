package proxy

import (
	"strings"

	"github.com/esguard/esguard/routes"
	"github.com/valyala/fasthttp"
)

// Answers for a request whose wildcards leave no index the user may access. Elasticsearch
// security then runs the request on no index (IndicesAndAliasesResolver's "*,-*"
// placeholder) and the action answers as it does for an empty set; esguard writes that
// answer itself rather than forward a wildcard.
const (
	emptyShards = `{"total":0,"successful":0,"skipped":0,"failed":0}`
	emptySearch = `{"took":0,"timed_out":false,"_shards":` + emptyShards + `,"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}`
	emptyCount  = `{"count":0,"_shards":` + emptyShards + `}`
	emptyBroad  = `{"_shards":{"total":0,"successful":0,"failed":0}}`
)

// emptyAnswer returns the body Elasticsearch gives the matched route on no indices, or
// false when esguard does not know it (the request is then refused as
// index_not_found_exception, which Elasticsearch gives when allow_no_indices is false).
func emptyAnswer(r *routes.Route, query func(string) (string, bool)) (string, bool) {
	p := r.Path
	last := p[strings.LastIndexByte(p, '/')+1:]
	switch {
	case strings.HasPrefix(p, "/_cat/"):
		if f, _ := query("format"); f == "json" {
			return "[]", true
		}
		return "", true
	case last == "_search" || strings.HasSuffix(p, "/_search/template") || last == "_async_search":
		return emptySearch, true
	case last == "_count":
		return emptyCount, true
	case last == "_refresh" || last == "_flush" || last == "_forcemerge" || strings.HasSuffix(p, "/_cache/clear"):
		return emptyBroad, true
	case last == "_stats" || strings.HasPrefix(last, "{") && strings.Contains(p, "/_stats/"):
		return `{"_shards":{"total":0,"successful":0,"failed":0},"_all":{"primaries":{},"total":{}},"indices":{}}`, true
	case strings.HasPrefix(p, "/_resolve/index"):
		return `{"indices":[],"aliases":[],"data_streams":[]}`, true
	case last == "_field_caps":
		return `{"indices":[],"fields":{}}`, true
	case strings.Contains(p, "/_alias") || strings.Contains(p, "/_mapping") || strings.Contains(p, "/_settings") ||
		(r.Method == "GET" && (p == "/{index}" || strings.HasPrefix(p, "/_data_stream"))):
		if strings.HasPrefix(p, "/_data_stream") {
			return `{"data_streams":[]}`, true
		}
		return `{}`, true
	}
	return "", false
}

// writeEmpty answers a request that resolved to no index.
func writeEmpty(ctx *fasthttp.RequestCtx, x *exchange, m *routes.Match) *HTTPError {
	body, ok := emptyAnswer(m.Route, x.lookupQuery)
	if !ok {
		return errIndexNotFound(strings.Join(m.Indices(), ","))
	}
	ctx.Response.Reset()
	ctx.Response.SetStatusCode(fasthttp.StatusOK)
	ctx.Response.Header.Set("X-elastic-product", "Elasticsearch")
	if strings.HasPrefix(m.Route.Path, "/_cat/") && body == "" {
		ctx.Response.Header.SetContentType("text/plain; charset=UTF-8")
	} else {
		ctx.Response.Header.SetContentType("application/json")
	}
	if x.opaqueID != "" {
		ctx.Response.Header.Set("X-Opaque-Id", x.opaqueID)
	}
	if ctx.IsHead() {
		ctx.Response.SkipBody = true
		return nil
	}
	ctx.Response.SetBodyString(body)
	return nil
}
