package auth

import "strings"

// FailureKind classifies an authentication failure.
type FailureKind uint8

const (
	// FailureMissing means the request carried no credentials.
	FailureMissing FailureKind = iota
	// FailureMalformed means the Authorization header could not be parsed.
	FailureMalformed
	// FailureInvalid means the credentials were refused: unknown user, wrong password,
	// unknown key, or no realm that handles them.
	FailureInvalid
	// FailureExpired means the credentials were valid once but have expired.
	FailureExpired
	// FailureThrottled means the realm refused to try (too many attempts).
	FailureThrottled
)

// String returns the kind's name in lower case.
func (k FailureKind) String() string {
	switch k {
	case FailureMissing:
		return "missing"
	case FailureMalformed:
		return "malformed"
	case FailureInvalid:
		return "invalid"
	case FailureExpired:
		return "expired"
	case FailureThrottled:
		return "throttled"
	}
	return "unknown"
}

// Failure is a terminal authentication failure; the proxy renders it as a 401. None of
// its fields ever holds a password, key secret or token.
type Failure struct {
	// Kind classifies the failure.
	Kind FailureKind
	// Realm names the realm that refused the credentials, when one did.
	Realm string
	// Username is the principal the credentials claimed (basic user name), when known.
	Username string
	// Reason is an internal category for logs and audit ("password mismatch", "unknown
	// user", "invalid basic authentication header encoding"), never a secret.
	Reason string
}

// Error describes the failure without any secret.
func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString("auth: ")
	switch f.Kind {
	case FailureMissing:
		b.WriteString("missing authentication credentials")
	case FailureMalformed:
		b.WriteString("malformed authentication credentials")
	case FailureExpired:
		b.WriteString("expired authentication credentials")
	case FailureThrottled:
		b.WriteString("authentication throttled")
	default:
		b.WriteString("invalid authentication credentials")
	}
	if f.Username != "" {
		b.WriteString(" for user [")
		b.WriteString(f.Username)
		b.WriteString("]")
	}
	if f.Realm != "" {
		b.WriteString(" in realm [")
		b.WriteString(f.Realm)
		b.WriteString("]")
	}
	if f.Reason != "" {
		b.WriteString(": ")
		b.WriteString(f.Reason)
	}
	return b.String()
}
