package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// ErrUnsupportedHash is wrapped by CheckHash errors for a hash format esguard does not
// verify (plain text, {SHA}, {MD5}, {SSHA256}, unknown prefixes).
var ErrUnsupportedHash = errors.New("unsupported password hash format")

// ErrMalformedHash is wrapped by CheckHash errors for a hash of a supported format that
// cannot be decoded.
var ErrMalformedHash = errors.New("malformed password hash")

const (
	pbkdf2Prefix        = "{PBKDF2}"
	pbkdf2StretchPrefix = "{PBKDF2_STRETCH}"
	// pbkdf2MinSalt is Hasher.PBKDF2_MIN_SALT_LENGTH_IN_BYTES.
	pbkdf2MinSalt = 8
	// pbkdf2MaxKey bounds the derived key so a hostile users file cannot make every
	// verification arbitrarily slow (Elasticsearch writes 32 bytes).
	pbkdf2MaxKey = 1024
	// bcryptLen is the length of a bcrypt hash: "$2a$10$" + 22 salt + 31 hash characters.
	bcryptLen = 60
)

// bcryptAlphabet is bcrypt's base64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

var bcryptEncoding = base64.NewEncoding(bcryptAlphabet).WithPadding(base64.NoPadding)

// hashAlg is a password hash algorithm the file realm verifies.
type hashAlg uint8

const (
	algBcrypt hashAlg = iota + 1
	algPBKDF2
	algPBKDF2Stretch
)

// hashed is a parsed password hash.
type hashed struct {
	alg hashAlg
	// cost is the bcrypt cost or the PBKDF2 iteration count.
	cost int
	// bcrypt is the whole bcrypt hash.
	bcrypt []byte
	// salt and key are the decoded PBKDF2 salt and derived key.
	salt, key []byte
}

// params identifies the work a verification against h costs (for the dummy hash).
type hashParams struct {
	alg           hashAlg
	cost          int
	saltN, keyLen int
}

func (h *hashed) params() hashParams {
	return hashParams{alg: h.alg, cost: h.cost, saltN: len(h.salt), keyLen: len(h.key)}
}

// verify reports whether password matches h, in constant time with respect to the
// password.
func (h *hashed) verify(password string) bool {
	switch h.alg {
	case algBcrypt:
		return bcrypt.CompareHashAndPassword(h.bcrypt, []byte(password)) == nil
	case algPBKDF2, algPBKDF2Stretch:
		if h.alg == algPBKDF2Stretch {
			// Hasher.PBKDF2_STRETCH: PBKDF2 over the lower-case hex SHA-512 of the password.
			sum := sha512.Sum512([]byte(password))
			password = hex.EncodeToString(sum[:])
		}
		// Java's PBEKeySpec turns the password chars into UTF-8 bytes, which is what a Go
		// string holds.
		dk, err := pbkdf2.Key(sha512.New, password, h.salt, h.cost, len(h.key))
		if err != nil {
			return false
		}
		return subtle.ConstantTimeCompare(dk, h.key) == 1
	}
	return false
}

// CheckHash reports whether hash is a password hash format esguard can verify: bcrypt
// ($2a$, $2b$, $2y$, cost 4 to 31) or Elasticsearch's {PBKDF2} and {PBKDF2_STRETCH}
// (PBKDF2 with HMAC-SHA512) at the iteration counts Elasticsearch's Hasher defines.
// Anything else, including plain text and Elasticsearch's unsalted {SHA}, {MD5} and
// {SSHA256}, is refused. The error never quotes the hash, which may be a plain-text
// password.
func CheckHash(hash string) error {
	_, err := parseHash(hash)
	return err
}

func parseHash(hash string) (*hashed, error) {
	switch {
	case hash == "":
		return nil, fmt.Errorf("%w: empty password hash", ErrMalformedHash)
	case strings.HasPrefix(hash, "$2"):
		return parseBcrypt(hash)
	case strings.HasPrefix(hash, pbkdf2StretchPrefix):
		return parsePBKDF2(hash[len(pbkdf2StretchPrefix):], algPBKDF2Stretch, pbkdf2StretchPrefix)
	case strings.HasPrefix(hash, pbkdf2Prefix):
		return parsePBKDF2(hash[len(pbkdf2Prefix):], algPBKDF2, pbkdf2Prefix)
	}
	for _, p := range []string{"{SHA}", "{MD5}", "{SSHA256}"} {
		if strings.HasPrefix(hash, p) {
			return nil, fmt.Errorf("%w: %s hashes are not accepted (use bcrypt, {PBKDF2} or {PBKDF2_STRETCH})", ErrUnsupportedHash, p)
		}
	}
	return nil, fmt.Errorf("%w: expected bcrypt ($2a$, $2b$, $2y$), {PBKDF2} or {PBKDF2_STRETCH}; plain-text passwords are not accepted", ErrUnsupportedHash)
}

