package bound

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// Ids in the shapes Elasticsearch produces them.
const (
	// URL-safe base64 with padding.
	esScrollID = "FGluY2x1ZGVfY29udGV4dF91dWlkDXF1ZXJ5QW5kRmV0Y2gBFkZkVjNGb0VXUjJhSW9xcVFETkdOVFEAAAAAAAAAPxZPdHN0d2FYcFRQeVJ2T2hESGtPdkNn"
	esPITID    = "46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQxAgZub2RlXzEAAAAAAAAAAAEBYQADaWR5BXV1aWQyKgZub2RlXzIAAAAAAAAAAAwBYgACBXV1aWQyAAAFdXVpZDEAAQltYXRjaF9hbGw_gAAAAA=="
	// URL-safe base64 without padding.
	esAsyncID = "FmRldE8zREVEUzA2ZVpUeGs2ejJFUFEaMkZ5QTVrSTZSaVN3WlNFVmtlWHJsdzoxMDcy"
	// Standard base64.
	esCursor = "i/M1AwFz/VY+AQJzY3JvbGwBAgFmAAAAAA+dGVzdA8/P3+sDXF1ZXJ5QW5kRmV0Y2gB=="
)

var esIDs = []string{esScrollID, esPITID, esAsyncID, esCursor}

var kinds = []Kind{Scroll, PIT, Async, Cursor}

const alice = "native\x00alice"

func testKey(seed byte) []byte {
	key := make([]byte, 32)
	for i := range key {
		key[i] = seed + byte(i)
	}
	return key
}

