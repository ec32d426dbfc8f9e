package bodies

import (
	"bytes"
	"strings"
)

// IndexRef is an index the query DSL reads besides the request's own indices, with the
// action Elasticsearch runs on it as the user.
type IndexRef struct {
	Index  string
	Action string
	Kind   string
}

const (
	actionGet    = "indices:data/read/get"
	actionMTV    = "indices:data/read/mtv"
	actionSearch = "indices:data/read/search"
)

// indexKeys are the keys with which the query DSL names an index.
var indexKeys = map[string]bool{"index": true, "_index": true, "indices": true, "target_index": true}

// QueryIndexRefs walks a search-like JSON body and returns every index its query DSL
// reads besides the request's own: a terms lookup, a geo_shape or shape indexed_shape
// and percolate by id run a GET on their index; more_like_this like/unlike documents run
// multi term vectors; a lookup runtime field runs a search on its target_index. A key
// that names an index anywhere else makes the body refused: esguard cannot tell what it
// reads. Documents given inline (percolate "document", more_like_this "doc", pinned
// "docs") are not query DSL and are not inspected.
func QueryIndexRefs(body []byte) ([]IndexRef, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	v, err := obDecode(body)
	if err != nil {
		return nil, err
	}
	var refs []IndexRef
	return refs, qWalk(v, "", &refs)
}

func qRefused(key, path string) error {
	return &BadRequestError{Type: "illegal_argument_exception", Reason: "esguard cannot tell which index [" + key + "] at [" + path + "] reads; the request is refused"}
}

