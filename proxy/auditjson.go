package proxy

import (
	"sync"
	"unicode/utf8"
)

// appendEvent appends ev as one JSON line, stamped ts, to b. The fields and their
// order are those of Elasticsearch's LoggingAuditTrail; empty optional fields are left
// out.
func appendEvent(b []byte, ts string, ev *auditEvent) []byte {
	b = append(b, `{"@timestamp":`...)
	b = appendJSONString(b, ts)
	b = append(b, `,"event.type":`...)
	b = appendJSONString(b, eventType(ev.action))
	b = append(b, `,"event.action":`...)
	b = appendJSONString(b, ev.action)
	if ev.runBy != "" && (ev.action == eventRunAsGranted || ev.action == eventRunAsDenied) {
		// Run-as events name the authenticated user first (LoggingAuditTrail's
		// withRunAsSubject).
		b = appendJSONField(b, "user.name", ev.runBy)
		b = appendJSONField(b, "user.realm", ev.runByRealm)
		b = appendJSONField(b, "user.run_as.name", ev.user)
		b = appendJSONField(b, "user.run_as.realm", ev.realm)
	} else {
		b = appendJSONField(b, "user.name", ev.user)
		b = appendJSONField(b, "user.realm", ev.realm)
		b = appendJSONField(b, "user.run_by.name", ev.runBy)
		b = appendJSONField(b, "user.run_by.realm", ev.runByRealm)
	}
	b = appendJSONField(b, "run_as.reason", ev.runAsReason)
	if ev.roles != nil {
		b = append(b, `,"user.roles":`...)
		b = appendJSONStrings(b, ev.roles)
	}
	b = appendJSONField(b, "authentication.type", ev.authType)
	b = append(b, `,"origin.type":"rest","origin.address":`...)
	b = appendJSONString(b, ev.origin)
	b = append(b, `,"url.path":`...)
	b = appendJSONString(b, ev.path)
	b = append(b, `,"request.method":`...)
	b = appendJSONString(b, ev.method)
	b = appendJSONField(b, "action", ev.esAction)
	if len(ev.indices) > 0 {
		b = append(b, `,"indices":`...)
		b = appendJSONStrings(b, ev.indices)
	}
	b = appendJSONField(b, "opaque_id", ev.opaqueID)
	b = append(b, `,"request.id":`...)
	b = appendJSONString(b, ev.requestID)
	b = appendJSONField(b, "reason", ev.reason)
	return append(b, '}', '\n')
}

// appendJSONField appends ,"key":value unless value is empty. key needs no escaping.
func appendJSONField(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string. Quotes, backslashes and control
// characters are escaped (DEL too), and bytes that are not UTF-8 become U+FFFD, so
// every line of the trail is valid JSON whatever a client sent.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	i := plainJSONPrefix(s)
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20 || c == 0x7f:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// plainJSONPrefix returns the length of s's longest prefix that a JSON string holds as
// it is: printable ASCII other than '"' and '\'. It looks at eight bytes at a time.
func plainJSONPrefix(s string) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte is flagged when it is below 0x20, is '"' or '\', is 0x7f or has
		// its high bit set. (x-ones)&^x&highs flags the zero bytes of x.
		lt := (w - 0x20*ones) &^ w
		q := w ^ '"'*ones
		bs := w ^ '\\'*ones
		del := w ^ 0x7f*ones
		if (lt|(q-ones)&^q|(bs-ones)&^bs|(del-ones)&^del|w)&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			return i
		}
	}
	return i
}

// auditBuffers holds the buffers events are encoded in before they are queued.
var auditBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const auditKeepEncoded = 16 << 10 // larger encoding buffers are left to the collector
