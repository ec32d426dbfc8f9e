package proxy

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/valyala/fasthttp"
)

// HTTPError is the only thing esguard ever renders to a client as an error: a status,
// Elasticsearch's exception type and reason sentence, extra headers, and the cause,
// which is logged but never shown.
type HTTPError struct {
	Status  int
	Type    string
	Reason  string
	Headers map[string][]string // also reported in the body's "header" field, as Elasticsearch does for 401
	// Plain renders Elasticsearch's bare {"error":"...","status":N} shape used by the
	// REST layer for unknown routes and wrong methods.
	Plain bool
	// Fields are further properties of the exception, as Elasticsearch adds them
	// (index_not_found_exception carries "index", "resource.id", ...).
	Fields map[string]string
	Cause  error
}

func (e *HTTPError) Error() string {
	if e.Cause != nil {
		return e.Reason + ": " + e.Cause.Error()
	}
	return e.Reason
}

func (e *HTTPError) Unwrap() error { return e.Cause }

// Error constructors, one per kind of refusal. Reason sentences follow Elasticsearch.

func errUnauthenticated(reason string, schemes []string) *HTTPError {
	return &HTTPError{Status: fasthttp.StatusUnauthorized, Type: "security_exception", Reason: reason,
		Headers: map[string][]string{"WWW-Authenticate": schemes}}
}

func errForbidden(reason string) *HTTPError {
	return &HTTPError{Status: fasthttp.StatusForbidden, Type: "security_exception", Reason: reason}
}

func errBadRequest(typ, reason string) *HTTPError {
	return &HTTPError{Status: fasthttp.StatusBadRequest, Type: typ, Reason: reason}
}

func errNoHandler(path, method string) *HTTPError {
	return &HTTPError{Status: fasthttp.StatusBadRequest, Plain: true,
		Reason: "no handler found for uri [" + path + "] and method [" + method + "]"}
}

func errMethodNotAllowed(path, method string, allowed []string) *HTTPError {
	list := ""
	for i, m := range allowed {
		if i > 0 {
			list += ", "
		}
		list += m
	}
	return &HTTPError{Status: fasthttp.StatusMethodNotAllowed, Plain: true,
		Reason:  "Incorrect HTTP method for uri [" + path + "] and method [" + method + "], allowed: [" + list + "]",
		Headers: map[string][]string{"Allow": {list}}}
}

// errIndexNotFound is Elasticsearch's IndexNotFoundException for name.
func errIndexNotFound(name string) *HTTPError {
	return &HTTPError{Status: fasthttp.StatusNotFound, Type: "index_not_found_exception", Reason: "no such index [" + name + "]",
		Fields: map[string]string{"resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name}}
}

func errUpstream(status int, reason string, cause error) *HTTPError {
	return &HTTPError{Status: status, Type: "esguard_upstream_exception", Reason: reason, Cause: cause}
}

func errInternal(cause error) *HTTPError {
	return &HTTPError{Status: fasthttp.StatusInternalServerError, Type: "esguard_internal_exception",
		Reason: "esguard failed while deciding on this request; it was not forwarded", Cause: cause}
}

type errorCause struct {
	Type   string              `json:"type"`
	Reason string              `json:"reason"`
	Header map[string][]string `json:"header,omitempty"`
}

type plainErrorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// causeJSON renders one exception: type, reason, the WWW-Authenticate header when
// given, then e's extra fields.
func causeJSON(e *HTTPError, header map[string][]string) ([]byte, error) {
	b, err := marshalPlain(errorCause{Type: e.Type, Reason: e.Reason, Header: header})
	if err != nil || len(e.Fields) == 0 {
		return b, err
	}
	extra, err := marshalPlain(e.Fields)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

// marshalPlain is json.Marshal without HTML escaping: Elasticsearch writes '<', '>' and
// '&' as they are (date math names are full of them).
func marshalPlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// exceptionJSON renders e as Elasticsearch renders an exception:
// {"root_cause":[cause],"type":...,"reason":...}.
func exceptionJSON(e *HTTPError, header map[string][]string) ([]byte, error) {
	c, err := causeJSON(e, header)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 2*len(c)+16)
	out = append(out, `{"root_cause":[`...)
	out = append(out, c...)
	out = append(out, "],"...)
	return append(out, c[1:]...), nil
}

// exceptionObject is exceptionJSON for an exception inside a larger response (a failed
// item of _msearch or _mget).
func exceptionObject(e *HTTPError) []byte {
	b, err := exceptionJSON(e, nil)
	if err != nil {
		return []byte(`{"type":"esguard_internal_exception","reason":"error rendering failed"}`)
	}
	return b
}

// writeError renders e in Elasticsearch's JSON shape. It is the one place that renders errors.
func writeError(ctx *fasthttp.RequestCtx, e *HTTPError) {
	resp := &ctx.Response
	resp.Reset()
	resp.SetStatusCode(e.Status)
	resp.Header.SetContentType("application/json")
	resp.Header.Set("X-elastic-product", "Elasticsearch")
	var header map[string][]string
	for k, vs := range e.Headers {
		for _, v := range vs {
			resp.Header.Add(k, v)
		}
		if k == "WWW-Authenticate" {
			header = map[string][]string{k: vs}
		}
	}
	var (
		body []byte
		err  error
	)
	if e.Plain {
		body, err = marshalPlain(plainErrorBody{Error: e.Reason, Status: e.Status})
	} else if body, err = exceptionJSON(e, header); err == nil {
		body = append(append([]byte(`{"error":`), body...), `,"status":`+strconv.Itoa(e.Status)+`}`...)
	}
	if err != nil {
		body = []byte(`{"error":"internal error","status":` + strconv.Itoa(e.Status) + `}`)
	}
	if ctx.IsHead() {
		resp.Header.SetContentLength(len(body))
		resp.SkipBody = true
		return
	}
	resp.SetBody(body)
}