func qWalk(v *obValue, path string, refs *[]IndexRef) error {
	switch v.kind {
	case '[':
		for _, e := range v.vals {
			if err := qWalk(e, path+"[]", refs); err != nil {
				return err
			}
		}
	case '{':
		for i, k := range v.keys {
			val := v.vals[i]
			p := path + "." + k
			if path == "" {
				p = k
			}
			var err error
			switch k {
			case "terms":
				err = qTerms(val, p, refs)
			case "more_like_this":
				err = qMoreLikeThis(val, p, refs)
			case "percolate":
				err = qPercolate(val, p, refs)
			case "geo_shape", "shape":
				err = qShape(val, p, refs)
			case "runtime_mappings":
				err = qRuntime(val, p, refs)
			case "pinned":
				err = qPinned(val, p, refs)
			case "script":
				// A script's params and source are not query DSL and read no index.
				continue
			default:
				if indexKeys[k] {
					return qRefused(k, p)
				}
				err = qWalk(val, p, refs)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// qTerms reads {"terms": {"field": [values] | {lookup}, "boost": ...}}. Inside an
// aggregation, "terms" has "field" etc. and no lookup; walking it finds no index key.
func qTerms(v *obValue, path string, refs *[]IndexRef) error {
	if v.kind != '{' {
		return qWalk(v, path, refs)
	}
	for i, field := range v.keys {
		look := v.vals[i]
		if look.kind == '{' && look.get("index") != nil {
			name, err := obString(look.get("index"), path+"."+field+".index")
			if err != nil {
				return err
			}
			*refs = append(*refs, IndexRef{Index: name, Action: actionGet, Kind: "terms_lookup"})
			for _, k := range look.keys {
				if k != "index" && indexKeys[k] {
					return qRefused(k, path+"."+field+"."+k)
				}
			}
			continue
		}
		if err := qWalk(look, path+"."+field, refs); err != nil {
			return err
		}
	}
	return nil
}

func qMoreLikeThis(v *obValue, path string, refs *[]IndexRef) error {
	if v.kind != '{' {
		return qWalk(v, path, refs)
	}
	for i, k := range v.keys {
		val := v.vals[i]
		if k != "like" && k != "unlike" {
			if indexKeys[k] {
				return qRefused(k, path+"."+k)
			}
			if err := qWalk(val, path+"."+k, refs); err != nil {
				return err
			}
			continue
		}
		items := []*obValue{val}
		if val.kind == '[' {
			items = val.vals
		}
		for _, it := range items {
			if it.kind != '{' {
				continue // like text
			}
			if ix := it.get("_index"); ix != nil {
				name, err := obString(ix, path+"."+k+"._index")
				if err != nil {
					return err
				}
				*refs = append(*refs, IndexRef{Index: name, Action: actionMTV, Kind: "more_like_this"})
			}
			for j, dk := range it.keys {
				switch {
				case dk == "_index" || dk == "doc":
				case indexKeys[dk]:
					return qRefused(dk, path+"."+k+"."+dk)
				default:
					if err := qWalk(it.vals[j], path+"."+k+"."+dk, refs); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func qPercolate(v *obValue, path string, refs *[]IndexRef) error {
	if v.kind != '{' {
		return qWalk(v, path, refs)
	}
	for i, k := range v.keys {
		switch k {
		case "document", "documents":
		case "index":
			name, err := obString(v.vals[i], path+".index")
			if err != nil {
				return err
			}
			*refs = append(*refs, IndexRef{Index: name, Action: actionGet, Kind: "percolate"})
		default:
			if indexKeys[k] {
				return qRefused(k, path+"."+k)
			}
			if err := qWalk(v.vals[i], path+"."+k, refs); err != nil {
				return err
			}
		}
	}
	return nil
}

// defaultShapeIndex is AbstractGeometryQueryBuilder.DEFAULT_SHAPE_INDEX_NAME.
const defaultShapeIndex = "shapes"

func qShape(v *obValue, path string, refs *[]IndexRef) error {
	if v.kind != '{' {
		return qWalk(v, path, refs)
	}
	for i, field := range v.keys {
		spec := v.vals[i]
		if spec.kind == '{' {
			if is := spec.get("indexed_shape"); is != nil {
				if is.kind != '{' {
					return qRefused("indexed_shape", path+"."+field)
				}
				name := defaultShapeIndex
				if ix := is.get("index"); ix != nil {
					s, err := obString(ix, path+"."+field+".indexed_shape.index")
					if err != nil {
						return err
					}
					name = s
				}
				*refs = append(*refs, IndexRef{Index: name, Action: actionGet, Kind: "indexed_shape"})
				for _, k := range is.keys {
					if k != "index" && indexKeys[k] {
						return qRefused(k, path+"."+field+".indexed_shape."+k)
					}
				}
				continue
			}
		}
		if indexKeys[field] {
			return qRefused(field, path+"."+field)
		}
		if err := qWalk(spec, path+"."+field, refs); err != nil {
			return err
		}
	}
	return nil
}

func qRuntime(v *obValue, path string, refs *[]IndexRef) error {
	if v.kind != '{' {
		return qWalk(v, path, refs)
	}
	for i, field := range v.keys {
		def := v.vals[i]
		if def.kind != '{' {
			continue
		}
		for j, k := range def.keys {
			switch {
			case k == "target_index":
				name, err := obString(def.vals[j], path+"."+field+".target_index")
				if err != nil {
					return err
				}
				*refs = append(*refs, IndexRef{Index: name, Action: actionSearch, Kind: "lookup_runtime_field"})
			case k == "script":
			case indexKeys[k]:
				return qRefused(k, path+"."+field+"."+k)
			default:
				if err := qWalk(def.vals[j], path+"."+field+"."+k, refs); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// qPinned skips the ids of pinned documents: they name documents, they read nothing.
func qPinned(v *obValue, path string, refs *[]IndexRef) error {
	if v.kind != '{' {
		return qWalk(v, path, refs)
	}
	for i, k := range v.keys {
		if k == "docs" {
			continue
		}
		if err := qWalk(v.vals[i], path+"."+k, refs); err != nil {
			return err
		}
	}
	return nil
}

// Template is what a search template body lets esguard see.
type Template struct {
	Stored bool // "id": a stored template, whose text esguard cannot see
	Refs   []IndexRef
}

// ParseSearchTemplate reads a search template body (SearchTemplateRequest): an inline
// "source" object is walked as query DSL; a mustache "source" string is walked after its
// tags are replaced by placeholders, and refused when a tag could produce a key or an
// index name, or when the text is not JSON once the tags are replaced.
func ParseSearchTemplate(body []byte) (Template, error) {
	var t Template
	v, err := obDecode(body)
	if err != nil {
		return t, err
	}
	for i, k := range v.keys {
		switch k {
		case "id":
			t.Stored = true
		case "source", "inline":
			src := v.vals[i]
			switch src.kind {
			case '{':
				t.Refs, err = QueryIndexRefs(src.raw)
			case 's':
				t.Refs, err = templateRefs(src.str)
			default:
				err = &BadRequestError{Type: "illegal_argument_exception", Reason: "[source] must be an object or a string"}
			}
			if err != nil {
				return t, err
			}
		case "params", "explain", "profile":
		default:
			return t, &BadRequestError{Type: "x_content_parse_exception", Reason: "[search_template] unknown field [" + k + "]"}
		}
	}
	return t, nil
}

const templateMarker = "esguardmustache"

func templateRefs(src string) ([]IndexRef, error) {
	refuse := func(why string) error {
		return &BadRequestError{Type: "illegal_argument_exception", Reason: "esguard cannot tell which indices this search template reads (" + why + "); the request is refused"}
	}
	var b strings.Builder
	inString := false
	for i := 0; i < len(src); {
		c := src[i]
		if strings.HasPrefix(src[i:], "{{") {
			end := strings.Index(src[i:], "}}")
			if end < 0 {
				return nil, refuse("an unclosed mustache tag")
			}
			tag := src[i+2 : i+end]
			n := end + 2
			if strings.HasPrefix(tag, "{") && strings.HasPrefix(src[i+n:], "}") {
				n++
			}
			switch {
			case strings.HasPrefix(tag, "#toJson") || strings.HasPrefix(tag, "#join"):
				closeTag := "{{/" + strings.TrimSpace(strings.Fields(tag[1:])[0]) + "}}"
				k := strings.Index(src[i+n:], closeTag)
				if k < 0 {
					return nil, refuse("an unclosed section")
				}
				n += k + len(closeTag)
				if inString {
					b.WriteString(templateMarker)
				} else {
					b.WriteString("0")
				}
			case strings.HasPrefix(tag, "#"), strings.HasPrefix(tag, "^"), strings.HasPrefix(tag, "/"):
				return nil, refuse("a mustache section")
			case inString:
				b.WriteString(templateMarker)
			default:
				b.WriteString("0")
			}
			i += n
			continue
		}
		if c == '"' {
			inString = !inString
		} else if c == '\\' && inString && i+1 < len(src) {
			b.WriteByte(c)
			i++
			c = src[i]
		}
		b.WriteByte(c)
		i++
	}
	v, err := obDecode([]byte(b.String()))
	if err != nil {
		return nil, refuse("it is not JSON once its tags are replaced")
	}
	if err := templateKeysFixed(v); err != nil {
		return nil, refuse(err.Error())
	}
	var refs []IndexRef
	if err := qWalk(v, "", &refs); err != nil {
		return nil, err
	}
	for _, r := range refs {
		if strings.Contains(r.Index, templateMarker) {
			return nil, refuse("a tag names an index")
		}
	}
	return refs, nil
}

// templateKeysFixed refuses a template whose tags could produce an object key.
func templateKeysFixed(v *obValue) error {
	for i, k := range v.keys {
		if strings.Contains(k, templateMarker) {
			return &BadRequestError{Reason: "a tag produces a key"}
		}
		if err := templateKeysFixed(v.vals[i]); err != nil {
			return err
		}
	}
	for _, e := range v.vals {
		if v.kind == '[' {
			if err := templateKeysFixed(e); err != nil {
				return err
			}
		}
	}
	return nil
}
