package auth

import (
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scheme is the authentication scheme of an Authorization header.
type Scheme uint8

const (
	// SchemeNone means no Authorization header.
	SchemeNone Scheme = iota
	// SchemeBasic is "Basic base64(username:password)".
	SchemeBasic
	// SchemeAPIKey is "ApiKey base64(id:key)".
	SchemeAPIKey
	// SchemeBearer is "Bearer token" (a JWT or an Elasticsearch access token).
	SchemeBearer
)

// String returns the scheme's name as it appears in the header ("" for SchemeNone).
func (s Scheme) String() string {
	switch s {
	case SchemeBasic:
		return "Basic"
	case SchemeAPIKey:
		return "ApiKey"
	case SchemeBearer:
		return "Bearer"
	}
	return ""
}

// Credentials are the values copied out of the Authorization header. Only the fields of
// Scheme are set.
type Credentials struct {
	// Scheme says which of the fields below are set.
	Scheme Scheme
	// Username and Password are the basic credentials.
	Username string
	Password string
	// APIKeyID and APIKeySecret are the two halves of an ApiKey credential.
	APIKeyID, APIKeySecret string
	// Token is the bearer token.
	Token string
}

// Principal returns the name the credentials claim: the basic user name or the API key
// id ("" for bearer tokens, whose principal is only known once verified).
func (c Credentials) Principal() string {
	switch c.Scheme {
	case SchemeBasic:
		return c.Username
	case SchemeAPIKey:
		return c.APIKeyID
	}
	return ""
}

// Failure reasons of ParseAuthorization, worded like Elasticsearch's
// UsernamePasswordToken and ApiKeyService where they have an equivalent.
const (
	reasonBasicValue    = "invalid basic authentication header value"
	reasonBasicEncoding = "invalid basic authentication header encoding"
	reasonAPIKeyValue   = "invalid ApiKey value"
	reasonBearerValue   = "invalid bearer token"
	reasonScheme        = "unsupported authorization scheme"
	reasonHeaderChars   = "invalid characters in authorization header"
	reasonEmptyUser     = "empty username"
	reasonUserChars     = "control characters in username"
	reasonUTF8          = "credentials are not valid UTF-8"
)

// ParseAuthorization parses an Authorization header value. An empty value (or one of
// only spaces) is SchemeNone. Scheme names are case-insensitive and separated from their
// value by spaces or tabs, like Elasticsearch's UsernamePasswordToken.extractToken and
// Authenticator.extractCredentialFromHeaderValue. Base64 padding is optional, as with
// Java's Base64 decoder. Malformed values (unknown scheme, missing value, bad base64, no
// colon, empty user name or API key id, control characters in a user name, invalid
// UTF-8) return a *Failure with Kind FailureMalformed; the error never contains the
// secret.
func ParseAuthorization(header string) (Credentials, error) {
	h := trimOWS(header)
	if h == "" {
		return Credentials{}, nil
	}
	sep := -1
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c == ' ' || c == '\t':
			if sep < 0 {
				sep = i
			}
		case c < 0x20 || c >= 0x7f:
			return Credentials{}, malformed(reasonHeaderChars)
		}
	}
	scheme, value := h, ""
	if sep >= 0 {
		scheme, value = h[:sep], trimOWS(h[sep+1:])
	}
	switch {
	case strings.EqualFold(scheme, "Basic"):
		return parseBasic(value)
	case strings.EqualFold(scheme, "ApiKey"):
		return parseAPIKey(value)
	case strings.EqualFold(scheme, "Bearer"):
		if value == "" || strings.ContainsAny(value, " \t") {
			return Credentials{}, malformed(reasonBearerValue)
		}
		return Credentials{Scheme: SchemeBearer, Token: value}, nil
	}
	return Credentials{}, malformed(reasonScheme)
}

func parseBasic(value string) (Credentials, error) {
	if value == "" {
		return Credentials{}, malformed(reasonBasicValue)
	}
	s, ok := decodeBase64(value)
	if !ok {
		return Credentials{}, malformed(reasonBasicEncoding)
	}
	if !utf8.ValidString(s) {
		return Credentials{}, malformed(reasonUTF8)
	}
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return Credentials{}, malformed(reasonBasicValue)
	}
	user := s[:i]
	if user == "" {
		return Credentials{}, malformed(reasonEmptyUser)
	}
	if hasControl(user) {
		return Credentials{}, malformed(reasonUserChars)
	}
	return Credentials{Scheme: SchemeBasic, Username: user, Password: s[i+1:]}, nil
}

// parseAPIKey follows ApiKeyService.parseApiKey: base64 of "id:key" with a non-empty id.
func parseAPIKey(value string) (Credentials, error) {
	if value == "" {
		return Credentials{}, malformed(reasonAPIKeyValue)
	}
	s, ok := decodeBase64(value)
	if !ok || !utf8.ValidString(s) {
		return Credentials{}, malformed(reasonAPIKeyValue)
	}
	i := strings.IndexByte(s, ':')
	if i < 1 || hasControl(s[:i]) {
		return Credentials{}, malformed(reasonAPIKeyValue)
	}
	return Credentials{Scheme: SchemeAPIKey, APIKeyID: s[:i], APIKeySecret: s[i+1:]}, nil
}

// decodeBase64 decodes standard base64 with optional padding into one new string.
func decodeBase64(s string) (string, bool) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	// Small values are copied to and decoded on the stack, so the only allocation is
	// the result.
	var in [256]byte
	var src []byte
	if len(s) <= len(in) {
		src = in[:copy(in[:], s)]
	} else {
		src = []byte(s)
	}
	defer clear(src)
	var stack [192]byte
	var dst []byte
	if n := enc.DecodedLen(len(s)); n <= len(stack) {
		dst = stack[:n]
	} else {
		dst = make([]byte, n)
	}
	n, err := enc.Decode(dst, src)
	if err != nil {
		return "", false
	}
	out := string(dst[:n])
	clear(dst)
	return out, true
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// trimOWS trims HTTP optional whitespace (spaces and tabs).
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func malformed(reason string) *Failure {
	return &Failure{Kind: FailureMalformed, Reason: reason}
}