// parseBcrypt checks "$2x$NN$" + 53 characters of bcrypt's alphabet, the shape
// Elasticsearch's Hasher.isBcryptPrefix and BCrypt.checkpw accept.
func parseBcrypt(hash string) (*hashed, error) {
	if len(hash) < 4 || hash[3] != '$' {
		return nil, fmt.Errorf("%w: bcrypt hashes start with $2a$, $2b$ or $2y$", ErrUnsupportedHash)
	}
	switch hash[2] {
	case 'a', 'b', 'y':
	default:
		return nil, fmt.Errorf("%w: bcrypt version $2%c$ is not accepted (use $2a$, $2b$ or $2y$)", ErrUnsupportedHash, hash[2])
	}
	if len(hash) != bcryptLen || hash[6] != '$' || !isDigit(hash[4]) || !isDigit(hash[5]) {
		return nil, fmt.Errorf("%w: a bcrypt hash is 60 characters: $2a$, a two-digit cost, $ and 53 characters", ErrMalformedHash)
	}
	cost := int(hash[4]-'0')*10 + int(hash[5]-'0')
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("%w: bcrypt cost %d is outside %d to %d", ErrMalformedHash, cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	for i := 7; i < len(hash); i++ {
		if strings.IndexByte(bcryptAlphabet, hash[i]) < 0 {
			return nil, fmt.Errorf("%w: bcrypt salt and hash use characters outside bcrypt's alphabet", ErrMalformedHash)
		}
	}
	return &hashed{alg: algBcrypt, cost: cost, bcrypt: []byte(hash)}, nil
}

// pbkdf2Iterations are the iteration counts of Hasher's PBKDF2_* and PBKDF2_STRETCH_*
// constants; Hasher.resolveFromHash refuses any other count.
var pbkdf2Iterations = []int{1000, 10000, 50000, 100000, 500000, 1000000}

// parsePBKDF2 parses "<iterations>$<base64 salt>$<base64 key>" after the prefix, as
// written by Hasher.getPbkdf2Hash and read by Hasher.verifyPbkdf2Hash: the salt is
// standard base64 (padding optional) of at least 8 bytes; the key is padded standard
// base64 whose length is a multiple of 16 bytes (verifyPbkdf2Hash derives a key of
// (len*3)/64*128 bits and compares the encodings, so no other key can ever match).
func parsePBKDF2(rest string, alg hashAlg, prefix string) (*hashed, error) {
	iter, rest, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, fmt.Errorf("%w: %s hashes are %s<iterations>$<salt>$<key>", ErrMalformedHash, prefix, prefix)
	}
	n, err := strconv.Atoi(iter)
	if err != nil || iter == "" || !isDigit(iter[0]) || iter[0] == '0' {
		return nil, fmt.Errorf("%w: %s iteration count is not a number", ErrMalformedHash, prefix)
	}
	known := false
	for _, k := range pbkdf2Iterations {
		known = known || k == n
	}
	if !known {
		return nil, fmt.Errorf("%w: %s iteration count %d is not one of Elasticsearch's (1000, 10000, 50000, 100000, 500000, 1000000)", ErrUnsupportedHash, prefix, n)
	}
	saltText, keyText, ok := strings.Cut(rest, "$")
	if !ok || strings.Contains(keyText, "$") {
		return nil, fmt.Errorf("%w: %s hashes are %s<iterations>$<salt>$<key>", ErrMalformedHash, prefix, prefix)
	}
	saltEnc := base64.StdEncoding
	if len(saltText)%4 != 0 {
		saltEnc = base64.RawStdEncoding
	}
	salt, err := saltEnc.DecodeString(saltText)
	if err != nil {
		return nil, fmt.Errorf("%w: %s salt is not base64", ErrMalformedHash, prefix)
	}
	if len(salt) < pbkdf2MinSalt {
		return nil, fmt.Errorf("%w: %s salt must be at least %d bytes", ErrMalformedHash, prefix, pbkdf2MinSalt)
	}
	key, err := base64.StdEncoding.DecodeString(keyText)
	if err != nil || base64.StdEncoding.EncodeToString(key) != keyText {
		return nil, fmt.Errorf("%w: %s key is not padded base64", ErrMalformedHash, prefix)
	}
	if len(key) == 0 || len(key)%16 != 0 || len(key) > pbkdf2MaxKey {
		return nil, fmt.Errorf("%w: %s key length must be a positive multiple of 16 bytes", ErrMalformedHash, prefix)
	}
	return &hashed{alg: alg, cost: n, salt: salt, key: key}, nil
}

// dummyHash returns a hash with the given parameters that no password matches: its salt
// and digest are random. Verifying against it costs what verifying a real hash with the
// same parameters costs, without having to compute one.
func dummyHash(p hashParams) *hashed {
	switch p.alg {
	case algPBKDF2, algPBKDF2Stretch:
		h := &hashed{alg: p.alg, cost: p.cost, salt: make([]byte, p.saltN), key: make([]byte, p.keyLen)}
		_, _ = rand.Read(h.salt)
		_, _ = rand.Read(h.key)
		return h
	}
	cost := p.cost
	if p.alg != algBcrypt {
		cost = bcrypt.DefaultCost
	}
	raw := make([]byte, 16+23)
	_, _ = rand.Read(raw)
	h := fmt.Sprintf("$2a$%02d$%s%s", cost, bcryptEncoding.EncodeToString(raw[:16]), bcryptEncoding.EncodeToString(raw[16:]))
	return &hashed{alg: algBcrypt, cost: cost, bcrypt: []byte(h)}
}

// HashPassword hashes password with bcrypt ($2a$) at the given cost, the format
// Elasticsearch's Hasher.BCRYPT writes. Cost 0 means bcrypt.DefaultCost (10, as
// Elasticsearch); otherwise it must be between bcrypt.MinCost and bcrypt.MaxCost.
// bcrypt reads at most 72 bytes, so a longer password is refused.
func HashPassword(password []byte, cost int) (string, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return "", fmt.Errorf("auth: bcrypt cost %d is outside %d to %d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	h, err := bcrypt.GenerateFromPassword(password, cost)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	return string(h), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
