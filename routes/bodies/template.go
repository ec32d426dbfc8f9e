package bodies

import (
	"strings"
)

// Template is what a search template body (POST _search/template, _render/template,
// and each body of _msearch/template) lets esguard see.
type Template struct {
	// Stored is set when the body names a stored template ("id"), whose text esguard
	// cannot see.
	Stored bool
	// Refs are the indices the rendered query DSL reads besides the request's own
	// (QueryIndexRefs).
	Refs []IndexRef
}

// tpMarker stands for the text of a mustache tag inside a JSON string. It is a
// private-use character around a name, so it is valid JSON string content.
const tpMarker = "\ue000esguard-mustache-tag\ue000"

// ParseSearchTemplate reads a search template body (SearchTemplateRequest.fromXContent):
// "id" names a stored template; "source" (also spelled "inline" or "template") is the
// template, an object or a mustache string; "params", "explain" and "profile" may
// accompany them. Any other key is refused as Elasticsearch refuses it.
//
// An inline template is rendered the way Elasticsearch renders it (mustache, with
// {{var}} JSON-escaped), using the body's params where the value decides the JSON
// structure, and the result is walked with the rules of QueryIndexRefs:
//
//   - {{var}} inside a JSON string cannot leave the string; its text stands for a
//     placeholder. Outside a string, the param must render as a number, true, false,
//     null or nothing.
//   - {{{var}}} and {{&var}} are not escaped: inside a string the param's text must not
//     hold a quote, a backslash or a control character; outside, the rule above.
//   - {{#toJson}}var{{/toJson}} outside a string renders the param as JSON;
//     {{#join}}var{{/join}} inside a string joins plain strings or numbers.
//   - {{! comments }} render nothing.
//
// Esguard refuses (fails closed) any other section, inverted section, partial,
// delimiter change or tag that is not a dotted param name; a tag in an object key or
// in a value that names an index; and a text that is not one JSON object once
// rendered.
func ParseSearchTemplate(body []byte) (Template, error) {
	var t Template
	v, err := jsDecode(body)
	if err != nil {
		return t, err
	}
	var src, params *jsValue
	var srcName string
	hasID := false
	for i, k := range v.keys {
		val := v.vals[i]
		switch k {
		case "id":
			if val.kind != 's' {
				return t, jsParseError("[search_template] id doesn't support values of type: " + jsTypeName(val))
			}
			hasID = true
		case "source", "inline", "template":
			if src != nil {
				return t, jsIllegalArgument("duplicate key [" + k + "] in the request body: [" + srcName + "] and [" + k + "] are one field; esguard refuses a body whose keys repeat")
			}
			src, srcName = val, k
		case "params":
			if val.kind != '{' {
				return t, jsParseError("[search_template] params doesn't support values of type: " + jsTypeName(val))
			}
			params = val
		case "explain", "profile":
			if _, err := jsBool(val, k); err != nil {
				return t, err
			}
		default:
			return t, jsParseError("[search_template] unknown field [" + k + "]")
		}
	}
	switch {
	case hasID && src != nil:
		return t, jsIllegalArgument("the search template body sets both [id] and [" + srcName + "]; esguard cannot tell which template Elasticsearch runs, so the request is refused")
	case hasID:
		t.Stored = true
		return t, nil
	case src == nil:
		return t, jsValidation("template is missing")
	}
	var text string
	switch src.kind {
	case '{':
		// Elasticsearch turns an object template into its JSON text before rendering it.
		text = string(jsEncode(nil, src))
	case 's':
		text = src.str
	default:
		return t, jsParseError("[search_template] " + srcName + " doesn't support values of type: " + jsTypeName(src))
	}
	if text == "" {
		return t, jsValidation("template is missing")
	}
	t.Refs, err = tpRefs(text, params)
	return t, err
}

func tpRefuse(why string) error {
	return jsIllegalArgument("esguard cannot tell which indices this search template reads: " + why + "; the request is refused")
}

// tpRefs renders a template and returns the indices its query DSL reads.
func tpRefs(text string, params *jsValue) ([]IndexRef, error) {
	rendered, err := tpRender(text, params)
	if err != nil {
		return nil, err
	}
	v, err := jsDecode([]byte(rendered))
	if err != nil {
		return nil, tpRefuse("it is not one JSON object once its mustache tags are rendered")
	}
	if err := tpKeysFixed(v, ""); err != nil {
		return nil, err
	}
	w := qWalker{marker: tpMarker}
	if err := w.walk(v, ""); err != nil {
		return nil, err
	}
	return w.refs, nil
}

