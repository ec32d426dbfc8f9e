package proxy

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// jsonStringCases are strings a client controls in an audit event (path, opaque id,
// user name): plain, escaped, control characters, DEL, valid and broken UTF-8, at
// every offset around the eight-byte steps of plainJSONPrefix.
func jsonStringCases() []string {
	cases := []string{"", "a", "/logs-2026.01.01/_search", `"`, `\`, "\x00", "\x1f", "\x7f", "\x80", "\xff",
		"é", "日本語", "\xe2\x82", "\xed\xa0\x80", "a\nb\rc\td\be\ff", "</script>", "\u2028", "😀", "\xf0\x9f\x98"}
	var out []string
	for _, c := range cases {
		for pad := range 17 {
			p := strings.Repeat("x", pad)
			out = append(out, p+c, c+p, p+c+p)
		}
	}
	r := rand.New(rand.NewPCG(8, 8))
	alphabet := []byte("ab/_-.*\"\\\x00\x01\x1f \x7f\x80\xc3\xa9\xe2\x82\xac\xff")
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		out = append(out, string(b))
	}
	return out
}

// TestAppendJSONString: every string comes out as the JSON string zerolog writes for
// it (the trail's encoding before appendEvent), which decodes back to the string with
// each byte that is not UTF-8 replaced by U+FFFD.
func TestAppendJSONString(t *testing.T) {
	for _, s := range jsonStringCases() {
		got := appendJSONString(nil, s)
		var zlOut bytes.Buffer
		zl := zerolog.New(&zlOut)
		zl.Log().Str("k", s).Send()
		want := strings.TrimSuffix(strings.TrimPrefix(zlOut.String(), `{"k":`), "}\n")
		if string(got) != want {
			t.Fatalf("%q: got %s, zerolog writes %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not a JSON string: %v", s, got, err)
		}
		if back != validUTF8PerByte(s) {
			t.Fatalf("%q: decodes to %q", s, back)
		}
	}
}

// validUTF8PerByte replaces each byte of s that is not part of a UTF-8 sequence by
// U+FFFD.
func validUTF8PerByte(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// TestAppendEvent: an event with every field set, and one with none of the optional
// ones, decode to exactly their fields; the run-as events name the authenticated user
// first.
func TestAppendEvent(t *testing.T) {
	full := auditEvent{action: eventAccessDenied, user: "alice\"", realm: "file", runBy: "bob\n", runByRealm: "native",
		runAsReason: "why", roles: []string{"r1", "r\\2"}, authType: "realm", origin: "127.0.0.1:1", path: "/a\x00b",
		method: "GET", esAction: "indices:data/read/search", indices: []string{"i1", "\xff"}, opaqueID: "o", requestID: "id", reason: "no"}
	runAs := full
	runAs.action = eventRunAsGranted
	for _, tc := range []struct {
		ev   auditEvent
		want map[string]any
	}{
		{full, map[string]any{"@timestamp": "T", "event.type": "transport", "event.action": "access_denied",
			"user.name": "alice\"", "user.realm": "file", "user.run_by.name": "bob\n", "user.run_by.realm": "native",
			"run_as.reason": "why", "user.roles": []any{"r1", "r\\2"}, "authentication.type": "realm",
			"origin.type": "rest", "origin.address": "127.0.0.1:1", "url.path": "/a\x00b", "request.method": "GET",
			"action": "indices:data/read/search", "indices": []any{"i1", "\ufffd"}, "opaque_id": "o", "request.id": "id", "reason": "no"}},
		{runAs, map[string]any{"@timestamp": "T", "event.type": "transport", "event.action": "run_as_granted",
			"user.name": "bob\n", "user.realm": "native", "user.run_as.name": "alice\"", "user.run_as.realm": "file",
			"run_as.reason": "why", "user.roles": []any{"r1", "r\\2"}, "authentication.type": "realm",
			"origin.type": "rest", "origin.address": "127.0.0.1:1", "url.path": "/a\x00b", "request.method": "GET",
			"action": "indices:data/read/search", "indices": []any{"i1", "\ufffd"}, "opaque_id": "o", "request.id": "id", "reason": "no"}},
		{auditEvent{action: eventAuthenticationFailed, origin: "o", path: "/", method: "GET", requestID: "id", roles: []string{}},
			map[string]any{"@timestamp": "T", "event.type": "rest", "event.action": "authentication_failed", "user.roles": []any{},
				"origin.type": "rest", "origin.address": "o", "url.path": "/", "request.method": "GET", "request.id": "id"}},
	} {
		line := appendEvent(nil, "T", &tc.ev)
		if !bytes.HasSuffix(line, []byte("}\n")) || bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("not one line: %q", line)
		}
		var got map[string]any
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(tc.want)
		if !bytes.Equal(gj, wj) {
			t.Fatalf("event %s\n got %s\nwant %s", line, gj, wj)
		}
	}
}

func BenchmarkAppendEvent(b *testing.B) {
	ev := &auditEvent{action: eventAccessGranted, user: "bench", realm: "default_file", roles: []string{"bench_role_03", "bench_role_06", "bench_role_09"},
		authType: "realm", origin: "127.0.0.1:50000", path: "/logs-2026.01.01/_search", method: "GET", esAction: "indices:data/read/search",
		indices: []string{"logs-2026.01.01"}, requestID: "0bf6db1aac62-580940"}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendEvent(buf[:0], "2026-11-23T15:17:50.252Z", ev)
	}
	b.SetBytes(int64(len(buf)))
}
