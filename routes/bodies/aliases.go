package bodies

import "strings"

// AliasActionKind is the kind of one alias action of POST /_aliases
// (IndicesAliasesRequest.AliasActions.Type).
type AliasActionKind uint8

// The kinds of alias action.
const (
	AliasAdd         AliasActionKind = iota + 1 // add aliases to indices
	AliasRemove                                 // remove aliases from indices
	AliasRemoveIndex                            // delete indices
)

// AliasAction is one action of POST /_aliases, or the one action of a put-alias
// request.
type AliasAction struct {
	Kind AliasActionKind
	// Indices are the indices of "index" (one name, not split at commas) or "indices".
	Indices []string
	// Aliases are the aliases of "alias" (one name) or "aliases"; none for
	// AliasRemoveIndex.
	Aliases []string
	// Filter is set when the action gives a non-empty filter; Routing when it gives
	// routing, index_routing or search_routing. Both only for AliasAdd.
	Filter, Routing bool
	// MustExist (AliasRemove), IsWriteIndex and IsHidden (AliasAdd), nil when absent.
	MustExist, IsWriteIndex, IsHidden *bool
}

var (
	alCommonKeys  = jsSet("index", "indices", "alias", "aliases")
	alRoutingKeys = jsSet("routing", "index_routing", "indexRouting", "index-routing",
		"search_routing", "searchRouting", "search-routing")
)

