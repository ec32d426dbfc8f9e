package proxy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// POST /_security/_query/api_key (TransportQueryApiKeyAction), evaluated by esguard over
// the keys it knows: the query types and fields the API documents (ApiKeyBoolQueryBuilder),
// from/size paging and sorting by key fields.

type queryAPIKeysRequest struct {
	Query json.RawMessage `json:"query"`
	From  *int            `json:"from"`
	Size  *int            `json:"size"`
	Sort  json.RawMessage `json:"sort"`
}

// keyQuery is a compiled query: it reports whether a key matches.
type keyQuery func(k *apiKeyInfo) bool

type queryError string

func (e queryError) Error() string { return string(e) }

func (s *Server) queryAPIKeysEndpoint(ctx *fasthttp.RequestCtx, x *exchange) *HTTPError {
	if herr := s.requireKeyStore(); herr != nil {
		return herr
	}
	var req queryAPIKeysRequest
	if body, herr := readBody(ctx, x); herr != nil {
		return herr
	} else if len(strings.TrimSpace(string(body))) > 0 {
		if herr := decodeStrict(body, &req); herr != nil {
			return herr
		}
	}
	match := keyQuery(func(*apiKeyInfo) bool { return true })
	if len(req.Query) > 0 {
		q, err := compileKeyQuery(req.Query)
		if err != nil {
			return errBadRequest("illegal_argument_exception", err.Error())
		}
		match = q
	}
	from, size := 0, 10
	if req.From != nil {
		from = *req.From
	}
	if req.Size != nil {
		size = *req.Size
	}
	if from < 0 || size < 0 || from+size > 10000 {
		return errBadRequest("illegal_argument_exception", "[from] and [size] must be non-negative and from + size must be at most 10000")
	}
	sorts, err := parseKeySort(req.Sort)
	if err != nil {
		return errBadRequest("illegal_argument_exception", err.Error())
	}
	// manage_own_api_key sees only the caller's keys, whatever the query says.
	ownOnly, herr := s.keyAccess(x, true)
	if herr != nil {
		return herr
	}
	all, lerr := s.listKeys(ctx, x)
	if lerr != nil {
		return errUpstream(fasthttp.StatusServiceUnavailable, "the API keys could not be read from the cluster", lerr)
	}
	hits := []apiKeyInfo{}
	for i := range all {
		if (!ownOnly || ownsKey(x, &all[i])) && match(&all[i]) {
			hits = append(hits, all[i])
		}
	}
	slices.SortStableFunc(hits, func(a, b apiKeyInfo) int {
		for _, so := range sorts {
			if c := compareField(&a, &b, so.field); c != 0 {
				if so.desc {
					return -c
				}
				return c
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	total := len(hits)
	page := hits[min(from, total):min(from+size, total)]
	s.auditGranted(x)
	return writeJSON(ctx, x, fasthttp.StatusOK, map[string]any{"total": total, "count": len(page), "api_keys": page})
}

type keySort struct {
	field string
	desc  bool
}

func parseKeySort(raw json.RawMessage) ([]keySort, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	var out []keySort
	for _, item := range list {
		var name string
		if json.Unmarshal(item, &name) == nil {
			out = append(out, keySort{field: keyField(name)})
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(item, &obj); err != nil || len(obj) != 1 {
			return nil, queryError("unsupported sort [" + string(item) + "]")
		}
		for f, v := range obj {
			var order string
			if json.Unmarshal(v, &order) != nil {
				var o struct{ Order string }
				if err := json.Unmarshal(v, &o); err != nil {
					return nil, queryError("unsupported sort [" + string(item) + "]")
				}
				order = o.Order
			}
			if order != "" && order != "asc" && order != "desc" {
				return nil, queryError("unsupported sort order [" + order + "]")
			}
			out = append(out, keySort{field: keyField(f), desc: order == "desc"})
		}
	}
	for _, so := range out {
		if !knownKeyField(so.field) {
			return nil, queryError("field [" + so.field + "] is not allowed for API key query or aggregation")
		}
	}
	return out, nil
}

// keyField maps the API's field names to esguard's: username is also "owner".
func keyField(f string) string {
	switch f {
	case "owner":
		return "username"
	case "realm":
		return "realm_name"
	case "_id":
		return "id"
	}
	return f
}

func knownKeyField(f string) bool {
	switch f {
	case "id", "name", "type", "username", "realm_name", "creation", "expiration", "invalidated", "invalidation":
		return true
	}
	return strings.HasPrefix(f, "metadata.")
}

// fieldValues returns a key's values of a field as strings (dates as epoch ms).
func fieldValues(k *apiKeyInfo, f string) []string {
	switch f {
	case "id":
		return []string{k.ID}
	case "name":
		return []string{k.Name}
	case "type":
		return []string{k.Type}
	case "username":
		return []string{k.Username}
	case "realm_name":
		return []string{k.Realm}
	case "creation":
		return []string{strconv.FormatInt(k.Creation, 10)}
	case "expiration":
		if k.Expiration == nil {
			return nil
		}
		return []string{strconv.FormatInt(*k.Expiration, 10)}
	case "invalidation":
		if k.Invalidation == nil {
			return nil
		}
		return []string{strconv.FormatInt(*k.Invalidation, 10)}
	case "invalidated":
		return []string{strconv.FormatBool(k.Invalidated)}
	}
	v, ok := lookupMetadata(k.Metadata, strings.TrimPrefix(f, "metadata."))
	if !ok {
		return nil
	}
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case map[string]any:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

func lookupMetadata(m map[string]any, dotted string) (any, bool) {
	if v, ok := m[dotted]; ok {
		return v, true
	}
	head, rest, found := strings.Cut(dotted, ".")
	if !found {
		return nil, false
	}
	sub, ok := m[head].(map[string]any)
	if !ok {
		return nil, false
	}
	return lookupMetadata(sub, rest)
}

func compareField(a, b *apiKeyInfo, f string) int {
	va, vb := fieldValues(a, f), fieldValues(b, f)
	switch {
	case len(va) == 0 && len(vb) == 0:
		return 0
	case len(va) == 0:
		return 1 // missing values sort last
	case len(vb) == 0:
		return -1
	}
	na, ea := strconv.ParseInt(va[0], 10, 64)
	nb, eb := strconv.ParseInt(vb[0], 10, 64)
	if ea == nil && eb == nil {
		return cmp.Compare(na, nb)
	}
	return strings.Compare(va[0], vb[0])
}

// compileKeyQuery compiles one query clause.
func compileKeyQuery(raw json.RawMessage) (keyQuery, error) {
	var clause map[string]json.RawMessage
	if err := json.Unmarshal(raw, &clause); err != nil || len(clause) != 1 {
		return nil, queryError("a query must be an object with exactly one query type")
	}
	for typ, body := range clause {
		switch typ {
		case "match_all":
			return func(*apiKeyInfo) bool { return true }, nil
		case "bool":
			return compileBool(body)
		case "ids":
			var v struct{ Values []string }
			if err := json.Unmarshal(body, &v); err != nil {
				return nil, queryError("[ids] query malformed")
			}
			return func(k *apiKeyInfo) bool { return slices.Contains(v.Values, k.ID) }, nil
		case "exists":
			var v struct{ Field string }
			if err := json.Unmarshal(body, &v); err != nil || v.Field == "" {
				return nil, queryError("[exists] query malformed")
			}
			f := keyField(v.Field)
			if !knownKeyField(f) {
				return nil, queryError("field [" + v.Field + "] is not allowed for API key query or aggregation")
			}
			return func(k *apiKeyInfo) bool { return len(fieldValues(k, f)) > 0 }, nil
		case "term", "terms", "prefix", "wildcard", "match", "range":
			return compileFieldQuery(typ, body)
		default:
			return nil, queryError("Query type [" + typ + "] is not currently supported in this context")
		}
	}
	return nil, queryError("empty query")
}

func compileBool(body json.RawMessage) (keyQuery, error) {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, queryError("[bool] query malformed")
	}
	clauses := map[string][]keyQuery{}
	minShould := -1
	for k, v := range b {
		switch k {
		case "must", "filter", "should", "must_not":
			var list []json.RawMessage
			if err := json.Unmarshal(v, &list); err != nil {
				list = []json.RawMessage{v}
			}
			for _, item := range list {
				q, err := compileKeyQuery(item)
				if err != nil {
					return nil, err
				}
				clauses[k] = append(clauses[k], q)
			}
		case "minimum_should_match":
			n, err := strconv.Atoi(strings.Trim(string(v), `"`))
			if err != nil {
				return nil, queryError("[bool] minimum_should_match must be an integer")
			}
			minShould = n
		case "boost", "_name":
		default:
			return nil, queryError("[bool] query does not support [" + k + "]")
		}
	}
	if minShould < 0 {
		minShould = 0
		if len(clauses["must"]) == 0 && len(clauses["filter"]) == 0 && len(clauses["should"]) > 0 {
			minShould = 1
		}
	}
	return func(k *apiKeyInfo) bool {
		for _, q := range clauses["must"] {
			if !q(k) {
				return false
			}
		}
		for _, q := range clauses["filter"] {
			if !q(k) {
				return false
			}
		}
		for _, q := range clauses["must_not"] {
			if q(k) {
				return false
			}
		}
		n := 0
		for _, q := range clauses["should"] {
			if q(k) {
				n++
			}
		}
		return n >= minShould
	}, nil
}

// compileFieldQuery compiles term, terms, prefix, wildcard, match and range queries on
// one field.
func compileFieldQuery(typ string, body json.RawMessage) (keyQuery, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, queryError("[" + typ + "] query malformed")
	}
	delete(m, "boost")
	delete(m, "_name")
	if len(m) != 1 {
		return nil, queryError("[" + typ + "] query must name exactly one field")
	}
	for name, spec := range m {
		f := keyField(name)
		if !knownKeyField(f) {
			return nil, queryError("field [" + name + "] is not allowed for API key query or aggregation")
		}
		switch typ {
		case "terms":
			var vals []any
			if err := json.Unmarshal(spec, &vals); err != nil {
				return nil, queryError("[terms] query expects a list of values")
			}
			want := make([]string, len(vals))
			for i, v := range vals {
				want[i] = fmt.Sprint(v)
			}
			return anyValue(f, func(v string) bool { return slices.Contains(want, v) }), nil
		case "range":
			return compileRange(f, spec)
		}
		var val any
		var obj map[string]any
		if json.Unmarshal(spec, &obj) == nil {
			val = obj["value"]
			if typ == "match" {
				val = obj["query"]
			}
		} else if err := json.Unmarshal(spec, &val); err != nil {
			return nil, queryError("[" + typ + "] query malformed")
		}
		if val == nil {
			return nil, queryError("[" + typ + "] query needs a value")
		}
		want := fmt.Sprint(val)
		switch typ {
		case "term":
			return anyValue(f, func(v string) bool { return v == want }), nil
		case "prefix":
			return anyValue(f, func(v string) bool { return strings.HasPrefix(v, want) }), nil
		case "wildcard":
			return anyValue(f, func(v string) bool { ok, _ := path.Match(escapeForMatch(want), v); return ok }), nil
		case "match":
			words := strings.Fields(strings.ToLower(want))
			return anyValue(f, func(v string) bool {
				for _, w := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '.' }) {
					if slices.Contains(words, w) {
						return true
					}
				}
				return slices.Contains(words, strings.ToLower(v))
			}), nil
		}
	}
	return nil, queryError("[" + typ + "] query malformed")
}

// escapeForMatch turns a wildcard query value (* and ?) into a path.Match pattern.
func escapeForMatch(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '[', ']', '\\', '/':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func anyValue(f string, pred func(string) bool) keyQuery {
	return func(k *apiKeyInfo) bool {
		return slices.ContainsFunc(fieldValues(k, f), pred)
	}
}

// compileRange compiles a range query over a date (epoch ms or "now±Nu") or string field.
func compileRange(f string, spec json.RawMessage) (keyQuery, error) {
	var r map[string]any
	if err := json.Unmarshal(spec, &r); err != nil {
		return nil, queryError("[range] query malformed")
	}
	type bound struct {
		op string
		v  string
	}
	var bounds []bound
	for op, v := range r {
		switch op {
		case "gt", "gte", "lt", "lte":
			s := fmt.Sprint(v)
			if f == "creation" || f == "expiration" || f == "invalidation" {
				ms, err := parseDateBound(s)
				if err != nil {
					return nil, queryError("[range] query: cannot parse date [" + s + "]")
				}
				s = strconv.FormatInt(ms, 10)
			}
			bounds = append(bounds, bound{op, s})
		case "format", "time_zone", "boost":
		default:
			return nil, queryError("[range] query does not support [" + op + "]")
		}
	}
	return anyValue(f, func(v string) bool {
		for _, b := range bounds {
			c := compareValues(v, b.v)
			if (b.op == "gt" && c <= 0) || (b.op == "gte" && c < 0) || (b.op == "lt" && c >= 0) || (b.op == "lte" && c > 0) {
				return false
			}
		}
		return true
	}), nil
}

func compareValues(a, b string) int {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return cmp.Compare(na, nb)
	}
	return strings.Compare(a, b)
}

// parseDateBound reads epoch milliseconds, an RFC 3339 time, or now with an optional
// ±N unit offset (d, h, m, s).
func parseDateBound(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UnixMilli(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UnixMilli(), nil
	}
	if rest, ok := strings.CutPrefix(s, "now"); ok {
		now := time.Now()
		if rest == "" {
			return now.UnixMilli(), nil
		}
		sign := time.Duration(1)
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return 0, queryError("bad date")
		}
		d, err := parseTimeValue(rest[1:])
		if err != nil {
			return 0, err
		}
		return now.Add(sign * d).UnixMilli(), nil
	}
	return 0, queryError("bad date")
}