// tpKeysFixed refuses a rendered template whose object keys come from mustache tags.
func tpKeysFixed(v *jsValue, path string) error {
	for i, e := range v.vals {
		p := path
		if v.kind == '{' {
			k := v.keys[i]
			p = qJoin(path, k)
			if strings.Contains(k, tpMarker) {
				return tpRefuse("a mustache tag produces the key at [" + p + "]")
			}
		}
		if err := tpKeysFixed(e, p); err != nil {
			return err
		}
	}
	return nil
}

// The JSON context of a position in template text.
type tpState uint8

const (
	tpStruct tpState = iota
	tpString
	tpLineComment
	tpBlockComment
)

// tpRender replaces the mustache tags of text, tracking whether each one sits inside
// a JSON string, outside one, or in a comment.
func tpRender(text string, params *jsValue) (string, error) {
	var out strings.Builder
	st, escaped := tpStruct, false
	for i := 0; i < len(text); {
		if strings.HasPrefix(text[i:], "{{") {
			if escaped {
				return "", tpRefuse("a mustache tag follows a backslash")
			}
			n, s, err := tpTag(text, i, st, params)
			if err != nil {
				return "", err
			}
			out.WriteString(s)
			i += n
			continue
		}
		c := text[i]
		out.WriteByte(c)
		i++
		switch st {
		case tpString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				st = tpStruct
			}
		case tpStruct:
			switch {
			case c == '"':
				st = tpString
			case c == '/' && i < len(text) && text[i] == '/':
				st = tpLineComment
				out.WriteByte('/')
				i++
			case c == '/' && i < len(text) && text[i] == '*':
				st = tpBlockComment
				out.WriteByte('*')
				i++
			}
		case tpLineComment:
			if c == '\n' || c == '\r' {
				st = tpStruct
			}
		case tpBlockComment:
			if c == '*' && i < len(text) && text[i] == '/' {
				out.WriteByte('/')
				i++
				st = tpStruct
			}
		}
	}
	return out.String(), nil
}

// tpTag renders the tag at text[i:], which starts with "{{". It returns the length of
// the tag (with a section's content and closing tag) and its replacement.
func tpTag(text string, i int, st tpState, params *jsValue) (int, string, error) {
	if strings.HasPrefix(text[i:], "{{{") {
		end := strings.Index(text[i+3:], "}}}")
		if end < 0 {
			return 0, "", tpRefuse("a mustache tag is not closed")
		}
		s, err := tpUnescaped(strings.TrimSpace(text[i+3:i+3+end]), st, params)
		return 3 + end + 3, s, err
	}
	end := strings.Index(text[i+2:], "}}")
	if end < 0 {
		return 0, "", tpRefuse("a mustache tag is not closed")
	}
	n := 2 + end + 2
	inner := strings.TrimSpace(text[i+2 : i+2+end])
	if inner == "" {
		return 0, "", tpRefuse("a mustache tag is empty")
	}
	switch inner[0] {
	case '!':
		return n, "", nil
	case '&':
		s, err := tpUnescaped(strings.TrimSpace(inner[1:]), st, params)
		return n, s, err
	case '#':
		return tpSection(text, i+n, n, strings.TrimSpace(inner[1:]), st, params)
	}
	if err := tpName(inner); err != nil {
		return 0, "", err
	}
	if st == tpString {
		// JSON-escaped text stays inside its string.
		return n, tpMarker, nil
	}
	v := tpLookup(params, inner)
	if v != nil && !v.isScalar() {
		return 0, "", tpRefuse("the tag {{" + inner + "}} outside a JSON string renders an object or an array")
	}
	s := ""
	if v != nil && v.kind != 'z' {
		s = v.str
		if v.kind == 's' {
			s = string(jsEscape(nil, v.str))
		}
	}
	if !tpIsLiteral(s) {
		return 0, "", tpRefuse("the tag {{" + inner + "}} outside a JSON string renders [" + s + "], which is not a number, a boolean or null")
	}
	return n, s, nil
}

// tpName accepts the names of plain variables: dotted words. Other tags (inverted
// sections, partials, delimiter changes and mustache.java's extensions) and names
// (such as "." for the whole scope) are refused.
func tpName(name string) error {
	for seg := range strings.SplitSeq(name, ".") {
		if seg == "" || strings.ContainsFunc(seg, func(r rune) bool {
			return !(r == '_' || r == '-' || r == '@' || (r >= '0' && r <= '9') || (r|0x20 >= 'a' && r|0x20 <= 'z'))
		}) {
			return tpRefuse("the template uses the mustache tag {{" + name + "}}")
		}
	}
	return nil
}

