package config_test

import (
	"strings"
	"testing"
)

// TestRunAsConfig checks the run_as section: what compiles into the policy and what
// is refused, with the line of the problem.
func TestRunAsConfig(t *testing.T) {
	for _, tc := range []struct {
		name     string
		upstream string // credentials lines under upstream
		runAs    string // the run_as section
		problem  string // part of the problem printed; "" for none
	}{
		{"local by default", "", "", ""},
		{"delegate", "  username: esguard\n  password: x\n", "run_as: {mode: delegate, impersonate_authenticated: true}\n", ""},
		{"delegate with an API key", "  api_key: abc\n", "run_as: {mode: delegate}\n", ""},
		{"delegate without credentials", "", "run_as: {mode: delegate}\n", "esguard.yml:6: run_as.mode [delegate] needs esguard's own credentials upstream"},
		{"unknown mode", "", "run_as: {mode: proxy}\n", "run_as.mode [proxy] is not one of local, delegate"},
		{"impersonate without delegate", "", "run_as: {impersonate_authenticated: true}\n", "run_as.impersonate_authenticated needs run_as.mode [delegate]"},
		{"reason header", "", "run_as: {reason_header: X-Run-As-Reason}\n", ""},
		{"reason header reserved", "", "run_as: {reason_header: authorization}\n", "run_as.reason_header [authorization] is a header esguard or Elasticsearch reads"},
		{"reason header not a token", "", "run_as: {reason_header: \"X Reason\"}\n", "is not an HTTP header name"},
		{"rule without impersonators", "", "run_as:\n  impersonators:\n    - targets: [a]\n", "run_as.impersonators[0]: set users or roles"},
		{"rule with a bad pattern", "", "run_as:\n  impersonators:\n    - users: [a]\n      deny: [\"/x\"]\n", "run_as.impersonators[0].deny: invalid pattern [/x]"},
		{"rule that narrows nothing", "", "run_as:\n  impersonators:\n    - users: [a]\n", "warning: run_as.impersonators[0] narrows nothing"},
		{"unknown field", "", "run_as:\n  impersonators:\n    - users: [a]\n      allow: [b]\n", "allow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, got := loadConfig(t, t.TempDir(), "http://127.0.0.1:9200", tc.upstream, tc.runAs)
			if tc.problem == "" {
				if snap == nil || got != "" {
					t.Fatalf("problems:\n%s", got)
				}
				if snap.RunAs == nil {
					t.Fatal("no run_as policy")
				}
				return
			}
			if !strings.Contains(got, tc.problem) {
				t.Fatalf("problems lack %q:\n%s", tc.problem, got)
			}
		})
	}
}
