// Package runas implements the run_as step: a caller sends es-security-runas-user and,
// when its roles allow running as that user, the request is decided with the target's
// roles alone (Elasticsearch's AuthenticationService run-as handling), narrowed by
// esguard's optional governance policy.
//
// runas may import auth and privileges. It must not import fasthttp, config or proxy.
package runas

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/privileges"
)

// Header is the request header that asks to run as another user.
const Header = "es-security-runas-user"

// MaxReasonLength bounds the run_as reason a client sends, in bytes.
const MaxReasonLength = 1024

// Subject is who made a request and whose privileges decide it. Effective equals
// Authenticated when no run_as was asked for.
type Subject struct {
	Authenticated *auth.Identity
	Effective     *auth.Identity
	// Intersect is set when a policy rule limits the effective user's privileges by
	// the authenticated user's own.
	Intersect bool
	// Reason is the reason the caller gave for running as another user.
	Reason string
}

// RunAs reports whether the request runs as another user.
func (s Subject) RunAs() bool { return s.Authenticated != s.Effective }

// ErrorKind classifies a run_as refusal.
type ErrorKind uint8

const (
	// ErrEmpty is an empty header value (Elasticsearch answers 401).
	ErrEmpty ErrorKind = iota
	// ErrAmbiguous is a header sent more than once.
	ErrAmbiguous
	// ErrEncoding is a value that is not one user name in printable ASCII: a list, a
	// control character, surrounding spaces, or bytes another server could decode
	// differently.
	ErrEncoding
	// ErrDenied is a target the caller may not run as, or that does not exist (403).
	ErrDenied
	// ErrReason is a run_as without the reason the policy requires, or with a reason
	// that cannot be recorded (403).
	ErrReason
)

// Error is a run_as refusal. Detail says why, for the audit trail and the log; the
// client sees Elasticsearch's run-as wording, which does not tell a user that does
// not exist from one that may not be impersonated.
type Error struct {
	Kind   ErrorKind
	Target string
	Detail string
}

func (e *Error) Error() string {
	switch e.Kind {
	case ErrEmpty:
		return "runas: empty run_as user"
	case ErrAmbiguous:
		return "runas: more than one run_as user"
	case ErrEncoding:
		return "runas: run_as user is not one printable ASCII name"
	}
	return "runas: not allowed to run as [" + e.Target + "]: " + e.Detail
}

// Lookup finds a user by name in the realms that can look users up.
type Lookup func(ctx context.Context, username string) (*auth.Identity, bool)

// Policy is esguard's run_as configuration: how the effective user reaches the cluster,
// and governance beyond Elasticsearch's run_as privilege. Rules can only narrow what
// the run_as privilege allows. The zero Policy is Elasticsearch's behaviour in local
// mode. A Policy is immutable once built.
type Policy struct {
	// Delegate forwards the effective user to the cluster in the run-as header, with
	// esguard's own credentials, instead of dropping the header.
	Delegate bool
	// DelegateAll (with Delegate) forwards every request as its authenticated user,
	// even without a run-as header from the client.
	DelegateAll bool
	// ReasonHeader, when set, names the header every run_as request must carry; its
	// value is recorded in the audit trail.
	ReasonHeader string
	// Rules narrow the run_as of the impersonators they apply to.
	Rules []Rule
}

// Rule narrows the run_as of impersonators whose user name matches Users or who hold
// a role matching Roles. Every rule that applies to an impersonator must allow the
// target.
type Rule struct {
	// Name identifies the rule in audit reasons, for example "run_as.impersonators[0]".
	Name         string
	Users, Roles *privileges.NameMatcher
	// Targets, when set, lists the only users the impersonator may run as.
	Targets *privileges.NameMatcher
	// Deny lists users the impersonator may never run as.
	Deny *privileges.NameMatcher
	// Intersect limits the target's privileges by the impersonator's own.
	Intersect bool
}

func (r *Rule) appliesTo(id *auth.Identity) bool {
	if r.Users.Match(id.Username) {
		return true
	}
	for _, role := range id.Roles {
		if r.Roles.Match(role) {
			return true
		}
	}
	return false
}

