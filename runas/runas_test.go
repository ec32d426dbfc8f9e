package runas

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/privileges"
)

func compile(t *testing.T, runAs ...string) *privileges.Permission {
	t.Helper()
	p, err := privileges.Compile(nil, []*privileges.RoleDescriptor{{Name: "r", RunAs: runAs}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func names(t *testing.T, patterns ...string) *privileges.NameMatcher {
	t.Helper()
	m, err := privileges.CompileNames(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var directory = map[string]*auth.Identity{
	"alice":    {Username: "alice", Roles: []string{"reader"}, RealmName: "default_file"},
	"report-1": {Username: "report-1", Roles: []string{"reader"}, RealmName: "default_file"},
	"elastic":  {Username: "elastic", Roles: []string{"superuser"}, RealmName: "default_file"},
	"a,b":      {Username: "a,b"},
}

func lookup(_ context.Context, name string) (*auth.Identity, bool) {
	id, ok := directory[name]
	return id, ok
}

func TestResolve(t *testing.T) {
	portal := &auth.Identity{Username: "portal", Roles: []string{"portal"}}
	support := &auth.Identity{Username: "sup-1", Roles: []string{"support"}}
	policy := &Policy{
		ReasonHeader: "X-Run-As-Reason",
		Rules: []Rule{
			{Name: "run_as.impersonators[0]", Users: names(t, "portal"), Targets: names(t, "report-*", "alice")},
			{Name: "run_as.impersonators[1]", Roles: names(t, "support"), Deny: names(t, "elastic"), Intersect: true},
		},
	}
	all := compile(t, "*")
	for _, tc := range []struct {
		name      string
		policy    *Policy
		caller    *auth.Identity
		perm      *privileges.Permission
		anonymous bool
		targets   []string
		reasons   []string
		kind      ErrorKind // when err
		err       bool
		detail    string // part of the refusal's detail
		effective string
		intersect bool
	}{
		{name: "granted", caller: portal, perm: compile(t, "alice"), targets: []string{"alice"}, effective: "alice"},
		{name: "pattern", caller: portal, perm: compile(t, "report-*"), targets: []string{"report-1"}, effective: "report-1"},
		{name: "outside the patterns", caller: portal, perm: compile(t, "report-*"), targets: []string{"alice"}, err: true, kind: ErrDenied, detail: "no role"},
		{name: "no such user", caller: portal, perm: all, targets: []string{"nobody"}, err: true, kind: ErrDenied, detail: "no realm"},
		{name: "empty", caller: portal, perm: all, targets: []string{""}, err: true, kind: ErrEmpty},
		{name: "twice", caller: portal, perm: all, targets: []string{"alice", "alice"}, err: true, kind: ErrAmbiguous},
		{name: "a list", caller: portal, perm: all, targets: []string{"a,b"}, err: true, kind: ErrEncoding},
		{name: "a pattern is a literal name", caller: portal, perm: all, targets: []string{"report-*"}, err: true, kind: ErrDenied, detail: "no realm"},
		{name: "UTF-8", caller: portal, perm: all, targets: []string{"al\u00efce"}, err: true, kind: ErrEncoding},
		{name: "Latin-1 byte", caller: portal, perm: all, targets: []string{"al\xefce"}, err: true, kind: ErrEncoding},
		{name: "control character", caller: portal, perm: all, targets: []string{"alice\r\nX: y"}, err: true, kind: ErrEncoding},
		{name: "surrounding space", caller: portal, perm: all, targets: []string{" alice"}, err: true, kind: ErrEncoding},
		{name: "anonymous", caller: portal, perm: all, anonymous: true, targets: []string{"alice"}, err: true, kind: ErrDenied, detail: "anonymous"},
		{name: "nil permission", caller: portal, targets: []string{"alice"}, err: true, kind: ErrDenied},

		{name: "policy: among the targets", policy: policy, caller: portal, perm: all, targets: []string{"report-1"}, reasons: []string{"ticket 42"}, effective: "report-1"},
		{name: "policy: outside the targets", policy: policy, caller: portal, perm: all, targets: []string{"elastic"}, reasons: []string{"x"}, err: true, kind: ErrDenied, detail: "impersonators[0]"},
		{name: "policy: deny list", policy: policy, caller: support, perm: all, targets: []string{"elastic"}, reasons: []string{"x"}, err: true, kind: ErrDenied, detail: "deny list of run_as.impersonators[1]"},
		{name: "policy: intersect", policy: policy, caller: support, perm: all, targets: []string{"alice"}, reasons: []string{"x"}, effective: "alice", intersect: true},
		{name: "policy: rule for someone else", policy: policy, caller: &auth.Identity{Username: "other", Roles: []string{"x"}}, perm: all, targets: []string{"elastic"}, reasons: []string{"x"}, effective: "elastic"},
		{name: "policy: role privilege still needed", policy: policy, caller: portal, perm: compile(t, "alice"), targets: []string{"report-1"}, reasons: []string{"x"}, err: true, kind: ErrDenied, detail: "no role"},
		{name: "reason missing", policy: policy, caller: portal, perm: all, targets: []string{"alice"}, err: true, kind: ErrReason, detail: "needs a reason"},
		{name: "reason empty", policy: policy, caller: portal, perm: all, targets: []string{"alice"}, reasons: []string{""}, err: true, kind: ErrReason, detail: "needs a reason"},
		{name: "reason twice", policy: policy, caller: portal, perm: all, targets: []string{"alice"}, reasons: []string{"a", "b"}, err: true, kind: ErrReason, detail: "once"},
		{name: "reason too long", policy: policy, caller: portal, perm: all, targets: []string{"alice"}, reasons: []string{strings.Repeat("x", MaxReasonLength+1)}, err: true, kind: ErrReason, detail: "longer"},
		{name: "reason control character", policy: policy, caller: portal, perm: all, targets: []string{"alice"}, reasons: []string{"a\x00b"}, err: true, kind: ErrReason, detail: "control"},
		{name: "reason not UTF-8", policy: policy, caller: portal, perm: all, targets: []string{"alice"}, reasons: []string{"\xff"}, err: true, kind: ErrReason, detail: "UTF-8"},
		{name: "reason not asked before the privilege", policy: policy, caller: portal, perm: compile(t), targets: []string{"alice"}, err: true, kind: ErrDenied, detail: "no role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.policy.Resolve(context.Background(), Request{Caller: tc.caller, Permission: tc.perm, Anonymous: tc.anonymous, Targets: tc.targets, Reasons: tc.reasons, Lookup: lookup})
			if tc.err {
				var re *Error
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want a run_as refusal", err)
				}
				if re.Kind != tc.kind || !strings.Contains(re.Detail, tc.detail) {
					t.Fatalf("refusal %+v, want kind %d with detail %q", re, tc.kind, tc.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Authenticated != tc.caller || s.Effective.Username != tc.effective || s.Intersect != tc.intersect || !s.RunAs() {
				t.Fatalf("subject %+v", s)
			}
			if tc.policy != nil && s.Reason != tc.reasons[0] {
				t.Errorf("reason %q", s.Reason)
			}
		})
	}
}

func TestDelegated(t *testing.T) {
	portal := &auth.Identity{Username: "portal"}
	alice := &auth.Identity{Username: "alice"}
	runAs := Subject{Authenticated: portal, Effective: alice}
	self := Subject{Authenticated: portal, Effective: portal}
	for _, tc := range []struct {
		name    string
		policy  *Policy
		subject Subject
		want    string
	}{
		{"local", &Policy{}, runAs, ""},
		{"nil", nil, runAs, ""},
		{"delegate run_as", &Policy{Delegate: true}, runAs, "alice"},
		{"delegate without run_as", &Policy{Delegate: true}, self, ""},
		{"delegate all", &Policy{Delegate: true, DelegateAll: true}, self, "portal"},
		{"delegate all with run_as", &Policy{Delegate: true, DelegateAll: true}, runAs, "alice"},
	} {
		if got := tc.policy.Delegated(tc.subject); got != tc.want {
			t.Errorf("%s: Delegated = %q, want %q", tc.name, got, tc.want)
		}
	}
}
