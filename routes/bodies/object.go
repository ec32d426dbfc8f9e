package bodies

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// obValue is a JSON value decoded with its object keys in order. Elasticsearch's parser
// refuses duplicate keys (Jackson's strict duplicate detection), and so does obDecode.
type obValue struct {
	kind byte // '{', '[', 's' string, 'n' number, 'b' boolean, 'z' null
	str  string
	keys []string
	vals []*obValue
	raw  []byte // the value's bytes in the input (objects only)
}

func (v *obValue) get(key string) *obValue {
	if v == nil || v.kind != '{' {
		return nil
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

// obDecode decodes one JSON object body.
func obDecode(body []byte) (*obValue, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := obRead(dec, body, 0)
	if err != nil {
		if _, ok := err.(*BadRequestError); ok {
			return nil, err
		}
		return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "request body is not valid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "request body holds more than one JSON value"}
	}
	if v.kind != '{' {
		return nil, &BadRequestError{Type: "parse_exception", Reason: "request body must be a JSON object"}
	}
	return v, nil
}

func obRead(dec *json.Decoder, body []byte, depth int) (*obValue, error) {
	if depth > 200 {
		return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "request body is nested too deeply"}
	}
	start := dec.InputOffset()
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &obValue{kind: '{'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				for _, seen := range v.keys {
					if seen == k {
						return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "Duplicate field '" + k + "'"}
					}
				}
				val, err := obRead(dec, body, depth+1)
				if err != nil {
					return nil, err
				}
				v.keys, v.vals = append(v.keys, k), append(v.vals, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			v.raw = bytes.TrimLeft(body[start:dec.InputOffset()], " \t\r\n,:")
			return v, nil
		case '[':
			v := &obValue{kind: '['}
			for dec.More() {
				val, err := obRead(dec, body, depth+1)
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		}
	case string:
		return &obValue{kind: 's', str: t}, nil
	case json.Number:
		return &obValue{kind: 'n', str: t.String()}, nil
	case bool:
		return &obValue{kind: 'b', str: strconv.FormatBool(t)}, nil
	case nil:
		return &obValue{kind: 'z'}, nil
	}
	return nil, errors.New("unexpected token")
}

// obIndices reads an index field: a string (comma-separated) or an array of strings.
func obIndices(v *obValue, field string) ([]string, error) {
	switch {
	case v == nil || v.kind == 'z':
		return nil, nil
	case v.kind == 's':
		return splitList(v.str), nil
	case v.kind == '[':
		var out []string
		for _, e := range v.vals {
			if e.kind != 's' {
				return nil, &BadRequestError{Type: "illegal_argument_exception", Reason: "[" + field + "] must hold strings"}
			}
			out = append(out, splitList(e.str)...)
		}
		return out, nil
	}
	return nil, &BadRequestError{Type: "illegal_argument_exception", Reason: "[" + field + "] must be a string or an array of strings"}
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// obString reads an optional string field.
func obString(v *obValue, field string) (string, error) {
	switch {
	case v == nil || v.kind == 'z':
		return "", nil
	case v.kind == 's':
		return v.str, nil
	}
	return "", &BadRequestError{Type: "illegal_argument_exception", Reason: "[" + field + "] must be a string"}
}

// Reindex is what a _reindex body makes Elasticsearch read and write.
type Reindex struct {
	Source      []string // source.index
	Dest        string   // dest.index
	DestOpType  string   // dest.op_type ("" means index)
	Remote      bool     // source.remote is set
	SourceQuery []byte   // source.query, nil when absent
}

// ParseReindex reads a _reindex body (ReindexRequest.fromXContent).
func ParseReindex(body []byte) (Reindex, error) {
	var r Reindex
	v, err := obDecode(body)
	if err != nil {
		return r, err
	}
	src, dest := v.get("source"), v.get("dest")
	if src == nil || src.kind != '{' || dest == nil || dest.kind != '{' {
		return r, &BadRequestError{Type: "action_request_validation_exception", Reason: "Validation Failed: 1: use _reindex with a [source] and a [dest] object;"}
	}
	if r.Source, err = obIndices(src.get("index"), "source.index"); err != nil {
		return r, err
	}
	r.Remote = src.get("remote") != nil
	if q := src.get("query"); q != nil {
		r.SourceQuery = q.raw
	}
	if r.Dest, err = obString(dest.get("index"), "dest.index"); err != nil {
		return r, err
	}
	if r.DestOpType, err = obString(dest.get("op_type"), "dest.op_type"); err != nil {
		return r, err
	}
	if len(r.Source) == 0 || r.Dest == "" {
		return r, &BadRequestError{Type: "action_request_validation_exception", Reason: "Validation Failed: 1: use _reindex with source.index and dest.index;"}
	}
	return r, nil
}

// AliasActionKind is the kind of one alias action.
type AliasActionKind uint8

// The alias actions of POST /_aliases.
const (
	AliasAdd AliasActionKind = iota + 1
	AliasRemove
	AliasRemoveIndex
)

// AliasAction is one action of POST /_aliases.
type AliasAction struct {
	Kind    AliasActionKind
	Indices []string
	Aliases []string
}

var aliasActionFields = map[string]bool{
	"index": true, "indices": true, "alias": true, "aliases": true, "filter": true, "routing": true,
	"index_routing": true, "search_routing": true, "is_write_index": true, "is_hidden": true, "must_exist": true,
}

// ParseAliasActions reads the actions of POST /_aliases (IndicesAliasesRequest).
func ParseAliasActions(body []byte) ([]AliasAction, error) {
	v, err := obDecode(body)
	if err != nil {
		return nil, err
	}
	for _, k := range v.keys {
		if k != "actions" {
			return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "[aliases] unknown field [" + k + "]"}
		}
	}
	acts := v.get("actions")
	if acts == nil || acts.kind != '[' {
		return nil, &BadRequestError{Type: "action_request_validation_exception", Reason: "Validation Failed: 1: no actions specified;"}
	}
	var out []AliasAction
	for _, a := range acts.vals {
		if a.kind != '{' || len(a.keys) != 1 {
			return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "[aliases] each action must be an object with one of add, remove, remove_index"}
		}
		var act AliasAction
		switch a.keys[0] {
		case "add":
			act.Kind = AliasAdd
		case "remove":
			act.Kind = AliasRemove
		case "remove_index":
			act.Kind = AliasRemoveIndex
		default:
			return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "[aliases] unknown field [" + a.keys[0] + "]"}
		}
		p := a.vals[0]
		if p.kind != '{' {
			return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "[" + a.keys[0] + "] must be an object"}
		}
		for _, k := range p.keys {
			if !aliasActionFields[k] {
				return nil, &BadRequestError{Type: "x_content_parse_exception", Reason: "[" + a.keys[0] + "] unknown field [" + k + "]"}
			}
		}
		for _, f := range []string{"index", "indices"} {
			ix, err := obIndices(p.get(f), f)
			if err != nil {
				return nil, err
			}
			act.Indices = append(act.Indices, ix...)
		}
		for _, f := range []string{"alias", "aliases"} {
			al, err := obIndices(p.get(f), f)
			if err != nil {
				return nil, err
			}
			act.Aliases = append(act.Aliases, al...)
		}
		if len(act.Indices) == 0 {
			return nil, &BadRequestError{Type: "action_request_validation_exception", Reason: "Validation Failed: 1: One of [index] or [indices] is required;"}
		}
		if act.Kind != AliasRemoveIndex && len(act.Aliases) == 0 {
			return nil, &BadRequestError{Type: "action_request_validation_exception", Reason: "Validation Failed: 1: One of [alias] or [aliases] is required;"}
		}
		out = append(out, act)
	}
	return out, nil
}