func newTestBinder(t testing.TB, seed byte) *Binder {
	t.Helper()
	b, err := NewBinder(testKey(seed))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewBinderKeySize(t *testing.T) {
	for _, n := range []int{0, 1, 16, 31} {
		if _, err := NewBinder(make([]byte, n)); err == nil {
			t.Errorf("NewBinder(%d bytes) succeeded", n)
		}
	}
	for _, n := range []int{32, 64} {
		if _, err := NewBinder(make([]byte, n)); err != nil {
			t.Errorf("NewBinder(%d bytes): %v", n, err)
		}
	}
}

func TestNewBinderCopiesKey(t *testing.T) {
	key := testKey(0)
	b, err := NewBinder(key)
	if err != nil {
		t.Fatal(err)
	}
	w := b.Wrap(Scroll, alice, esScrollID)
	key[0] ^= 1
	if _, err := b.Unwrap(Scroll, alice, w); err != nil {
		t.Fatalf("changing the caller's key slice changed the Binder: %v", err)
	}
}

// TestKnownAnswer pins the wrapped form: esguard instances of different
// versions sharing a key must keep accepting each other's ids.
func TestKnownAnswer(t *testing.T) {
	b := newTestBinder(t, 0)
	tests := []struct {
		kind      Kind
		owner, id string
		want      string
	}{
		{Scroll, alice, esScrollID, "esg1ImiualYMBk7OE1t8mcMMmg." + esScrollID},
		{PIT, alice, esPITID, "esg1baS_G9DD1WDqAj_OuLZ7VQ." + esPITID},
	}
	for _, tt := range tests {
		if got := b.Wrap(tt.kind, tt.owner, tt.id); got != tt.want {
			t.Errorf("Wrap(%v, %q, %q) = %q, want %q", tt.kind, tt.owner, tt.id, got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	b := newTestBinder(t, 0)
	other := newTestBinder(t, 0) // another instance with the same key
	ids := append([]string{"", "x", "a.b.c", "esg1", "esg1XftzpMQnr7tQz-exNSSJgw.nested", "\x00\xff\"\\"}, esIDs...)
	for _, kind := range kinds {
		for _, id := range ids {
			w := b.Wrap(kind, alice, id)
			if w != b.Wrap(kind, alice, id) {
				t.Fatalf("Wrap is not deterministic for %q", id)
			}
			if !strings.HasPrefix(w, Prefix) || !strings.HasSuffix(w, id) || len(w) != len(id)+headerSize {
				t.Errorf("Wrap(%v, %q) = %q: not prefix+MAC+separator+id", kind, id, w)
			}
			if !IsWrapped(w) {
				t.Errorf("IsWrapped(%q) = false", w)
			}
			for _, u := range []*Binder{b, other} {
				got, err := u.Unwrap(kind, alice, w)
				if err != nil || got != id {
					t.Errorf("Unwrap(%v, Wrap(%q)) = %q, %v", kind, id, got, err)
				}
			}
		}
	}
}

func TestWrappedCharacters(t *testing.T) {
	b := newTestBinder(t, 0)
	for _, kind := range kinds {
		for _, id := range esIDs {
			w := b.Wrap(kind, alice, id)
			added := w[:headerSize]
			for i := 0; i < len(added)-1; i++ {
				if !isBase64URL(added[i]) {
					t.Errorf("%q: byte %q outside [A-Za-z0-9_-]", added, added[i])
				}
			}
			if added[len(added)-1] != '.' {
				t.Errorf("%q: separator is not '.'", added)
			}
			// What esguard adds needs no escaping anywhere, so a wrapped id
			// needs exactly the escaping of the original.
			if got := url.PathEscape(w); got != added+url.PathEscape(id) {
				t.Errorf("PathEscape(%q) = %q", w, got)
			}
			if got := url.QueryEscape(w); got != added+url.QueryEscape(id) {
				t.Errorf("QueryEscape(%q) = %q", w, got)
			}
			j, err := json.Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := json.Marshal(id); string(j) != `"`+added+string(want[1:]) {
				t.Errorf("json.Marshal(%q) = %s", w, j)
			}
			// Through a URL path segment and back.
			u, err := url.Parse("http://es/_async_search/" + url.PathEscape(w))
			if err != nil {
				t.Fatal(err)
			}
			if seg := strings.TrimPrefix(u.Path, "/_async_search/"); seg != w {
				t.Errorf("path segment round trip: %q, want %q", seg, w)
			}
			q, err := url.ParseQuery("scroll_id=" + url.QueryEscape(w))
			if err != nil || q.Get("scroll_id") != w {
				t.Errorf("query round trip: %q, %v", q.Get("scroll_id"), err)
			}
		}
	}
}

func TestUnwrapForeignOwner(t *testing.T) {
	b := newTestBinder(t, 0)
	w := b.Wrap(Scroll, alice, esScrollID)
	for _, owner := range []string{
		"native\x00bob", "native\x00alic", "native\x00alice\x00", "native\x00Alice",
		"file\x00alice", "nativealice", "", "native",
	} {
		if _, err := b.Unwrap(Scroll, owner, w); err != ErrForeign {
			t.Errorf("Unwrap for owner %q: %v, want ErrForeign", owner, err)
		}
	}
}

func TestOwnerAndIDUnambiguous(t *testing.T) {
	b := newTestBinder(t, 0)
	mac := func(owner, id string) string {
		return b.Wrap(Scroll, owner, id)[:headerSize]
	}
	// Moving bytes between owner and id must change the MAC.
	if mac("ab", "c") == mac("a", "bc") {
		t.Error(`MAC("ab", "c") == MAC("a", "bc")`)
	}
	if mac("a\x00", "") == mac("a", "\x00") {
		t.Error(`MAC("a\x00", "") == MAC("a", "\x00")`)
	}
}

func TestUnwrapOtherKey(t *testing.T) {
	b := newTestBinder(t, 0)
	rotated := newTestBinder(t, 100)
	for _, kind := range kinds {
		w := b.Wrap(kind, alice, esAsyncID)
		if _, err := rotated.Unwrap(kind, alice, w); err != ErrForeign {
			t.Errorf("Unwrap with another key: %v, want ErrForeign", err)
		}
	}
	// A longer key with the same first 32 bytes is another key.
	long, err := NewBinder(append(testKey(0), 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := long.Unwrap(Scroll, alice, b.Wrap(Scroll, alice, esScrollID)); err != ErrForeign {
		t.Errorf("Unwrap with an extended key: %v, want ErrForeign", err)
	}
}

func TestUnwrapTampered(t *testing.T) {
	b := newTestBinder(t, 0)
	w := b.Wrap(PIT, alice, esPITID)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := len(Prefix); i < headerSize-1; i++ {
		for _, c := range []byte(alphabet) {
			if c == w[i] {
				continue
			}
			t2 := w[:i] + string(c) + w[i+1:]
			if _, err := b.Unwrap(PIT, alice, t2); err != ErrForeign {
				t.Fatalf("Unwrap(%q) with MAC byte %d changed: %v, want ErrForeign", t2, i, err)
			}
		}
	}
	// Changing the id keeps the MAC of the old one.
	for i := headerSize; i < len(w); i++ {
		t2 := w[:i] + string(w[i]^1) + w[i+1:]
		if _, err := b.Unwrap(PIT, alice, t2); err != ErrForeign {
			t.Fatalf("Unwrap with id byte %d changed: %v, want ErrForeign", i, err)
		}
	}
	// Extending the id too.
	if _, err := b.Unwrap(PIT, alice, w+"A"); err != ErrForeign {
		t.Errorf("Unwrap with an extended id: %v, want ErrForeign", err)
	}
}

func TestUnwrapTruncated(t *testing.T) {
	b := newTestBinder(t, 0)
	w := b.Wrap(Async, alice, esAsyncID)
	for n := 0; n < len(w); n++ {
		want := ErrForeign
		if n < headerSize {
			want = ErrNotBound
		}
		if _, err := b.Unwrap(Async, alice, w[:n]); err != want {
			t.Errorf("Unwrap(%q): %v, want %v", w[:n], err, want)
		}
		if _, err := b.Unwrap(Async, alice, w[len(w)-n:]); err == nil {
			t.Errorf("Unwrap(%q) succeeded", w[len(w)-n:])
		}
	}
}

func TestUnwrapKindConfusion(t *testing.T) {
	b := newTestBinder(t, 0)
	for _, made := range kinds {
		w := b.Wrap(made, alice, esScrollID)
		for _, used := range append(kinds, 0, 5, 255) {
			_, err := b.Unwrap(used, alice, w)
			if used == made && err != nil {
				t.Errorf("Unwrap as %v of an id wrapped as %v: %v", used, made, err)
			}
			if used != made && err != ErrForeign {
				t.Errorf("Unwrap as %v of an id wrapped as %v: %v, want ErrForeign", used, made, err)
			}
		}
	}
}

func TestUnwrapRawIDs(t *testing.T) {
	b := newTestBinder(t, 0)
	raw := append([]string{
		"", "esg1", "esg1.", "esg1XftzpMQnr7tQz-exNSSJg.x", // MAC one character short
		"esg1XftzpMQnr7tQz-exNSSJgw=FGluY2x1",  // separator from base64
		"esg1XftzpMQnr7tQz+exNSSJgw.FGluY2x1",  // standard base64 character in the MAC
		"ESG1XftzpMQnr7tQz-exNSSJgw.FGluY2x1",  // prefix case
		" esg1XftzpMQnr7tQz-exNSSJgw.FGluY2x1", // leading space
		"esg1XftzpMQnr7tQz-exNSSJg\nw.FGluY2x1",
		"esg1XftzpMQnr7tQz-exNSSJgwFGluY2x1ZGVfY29udGV4dF91dWlk",
	}, esIDs...)
	for _, kind := range kinds {
		for _, id := range raw {
			if _, err := b.Unwrap(kind, alice, id); err != ErrNotBound {
				t.Errorf("Unwrap(%q): %v, want ErrNotBound", id, err)
			}
		}
	}
}

func TestUnwrapNonCanonicalMAC(t *testing.T) {
	b := newTestBinder(t, 0)
	w := b.Wrap(Scroll, alice, "x")
	// The last MAC character carries 2 bits of the MAC and 4 zero bits; any
	// other character decodes to the same MAC in a lenient decoder.
	i := headerSize - 2
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		if c == w[i] {
			continue
		}
		t2 := w[:i] + string(c) + w[i+1:]
		if _, err := b.Unwrap(Scroll, alice, t2); err != ErrForeign {
			t.Fatalf("Unwrap(%q): %v, want ErrForeign", t2, err)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Scroll: "scroll", PIT: "pit", Async: "async", Cursor: "cursor", 0: "kind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	b := newTestBinder(t, 0)
	done := make(chan error)
	for g := range 8 {
		go func() {
			owner := alice + string(rune('a'+g))
			for i := range 200 {
				id := esScrollID + strings.Repeat("A", i%7)
				got, err := b.Unwrap(Scroll, owner, b.Wrap(Scroll, owner, id))
				if err != nil || got != id {
					done <- errors.New("concurrent round trip failed")
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzUnwrap(f *testing.F) {
	b := newTestBinder(f, 0)
	f.Add(uint8(Scroll), alice, esScrollID, b.Wrap(Scroll, alice, esScrollID))
	f.Add(uint8(PIT), alice, esPITID, b.Wrap(PIT, alice, esPITID))
	f.Add(uint8(Async), "native\x00bob", esAsyncID, b.Wrap(Async, alice, esAsyncID))
	f.Add(uint8(Cursor), alice, esCursor, b.Wrap(Scroll, alice, esCursor))
	f.Add(uint8(Scroll), "", "", esScrollID)
	f.Add(uint8(0), "a", "b", "esg1XftzpMQnr7tQz-exNSSJgw.x")
	f.Add(uint8(1), alice, "x", "esg1XftzpMQnr7tQz-exNSSJg\n.x")
	rotated := newTestBinder(f, 100)
	f.Fuzz(func(t *testing.T, k uint8, owner, id, wrapped string) {
		kind := Kind(k)
		w := b.Wrap(kind, owner, id)
		if got, err := b.Unwrap(kind, owner, w); err != nil || got != id {
			t.Fatalf("round trip of %q for %q: %q, %v", id, owner, got, err)
		}
		if _, err := b.Unwrap(kind, owner+"x", w); err != ErrForeign {
			t.Fatalf("Unwrap for another owner: %v", err)
		}
		if _, err := b.Unwrap(kind+1, owner, w); err != ErrForeign {
			t.Fatalf("Unwrap as another kind: %v", err)
		}
		if _, err := rotated.Unwrap(kind, owner, w); err != ErrForeign {
			t.Fatalf("Unwrap with another key: %v", err)
		}

		got, err := b.Unwrap(kind, owner, wrapped)
		switch {
		case err == nil:
			// Only Wrap's own output for this kind and owner is accepted.
			if again := b.Wrap(kind, owner, got); again != wrapped {
				t.Fatalf("Unwrap(%q) = %q, but Wrap gives %q", wrapped, got, again)
			}
		case err == ErrNotBound:
			if IsWrapped(wrapped) {
				t.Fatalf("ErrNotBound for %q in the wrapped form", wrapped)
			}
		case err == ErrForeign:
			if !IsWrapped(wrapped) {
				t.Fatalf("ErrForeign for %q not in the wrapped form", wrapped)
			}
		default:
			t.Fatalf("Unwrap(%q): unexpected error %v", wrapped, err)
		}
		if bytes.ContainsAny([]byte(w[:headerSize-1]), "./+=") {
			t.Fatalf("Wrap added characters outside base64url: %q", w[:headerSize])
		}
	})
}
