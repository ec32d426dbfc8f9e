package proxy

import (
	"bytes"
	"slices"

	"github.com/esguard/esguard/runas"
	"github.com/valyala/fasthttp"
)

// hopByHop are the headers that belong to one connection and are never forwarded
// (RFC 9110 section 7.6.1, and the list net/http/httputil.ReverseProxy uses).
var hopByHop = [...]string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// cleanRequestHeaders prepares a client request for the upstream. The order matters
// (Go issue 50580): first the headers named in Connection and the hop-by-hop headers,
// then the client's credentials, run-as header and run_as reason header (when
// configured), and only then esguard's own credentials and the delegated run-as user
// (when delegating), so a client sending "Connection: Authorization" cannot strip them.
// Only the headers the client sent are deleted (sentHeaders): the others are not there.
func cleanRequestHeaders(h *fasthttp.RequestHeader, upstreamAuth, reasonHeader, runAsUser string) {
	deleteAndSet(h, sentHeaders(h.RawHeaders(), reasonHeader), upstreamAuth, reasonHeader, runAsUser)
}

// deleteAndSet is cleanRequestHeaders for the headers sent reports.
func deleteAndSet(h *fasthttp.RequestHeader, sent uint32, upstreamAuth, reasonHeader, runAsUser string) {
	if sent&(1<<sentConnection) != 0 {
		for _, v := range h.PeekAll(fasthttp.HeaderConnection) {
			for tok := range bytes.SplitSeq(v, []byte{','}) {
				if tok = bytes.TrimSpace(tok); len(tok) > 0 {
					h.Del(string(tok))
				}
			}
		}
	}
	for i, k := range hopByHop {
		if sent&(1<<i) != 0 {
			h.Del(k)
		}
	}
	if sent&(1<<sentAuthorization) != 0 {
		h.Del(fasthttp.HeaderAuthorization)
	}
	if sent&(1<<sentRunAs) != 0 {
		h.Del(runas.Header)
	}
	if reasonHeader != "" && sent&(1<<sentReason) != 0 {
		h.Del(reasonHeader)
	}
	if upstreamAuth != "" {
		h.Set(fasthttp.HeaderAuthorization, upstreamAuth)
	}
	if runAsUser != "" {
		h.Set(runas.Header, runAsUser)
	}
}

// The bits of sentHeaders' result: one per hopByHop header, by its index there, then
// the client's credentials, run-as header and run_as reason header.
const (
	sentConnection    = 0 // hopByHop[0]
	sentAuthorization = len(hopByHop) + iota
	sentRunAs
	sentReason
	sentAll = 1<<(sentReason+1) - 1
)

// sentHeaders reports which of the headers cleanRequestHeaders deletes the client sent,
// one bit each, from the header block as received (raw). When raw is missing (the
// request was not parsed from a connection) or has a line it does not read plainly,
// it reports them all.
func sentHeaders(raw []byte, reasonHeader string) uint32 {
	if len(raw) == 0 {
		return sentAll
	}
	var sent uint32
	for line := range bytes.SplitSeq(raw, []byte{'\n'}) {
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || line[0] == ' ' || line[0] == '\t' {
			return sentAll
		}
		name := line[:colon]
		if last := name[len(name)-1]; last == ' ' || last == '\t' {
			return sentAll
		}
		if asciiEqualFold(name, fasthttp.HeaderAuthorization) {
			sent |= 1 << sentAuthorization
		}
		if asciiEqualFold(name, runas.Header) {
			sent |= 1 << sentRunAs
		}
		if reasonHeader != "" && asciiEqualFold(name, reasonHeader) {
			sent |= 1 << sentReason
		}
		for i, k := range hopByHop {
			if asciiEqualFold(name, k) {
				sent |= 1 << i
			}
		}
	}
	return sent
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
	return slices.ContainsFunc(hopByHop[:], func(h string) bool { return asciiEqualFold(name, h) })
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