// Request is one run_as request.
type Request struct {
	// Caller is the authenticated identity; Permission is its permission (limited by
	// the owner's for an API key).
	Caller     *auth.Identity
	Permission *privileges.Permission
	// Anonymous is set when Caller is the anonymous user, who may not run as anyone.
	Anonymous bool
	// Targets are the values of the run-as header, as received.
	Targets []string
	// Reasons are the values of the policy's reason header, as received.
	Reasons []string
	Lookup  Lookup
}

// ValidName reports whether name can travel in an HTTP header and be read back the
// same by any server: printable ASCII without surrounding spaces, which Elasticsearch
// requires of user names anyway, and no comma, which intermediaries may treat as a
// list separator.
func ValidName(name string) bool {
	if name == "" || name[0] == ' ' || name[len(name)-1] == ' ' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c > 0x7e || c == ',' {
			return false
		}
	}
	return true
}

// Resolve checks a run_as request against the caller's run_as privilege, the realms
// that can look users up and the policy. A target that does not exist is refused
// exactly like one that is not allowed, so the answer does not reveal which users
// exist. One hop only: the target's own run_as privilege plays no part.
func (p *Policy) Resolve(ctx context.Context, req Request) (Subject, error) {
	if len(req.Targets) != 1 {
		return Subject{}, &Error{Kind: ErrAmbiguous}
	}
	target := req.Targets[0]
	if target == "" {
		return Subject{}, &Error{Kind: ErrEmpty}
	}
	if !ValidName(target) {
		return Subject{}, &Error{Kind: ErrEncoding, Target: target}
	}
	deny := func(detail string) (Subject, error) {
		return Subject{}, &Error{Kind: ErrDenied, Target: target, Detail: detail}
	}
	if req.Anonymous {
		return deny("the anonymous user cannot run as another user")
	}
	if !req.Permission.RunAs(target) {
		return deny("no role of the caller grants run_as on the target")
	}
	subject := Subject{Authenticated: req.Caller}
	for i := range p.rules() {
		r := &p.Rules[i]
		if !r.appliesTo(req.Caller) {
			continue
		}
		if r.Targets != nil && !r.Targets.Match(target) {
			return deny("the target is not among the targets of " + r.Name)
		}
		if r.Deny.Match(target) {
			return deny("the target is in the deny list of " + r.Name)
		}
		subject.Intersect = subject.Intersect || r.Intersect
	}
	eff, ok := req.Lookup(ctx, target)
	if !ok {
		return deny("no realm that can look users up knows the target")
	}
	subject.Effective = eff
	if h := p.Reason(); h != "" {
		reason, detail := checkReason(h, req.Reasons)
		if detail != "" {
			return Subject{}, &Error{Kind: ErrReason, Target: target, Detail: detail}
		}
		subject.Reason = reason
	}
	return subject, nil
}

func (p *Policy) rules() []Rule {
	if p == nil {
		return nil
	}
	return p.Rules
}

// checkReason returns the one reason in values, or why there is none to record.
func checkReason(header string, values []string) (reason, detail string) {
	switch {
	case len(values) == 0 || (len(values) == 1 && values[0] == ""):
		return "", "running as another user needs a reason in the [" + header + "] header"
	case len(values) > 1:
		return "", "the [" + header + "] header must be sent once"
	case len(values[0]) > MaxReasonLength:
		return "", "the [" + header + "] header is longer than " + strconv.Itoa(MaxReasonLength) + " bytes"
	case !utf8.ValidString(values[0]):
		return "", "the [" + header + "] header is not valid UTF-8"
	}
	for _, c := range values[0] {
		if c < 0x20 || c == 0x7f {
			return "", "the [" + header + "] header holds a control character"
		}
	}
	return values[0], ""
}

// Reason returns the name of the header that carries the run_as reason, or "" when
// the policy asks for none.
func (p *Policy) Reason() string {
	if p == nil {
		return ""
	}
	return p.ReasonHeader
}

// Delegated returns the user name to send the cluster in the run-as header for s,
// or "" when the request goes with esguard's own identity.
func (p *Policy) Delegated(s Subject) string {
	switch {
	case p == nil || !p.Delegate || s.Effective == nil:
		return ""
	case s.RunAs() || p.DelegateAll:
		return s.Effective.Username
	}
	return ""
}