// tpUnescaped renders {{{name}}} or {{&name}}, whose text is not escaped.
func tpUnescaped(name string, st tpState, params *jsValue) (string, error) {
	if err := tpName(name); err != nil {
		return "", err
	}
	v := tpLookup(params, name)
	if v != nil && !v.isScalar() {
		return "", tpRefuse("the unescaped tag {{{" + name + "}}} renders an object or an array")
	}
	s := ""
	if v != nil && v.kind != 'z' {
		s = v.str
	}
	if st == tpString {
		if strings.ContainsFunc(s, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 }) {
			return "", tpRefuse("the unescaped tag {{{" + name + "}}} renders a quote, a backslash or a control character inside a JSON string")
		}
		return tpMarker, nil
	}
	if !tpIsLiteral(s) {
		return "", tpRefuse("the unescaped tag {{{" + name + "}}} outside a JSON string renders [" + s + "], which is not a number, a boolean or null")
	}
	return s, nil
}

// tpSection renders a section whose opening tag ends at text[from:] and is open bytes
// long: only Elasticsearch's toJson and join functions are rendered.
func tpSection(text string, from, open int, name string, st tpState, params *jsValue) (int, string, error) {
	fn := name
	if j := strings.IndexAny(name, " \t\r\n"); j >= 0 {
		fn = name[:j]
	}
	if fn != "toJson" && fn != "join" {
		return 0, "", tpRefuse("the template uses the mustache section {{#" + name + "}}")
	}
	if (fn == "toJson" && fn != name) || strings.ContainsAny(name, "\"\\") {
		return 0, "", tpRefuse("the template uses the mustache section {{#" + name + "}}")
	}
	// The content is a param name, up to the closing tag {{/toJson}} or {{/join ...}}.
	end := strings.Index(text[from:], "{{")
	if end < 0 {
		return 0, "", tpRefuse("the mustache section {{#" + name + "}} is not closed")
	}
	closeEnd := strings.Index(text[from+end+2:], "}}")
	if closeEnd < 0 {
		return 0, "", tpRefuse("the mustache section {{#" + name + "}} is not closed")
	}
	closing := strings.TrimSpace(text[from+end+2 : from+end+2+closeEnd])
	if closing != "/"+name && closing != "/"+fn {
		return 0, "", tpRefuse("the mustache section {{#" + name + "}} holds more than a param name")
	}
	varName := strings.TrimSpace(text[from : from+end])
	if err := tpName(varName); err != nil {
		return 0, "", err
	}
	n := open + end + 2 + closeEnd + 2
	v := tpLookup(params, varName)
	if fn == "toJson" {
		if st != tpStruct {
			return 0, "", tpRefuse("{{#toJson}}" + varName + "{{/toJson}} is not outside a JSON string")
		}
		if v == nil {
			return 0, "", tpRefuse("{{#toJson}}" + varName + "{{/toJson}} names no param")
		}
		return n, string(jsEncode(nil, v)), nil
	}
	if st != tpString {
		return 0, "", tpRefuse("{{#join}}" + varName + "{{/join}} is not inside a JSON string")
	}
	if v != nil && v.kind != '[' {
		return 0, "", tpRefuse("{{#join}}" + varName + "{{/join}} does not name an array")
	}
	if v != nil {
		for _, e := range v.vals {
			if !e.isScalar() || strings.ContainsFunc(e.str, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 }) {
				return 0, "", tpRefuse("{{#join}}" + varName + "{{/join}} joins values other than plain strings and numbers")
			}
		}
	}
	return n, tpMarker, nil
}

// tpLookup finds a param by its dotted name, as mustache resolves names; nil when it
// is missing.
func tpLookup(params *jsValue, name string) *jsValue {
	if params == nil || name == "" {
		return nil
	}
	cur := params
	for seg := range strings.SplitSeq(name, ".") {
		switch cur.kind {
		case '{':
			cur = cur.get(seg)
		case '[':
			n, ok := 0, seg != ""
			for _, c := range []byte(seg) {
				if c < '0' || c > '9' || n > len(cur.vals) {
					ok = false
					break
				}
				n = n*10 + int(c-'0')
			}
			if !ok || n >= len(cur.vals) {
				return nil
			}
			cur = cur.vals[n]
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}

// tpIsLiteral reports whether s, placed outside a JSON string, is nothing or one
// number, boolean or null.
func tpIsLiteral(s string) bool {
	switch s {
	case "", "true", "false", "null":
		return true
	}
	if s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		return false
	}
	p := jsParser{src: []byte(s)}
	return p.number() == nil && p.pos == len(s)
}
