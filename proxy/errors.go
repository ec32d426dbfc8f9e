package proxy

import (
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
	Cause error
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

type errorBody struct {
	Error struct {
		RootCause []errorCause `json:"root_cause"`
		errorCause
	} `json:"error"`
	Status int `json:"status"`
}

type plainErrorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
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
		body, err = json.Marshal(plainErrorBody{Error: e.Reason, Status: e.Status})
	} else {
		var b errorBody
		c := errorCause{Type: e.Type, Reason: e.Reason, Header: header}
		b.Error.RootCause = []errorCause{c}
		b.Error.errorCause = c
		b.Status = e.Status
		body, err = json.Marshal(b)
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
