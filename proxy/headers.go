package proxy

import (
	"bytes"
	"slices"

	"github.com/esguard/esguard/runas"
	"github.com/valyala/fasthttp"
)

// hopByHop are the headers that belong to one connection and are never forwarded
// (RFC 9110 section 7.6.1, and the list net/http/httputil.ReverseProxy uses).
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// cleanRequestHeaders prepares a client request for the upstream. The order matters
// (Go issue 50580): first the headers named in Connection and the hop-by-hop headers,
// then the client's credentials, run-as header and run_as reason header (when
// configured), and only then esguard's own credentials and the delegated run-as user
// (when delegating), so a client sending "Connection: Authorization" cannot strip them.
func cleanRequestHeaders(h *fasthttp.RequestHeader, upstreamAuth, reasonHeader, runAsUser string) {
	for _, v := range h.PeekAll(fasthttp.HeaderConnection) {
		for tok := range bytes.SplitSeq(v, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 {
				h.Del(string(tok))
			}
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
	h.Del(fasthttp.HeaderAuthorization)
	h.Del(runas.Header)
	if reasonHeader != "" {
		h.Del(reasonHeader)
	}
	if upstreamAuth != "" {
		h.Set(fasthttp.HeaderAuthorization, upstreamAuth)
	}
	if runAsUser != "" {
		h.Set(runas.Header, runAsUser)
	}
}

// cleanResponseHeaders removes the upstream connection's hop-by-hop headers from a
// response before it goes back to the client. The node's header names keep the case it
// sent them in (the upstream client does not normalize them), so names are compared
// case-insensitively and each header is deleted under the name it came with.
func cleanResponseHeaders(h *fasthttp.ResponseHeader) {
	var named [][]byte // the names a Connection header lists
	found := false
	for k, v := range h.All() {
		if !asciiEqualFold(k, fasthttp.HeaderConnection) {
			found = found || isHopByHop(k)
			continue
		}
		found = true
		for tok := range bytes.SplitSeq(v, []byte{','}) {
			if tok = bytes.TrimSpace(tok); len(tok) > 0 && !bytes.EqualFold(tok, []byte("close")) && !bytes.EqualFold(tok, []byte("keep-alive")) {
				named = append(named, bytes.Clone(tok))
			}
		}
	}
	if found {
		var drop []string
		for k := range h.All() {
			if (isHopByHop(k) && !asciiEqualFold(k, "Transfer-Encoding")) || slices.ContainsFunc(named, func(n []byte) bool { return bytes.EqualFold(n, k) }) {
				drop = append(drop, string(k))
			}
		}
		for _, k := range drop {
			h.Del(k)
		}
	}
	h.ResetConnectionClose()
}

// isHopByHop reports whether name is one of hopByHop, in any case.
func isHopByHop(name []byte) bool {
	return slices.ContainsFunc(hopByHop, func(h string) bool { return asciiEqualFold(name, h) })
}

// asciiEqualFold reports whether b and s are equal, ignoring ASCII case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lowerASCII(b[i]) != lowerASCII(s[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
