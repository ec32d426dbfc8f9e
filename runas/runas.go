// Package runas implements the run_as step: a caller sends es-security-runas-user and,
// when its roles allow running as that user, the request is decided with the target's
// roles alone (Elasticsearch's AuthenticationService run-as handling).
//
// runas may import auth and privileges. It must not import fasthttp, config or proxy.
package runas

import (
	"context"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/privileges"
)

// Header is the request header that asks to run as another user.
const Header = "es-security-runas-user"

// Subject is who made a request and whose privileges decide it. Effective equals
// Authenticated when no run_as was asked for.
type Subject struct {
	Authenticated *auth.Identity
	Effective     *auth.Identity
}

// RunAs reports whether the request runs as another user.
func (s Subject) RunAs() bool { return s.Authenticated != s.Effective }

// ErrorKind classifies a run_as refusal.
type ErrorKind uint8

const (
	// ErrEmpty is an empty header value (Elasticsearch answers 401).
	ErrEmpty ErrorKind = iota
	// ErrAmbiguous is a header sent more than once or naming several users.
	ErrAmbiguous
	// ErrDenied is a target the caller may not run as, or that does not exist (403).
	ErrDenied
)

// Error is a run_as refusal.
type Error struct {
	Kind   ErrorKind
	Target string
}

func (e *Error) Error() string {
	switch e.Kind {
	case ErrEmpty:
		return "runas: empty run_as user"
	case ErrAmbiguous:
		return "runas: more than one run_as user"
	}
	return "runas: not allowed to run as [" + e.Target + "]"
}

// Lookup finds a user by name in the realms that can look users up.
type Lookup func(ctx context.Context, username string) (*auth.Identity, bool)

// Resolve checks a run_as request. values are the header's values as received. The
// target must match a run_as pattern of the caller's permission and exist in a realm
// that can look it up; a target that does not exist is refused exactly like one that
// is not allowed, so the answer does not reveal which users exist.
func Resolve(ctx context.Context, caller *auth.Identity, values []string, perm *privileges.Permission, lookup Lookup) (Subject, error) {
	if len(values) != 1 {
		return Subject{}, &Error{Kind: ErrAmbiguous}
	}
	target := values[0]
	if target == "" {
		return Subject{}, &Error{Kind: ErrEmpty}
	}
	for _, c := range target {
		if c == ',' || c < 0x20 || c == 0x7f {
			return Subject{}, &Error{Kind: ErrAmbiguous, Target: target}
		}
	}
	if !perm.RunAs(target) {
		return Subject{}, &Error{Kind: ErrDenied, Target: target}
	}
	eff, ok := lookup(ctx, target)
	if !ok {
		return Subject{}, &Error{Kind: ErrDenied, Target: target}
	}
	return Subject{Authenticated: caller, Effective: eff}, nil
}