// ParseAliasActions reads the body of POST /_aliases (IndicesAliasesRequest.PARSER and
// AliasActions.PARSER): {"actions": [{"add": {...}}, {"remove": {...}},
// {"remove_index": {...}}]}, where "actions" may also be a single action object. Each
// action is checked as AliasActions checks it: one of index and indices, one of alias
// and aliases (none for remove_index), no empty names, and only the fields its kind
// declares.
func ParseAliasActions(body []byte) ([]AliasAction, error) {
	v, err := jsDecode(body)
	if err != nil {
		return nil, err
	}
	for _, k := range v.keys {
		if k != "actions" {
			return nil, jsParseError("[aliases] unknown field [" + k + "]")
		}
	}
	acts := v.get("actions")
	var items []*jsValue
	switch {
	case acts == nil:
	case acts.kind == '[':
		items = acts.vals
	case acts.kind == '{':
		items = []*jsValue{acts}
	default:
		return nil, jsParseError("[aliases] actions doesn't support values of type: " + jsTypeName(acts))
	}
	if len(items) == 0 {
		return nil, jsIllegalArgument("No action specified")
	}
	out := make([]AliasAction, 0, len(items))
	for _, it := range items {
		a, err := alAction(it)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func alAction(it *jsValue) (AliasAction, error) {
	var a AliasAction
	if it.kind != '{' {
		return a, jsParseError("[alias_action] must be an object, not " + jsTypeName(it))
	}
	if len(it.keys) == 0 {
		return a, jsIllegalArgument("an alias action must be one of [add], [remove] or [remove_index]")
	}
	if len(it.keys) > 1 {
		return a, jsIllegalArgument("Too many operations declared on operation entry")
	}
	name := it.keys[0]
	switch name {
	case "add":
		a.Kind = AliasAdd
	case "remove":
		a.Kind = AliasRemove
	case "remove_index":
		a.Kind = AliasRemoveIndex
	default:
		return a, jsParseError("[alias_action] unknown field [" + name + "]")
	}
	p := it.vals[0]
	if p.kind != '{' {
		return a, jsParseError("[alias_action] " + name + " doesn't support values of type: " + jsTypeName(p))
	}
	for i, k := range p.keys {
		val := p.vals[i]
		var err error
		switch {
		case alCommonKeys[k]:
			err = alNames(&a, name, k, val)
		case a.Kind == AliasAdd && k == "filter":
			if val.kind != '{' {
				return a, jsParseError("[" + name + "] filter doesn't support values of type: " + jsTypeName(val))
			}
			a.Filter = len(val.keys) > 0
		case a.Kind == AliasAdd && alRoutingKeys[k]:
			if val.kind != 's' && val.kind != 'n' {
				return a, jsParseError("[" + name + "] " + k + " doesn't support values of type: " + jsTypeName(val))
			}
			a.Routing = true
		case a.Kind == AliasAdd && k == "is_write_index":
			a.IsWriteIndex, err = jsBool(val, k)
		case a.Kind == AliasAdd && k == "is_hidden":
			a.IsHidden, err = jsBool(val, k)
		case a.Kind == AliasRemove && k == "must_exist":
			a.MustExist, err = jsBool(val, k)
		default:
			return a, jsParseError("[" + name + "] unknown field [" + k + "]")
		}
		if err != nil {
			return a, err
		}
	}
	if a.Indices == nil {
		return a, jsIllegalArgument("One of [index] or [indices] is required")
	}
	if a.Kind != AliasRemoveIndex && len(a.Aliases) == 0 {
		return a, jsIllegalArgument("One of [alias] or [aliases] is required")
	}
	return a, nil
}

// alNames reads index, indices, alias or aliases into a, with AliasActions' checks.
func alNames(a *AliasAction, action, key string, val *jsValue) error {
	alias := strings.HasPrefix(key, "alias")
	if alias && a.Kind == AliasRemoveIndex {
		return jsIllegalArgument("[" + key + "] is unsupported for [REMOVE_INDEX]")
	}
	var names []string
	switch key {
	case "index", "alias":
		s, _, err := jsString(val, action+"."+key)
		if err != nil {
			return err
		}
		if s == "" {
			return jsIllegalArgument("[" + key + "] can't be empty string")
		}
		names = []string{s}
	default:
		var err error
		if names, err = jsStrings(val, action+"."+key); err != nil {
			return err
		}
		if len(names) == 0 {
			return jsIllegalArgument("[" + key + "] can't be empty")
		}
		for _, n := range names {
			if n == "" {
				return jsIllegalArgument("[" + key + "] can't contain empty string")
			}
		}
	}
	if alias {
		if len(a.Aliases) > 0 {
			return jsIllegalArgument("Only one of [alias] and [aliases] is supported")
		}
		a.Aliases = names
		return nil
	}
	if a.Indices != nil {
		return jsIllegalArgument("Only one of [index] and [indices] is supported")
	}
	a.Indices = names
	return nil
}

var alPutAliasKeys = jsSet("index", "alias", "routing", "indexRouting", "index-routing", "index_routing",
	"searchRouting", "search-routing", "search_routing", "is_write_index")

// ParsePutAlias reads the body of PUT or POST /{index}/_alias/{name} and its variants
// (RestIndexPutAliasAction). It returns the "index" and "alias" fields, which override
// the path ("" when absent); Elasticsearch splits index at commas. The body may also
// set filter (an object), routing, index_routing, search_routing and is_write_index;
// any other field, is_hidden included, is refused as Elasticsearch refuses it
// ("Unsupported field"), and so is an array. Elasticsearch reads the fields of a nested
// object other than filter as if they were top-level ones: esguard refuses such an
// object. An empty body gives no override.
func ParsePutAlias(body []byte) (index, alias string, err error) {
	if len(body) == 0 {
		return "", "", nil
	}
	if strings.TrimLeft(string(body), " \t\r\n") == "" {
		return "", "", jsIllegalArgument("No index alias is specified")
	}
	v, err := jsDecode(body)
	if err != nil {
		return "", "", err
	}
	for i, k := range v.keys {
		val := v.vals[i]
		switch {
		case val.kind == '[':
			return "", "", &BadRequestError{Type: "parsing_exception", Reason: "Unexpected token [START_ARRAY]"}
		case val.kind == '{' && k == "filter":
		case val.kind == '{':
			return "", "", jsIllegalArgument("Elasticsearch reads the fields inside [" + k + "] as top-level alias fields; esguard refuses such a body")
		case !alPutAliasKeys[k]:
			return "", "", jsIllegalArgument("Unsupported field [" + k + "]")
		case k == "index" || k == "alias":
			if val.kind != 's' {
				return "", "", jsIllegalArgument("[" + k + "] must be a string, not " + jsTypeName(val))
			}
			if k == "index" {
				index = val.str
			} else {
				alias = val.str
			}
		case k == "is_write_index":
			if _, err := jsBool(val, k); err != nil {
				return "", "", err
			}
		}
	}
	if v.get("index") != nil && len(jsJavaSplit(index)) == 0 {
		return "", "", jsIllegalArgument("[indices] can't be empty")
	}
	for _, n := range jsJavaSplit(index) {
		if n == "" {
			return "", "", jsIllegalArgument("[indices] can't contain empty string")
		}
	}
	if v.get("alias") != nil && alias == "" {
		return "", "", jsIllegalArgument("[alias] can't be empty string")
	}
	return index, alias, nil
}

var alDefinitionKeys = jsSet("filter", "routing", "index_routing", "indexRouting", "index-routing",
	"search_routing", "searchRouting", "search-routing", "is_write_index", "is_hidden")

// CreateIndexAliases returns the alias names in the "aliases" object of a create-index
// body ({"settings", "mappings", "aliases": {name: {...}}}, CreateIndexRequest.source),
// of a resize body (shrink, split, clone) and of a rollover body (RolloverRequest,
// beside "conditions"). An empty body gives none.
//
// Elasticsearch reads each alias definition with a loose token loop
// (Alias.fromXContent): an object or array it does not expect there ends the
// definition early, and the rest is read as further alias names. esguard therefore
// refuses a definition that is not an object of the known fields (filter an object,
// the routings strings or numbers, is_write_index and is_hidden booleans).
func CreateIndexAliases(body []byte) ([]string, error) {
	if strings.TrimLeft(string(body), " \t\r\n") == "" {
		return nil, nil
	}
	v, err := jsDecode(body)
	if err != nil {
		return nil, err
	}
	a := v.get("aliases")
	if a == nil {
		return nil, nil
	}
	if a.kind != '{' {
		return nil, &BadRequestError{Type: "parse_exception", Reason: "key [aliases] must be an object"}
	}
	for i, name := range a.keys {
		def := a.vals[i]
		if def.kind != '{' {
			return nil, jsIllegalArgument("esguard cannot read the definition of alias [" + name + "]: it must be an object")
		}
		for j, k := range def.keys {
			val := def.vals[j]
			ok := alDefinitionKeys[k]
			switch {
			case k == "filter":
				ok = val.kind == '{'
			case k == "is_write_index" || k == "is_hidden":
				ok = val.kind == 'b' || val.kind == 'z'
			case ok:
				ok = val.kind == 's' || val.kind == 'n' || val.kind == 'z'
			}
			if !ok {
				return nil, jsIllegalArgument("esguard cannot read the definition of alias [" + name + "]: field [" + k + "] is unknown or of an unexpected type")
			}
		}
		if name == "" {
			return nil, jsIllegalArgument("alias name is empty")
		}
	}
	return append([]string(nil), a.keys...), nil
}