var putAliasFields = map[string]bool{
	"index": true, "alias": true, "filter": true, "routing": true, "index_routing": true,
	"search_routing": true, "is_write_index": true, "is_hidden": true, "must_exist": true,
}

// ParsePutAlias reads the body of PUT /{index}/_alias/{name} (RestIndexPutAliasAction):
// the "index" and "alias" fields override the path; "" when absent.
func ParsePutAlias(body []byte) (index, alias string, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", "", nil
	}
	v, err := obDecode(body)
	if err != nil {
		return "", "", err
	}
	for _, k := range v.keys {
		if !putAliasFields[k] {
			return "", "", &BadRequestError{Type: "illegal_argument_exception", Reason: "unknown field [" + k + "] in the alias definition"}
		}
	}
	if index, err = obString(v.get("index"), "index"); err != nil {
		return "", "", err
	}
	alias, err = obString(v.get("alias"), "alias")
	return index, alias, err
}

// CreateIndexAliases returns the alias names in the "aliases" object of a create-index,
// resize or rollover body.
func CreateIndexAliases(body []byte) ([]string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	v, err := obDecode(body)
	if err != nil {
		return nil, err
	}
	a := v.get("aliases")
	if a == nil {
		return nil, nil
	}
	if a.kind != '{' {
		return nil, &BadRequestError{Type: "illegal_argument_exception", Reason: "[aliases] must be an object"}
	}
	return append([]string(nil), a.keys...), nil
}
