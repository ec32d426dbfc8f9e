// Package bound binds Elasticsearch continuation ids to the user who created
// them, without keeping any state.
//
// Elasticsearch hands out ids that let a later request continue earlier work:
// scroll ids, point-in-time ids, ids of async search, async ES|QL, async EQL and
// async SQL requests, and SQL cursors. Whoever presents such an id reaches the
// data it stands for, so esguard wraps every id it returns to a client with a MAC
// over the owner and the id, and unwraps (and checks) every id a client sends
// back. Several esguard instances that share the key accept each other's ids.
//
// # Wrapped form
//
// A wrapped id is
//
//	"esg1" + MAC + "." + original id
//
// where MAC is the first 16 bytes of HMAC-SHA256 over the kind, the owner and the
// original id, written as 22 characters of unpadded base64url ([A-Za-z0-9_-]).
// The prefix and the MAC only use characters that are unreserved in URLs and need
// no escaping in JSON. The separator '.' is unreserved in URLs too, and it is in
// neither the standard nor the URL-safe base64 alphabet that Elasticsearch ids are
// written in, so no id Elasticsearch produced ever looks wrapped.
//
// The original id follows the separator byte for byte. Scroll ids and PIT ids are
// URL-safe base64 with '=' padding, async ids are URL-safe base64 without padding,
// and SQL cursors are standard base64 and so may contain '+' and '/'. A wrapped id
// therefore needs exactly the escaping the original needed: a client that
// percent-encodes ids in paths and query strings as it must for Elasticsearch
// does the same for wrapped ids.
//
// # MAC input
//
// The MAC key is derived from the configured key with HKDF-Extract (HMAC-SHA256
// keyed with a fixed label), so the configured key may also serve other
// purposes. The MAC covers a version label, the kind, and the owner and the id
// each preceded by its length as a 64-bit big-endian integer, so no two (kind,
// owner, id) triples share an input. Binding the kind means that an id handed
// out as a scroll id is refused where a PIT id, an async id or a cursor is
// expected.
//
// The owner is any string the caller builds to name a user, for example the realm
// and the username joined by a NUL byte.
package bound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// Kind says what an id continues. Ids of one kind are refused as another.
type Kind uint8

// The kinds of ids esguard binds.
const (
	// Scroll is a scroll id (_scroll_id, scroll_id).
	Scroll Kind = iota + 1
	// PIT is a point-in-time id (id of _pit, pit.id, pit_id).
	PIT
	// Async is the id of an async search, async ES|QL, async EQL or async SQL
	// request.
	Async
	// Cursor is an SQL cursor.
	Cursor
)

// String returns the name of k.
func (k Kind) String() string {
	switch k {
	case Scroll:
		return "scroll"
	case PIT:
		return "pit"
	case Async:
		return "async"
	case Cursor:
		return "cursor"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Prefix starts every wrapped id.
const Prefix = "esg1"

// Separator ends the MAC of a wrapped id; the original id follows it.
const Separator = '.'

const (
	// MinKeySize is the smallest key NewBinder accepts, in bytes.
	MinKeySize = 32

	macSize    = 16
	macChars   = 22 // base64.RawURLEncoding.EncodedLen(macSize)
	headerSize = len(Prefix) + macChars + 1

	keyLabel = "esguard bound id key v1"
	macLabel = "esguard bound id v1\x00"
)

var (
	// ErrNotBound is returned by Unwrap for an id that is not in the wrapped form.
	ErrNotBound = errors.New("bound: id is not bound")
	// ErrForeign is returned by Unwrap for an id in the wrapped form whose MAC
	// does not match: it was wrapped for another owner or kind, with another key,
	// or it was altered.
	ErrForeign = errors.New("bound: id is bound to another owner")
)

// Binder wraps ids with an HMAC over the owner and the id. It is safe for
// concurrent use.
type Binder struct {
	key []byte
}

// NewBinder returns a Binder keyed with key, which must hold at least
// MinKeySize bytes. Binders made with the same key accept each other's ids.
func NewBinder(key []byte) (*Binder, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("bound: key has %d bytes, want at least %d", len(key), MinKeySize)
	}
	// HKDF-Extract with the label as salt. Unlike using key as an HMAC key,
	// this tells apart keys that differ only in trailing zero bytes.
	m := hmac.New(sha256.New, []byte(keyLabel))
	m.Write(key)
	return &Binder{key: m.Sum(nil)}, nil
}

// Wrap returns the id a client sees for the id of the given kind that
// Elasticsearch returned to owner.
func (b *Binder) Wrap(kind Kind, owner, id string) string {
	buf := make([]byte, 0, headerSize+len(id))
	buf = append(buf, Prefix...)
	buf = b.appendMAC(buf, kind, owner, id)
	buf = append(buf, Separator)
	buf = append(buf, id...)
	return string(buf)
}

// Unwrap returns the original id when wrapped was returned by Wrap for the same
// kind and owner, by a Binder with the same key. It returns ErrNotBound when
// wrapped is not in the wrapped form (Prefix, 22 base64url characters,
// Separator), and ErrForeign when it is but the MAC does not match. ErrForeign
// does not tell whether the owner, the kind or the key differ.
func (b *Binder) Unwrap(kind Kind, owner, wrapped string) (string, error) {
	if !looksWrapped(wrapped) {
		return "", ErrNotBound
	}
	id := wrapped[headerSize:]
	var want [macChars]byte
	b.appendMAC(want[:0], kind, owner, id)
	if !hmac.Equal(want[:], []byte(wrapped[len(Prefix):len(Prefix)+macChars])) {
		return "", ErrForeign
	}
	return id, nil
}

// IsWrapped reports whether s is in the wrapped form, whoever it was wrapped
// for. It does not check the MAC.
func IsWrapped(s string) bool {
	return looksWrapped(s)
}

func looksWrapped(s string) bool {
	if len(s) < headerSize || s[:len(Prefix)] != Prefix || s[headerSize-1] != Separator {
		return false
	}
	for i := len(Prefix); i < len(Prefix)+macChars; i++ {
		if !isBase64URL(s[i]) {
			return false
		}
	}
	return true
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// appendMAC appends the base64url form of the MAC of (kind, owner, id) to dst.
func (b *Binder) appendMAC(dst []byte, kind Kind, owner, id string) []byte {
	m := hmac.New(sha256.New, b.key)
	writeInput(m, kind, owner, id)
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.AppendEncode(dst, m.Sum(sum[:0])[:macSize])
}

func writeInput(h hash.Hash, kind Kind, owner, id string) {
	var hdr [len(macLabel) + 1 + 8]byte
	n := copy(hdr[:], macLabel)
	hdr[n] = byte(kind)
	binary.BigEndian.PutUint64(hdr[n+1:], uint64(len(owner)))
	h.Write(hdr[:])
	h.Write([]byte(owner))
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], uint64(len(id)))
	h.Write(l[:])
	h.Write([]byte(id))
}
