package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/esguard/esguard/routes"
	"golang.org/x/crypto/bcrypt"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

var paramPattern = regexp.MustCompile(`\{([^}]+)\}`)

// samplePath turns a route template into a concrete path whose parameters cannot be
// mistaken for literal segments.
func samplePath(template string) string {
	return paramPattern.ReplaceAllString(template, "p-$1")
}

// TestRoutesResolvesEveryReferenceRow proves, through `esguard routes METHOD PATH`, that
// every row of the reference table resolves to its action.
func TestRoutesResolvesEveryReferenceRow(t *testing.T) {
	rows := routes.Default().Routes()
	if len(rows) != 913 {
		t.Fatalf("%d routes, want the reference's 913", len(rows))
	}
	for _, r := range rows {
		path := samplePath(r.Path)
		code, out, errOut := runCmd(t, "", "routes", r.Method, path)
		if code != 0 {
			t.Errorf("%s %s: exit %d: %s%s", r.Method, path, code, out, errOut)
			continue
		}
		var got struct {
			Action      string   `json:"action"`
			Indices     []string `json:"indices"`
			IndexSource string   `json:"index_source"`
			Route       string   `json:"route"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s %s: %v: %s", r.Method, path, err, out)
		}
		if got.Action != r.Action || got.Route != r.Method+" "+r.Path || got.IndexSource != r.IndexSourceText() {
			t.Errorf("%s %s: got %+v, want action %q from %s %s", r.Method, path, got, r.Action, r.Method, r.Path)
		}
		if got.Indices == nil {
			t.Errorf("%s %s: indices must be a list, got null", r.Method, path)
		}
	}
}

func TestRoutesOneRequest(t *testing.T) {
	code, out, _ := runCmd(t, "", "routes", "GET", "/logs-1,logs-2/_search")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := `{"action":"indices:data/read/search","indices":["logs-1","logs-2"],"index_source":"path:index","route":"GET /{index}/_search","params":{"index":"logs-1,logs-2"}}`
	if strings.TrimSpace(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if code, out, _ := runCmd(t, "", "routes", "GET", "/_no/such/route/at/all"); code != 1 || !strings.Contains(out, "no handler found") {
		t.Errorf("unknown route: exit %d: %s", code, out)
	}
	if code, out, _ := runCmd(t, ""); code != 2 || out != "" {
		t.Errorf("no command: exit %d", code)
	}
}

func TestRoutesList(t *testing.T) {
	code, out, _ := runCmd(t, "", "routes")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 913 {
		t.Fatalf("%d lines", len(lines))
	}
	if !strings.Contains(out, "GET\t/{index}/_search\tindices:data/read/search\tpath:index\n") {
		t.Error("listing lacks the search route")
	}
}

func TestValidateExitCodes(t *testing.T) {
	code, out, _ := runCmd(t, "", "validate", "--config", "../../examples/quickstart/esguard.yml")
	if code != 0 {
		t.Fatalf("quickstart config: exit %d:\n%s", code, out)
	}
	code, out, _ = runCmd(t, "", "validate", "--config", "../../config/testdata/broken/esguard.yml")
	if code != 1 {
		t.Fatalf("broken config: exit %d", code)
	}
	line := regexp.MustCompile(`^[^:]+:\d+: `)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !line.MatchString(l) {
			t.Errorf("problem not in FILE:LINE: form: %q", l)
		}
	}
}

func TestExplain(t *testing.T) {
	cfg := "../../examples/quickstart/esguard.yml"
	tests := []struct {
		name    string
		args    []string
		allowed bool
		reason  string
	}{
		{"granted search", []string{"--user", "alice", "GET", "/logs-1/_search"}, true, "granted"},
		{"denied search", []string{"--user", "alice", "GET", "/secret/_search"}, false,
			"action [indices:data/read/search] is unauthorized for user [alice] with effective roles [logs_reader] on indices [secret], this action is granted by the index privileges [read,all]"},
		{"wildcard as a pattern", []string{"--user", "alice", "GET", "/logs-2026.*/_search"}, true, "granted"},
		{"create_doc cannot overwrite", []string{"--user", "ingest", "PUT", "/logs-1/_doc/1"}, false, ""},
		{"create_doc creates", []string{"--user", "ingest", "PUT", "/logs-1/_create/1"}, true, "granted"},
		{"run as", []string{"--user", "portal", "--run-as", "alice", "GET", "/logs-1/_search"}, true, "granted"},
		{"run as outside the patterns", []string{"--user", "portal", "--run-as", "ops", "GET", "/logs-1/_search"}, false,
			"action [indices:data/read/search] is unauthorized for user [portal] with effective roles [portal], because user [portal] is unauthorized to run as [ops]"},
		{"flags after the request", []string{"--user", "alice", "GET", "/logs-1/_search", "--body", "testdata/search.json"}, true, "granted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", append([]string{"explain", "--config", cfg}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got struct {
				Allowed bool     `json:"allowed"`
				Actions []string `json:"actions"`
				Indices []string `json:"indices"`
				User    string   `json:"user"`
				Reason  string   `json:"reason"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Allowed != tc.allowed || (tc.reason != "" && got.Reason != tc.reason) {
				t.Errorf("got %s", out)
			}
			if len(got.Actions) == 0 || got.User == "" {
				t.Errorf("explanation lacks actions or user: %s", out)
			}
		})
	}
}

// TestExplainRunAs explains run_as requests under the run_as examples: the policy's
// reason and rules apply, and delegate mode shows the run-as user sent upstream.
func TestExplainRunAs(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		args         []string
		allowed      bool
		reason       string // part of the reason
		runAsUser    string // forwarded.run_as_user
	}{
		{"reason required", "runas/esguard.yml", []string{"--user", "reporting", "--run-as", "alice"}, false, "needs a reason in the [X-Run-As-Reason] header", ""},
		{"with a reason", "runas/esguard.yml", []string{"--user", "reporting", "--run-as", "alice", "--run-as-reason", "weekly report"}, true, "granted", ""},
		{"outside the rule's targets", "runas/esguard.yml", []string{"--user", "support", "--run-as", "ops", "--run-as-reason", "x"}, false, "unauthorized to run as [ops]", ""},
		{"delegate: the user goes upstream", "runas/esguard-delegate.yml", []string{"--user", "alice"}, true, "granted", "alice"},
		{"delegate: the run-as user goes upstream", "runas/esguard-delegate.yml", []string{"--user", "ops", "--run-as", "bob"}, true, "granted", "bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"explain", "--config", "../../examples/" + tc.config}, tc.args...)
			code, out, errOut := runCmd(t, "", append(args, "GET", "/logs-1/_search")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got struct {
				Allowed   bool   `json:"allowed"`
				Reason    string `json:"reason"`
				Forwarded *struct {
					RunAsUser string `json:"run_as_user"`
				} `json:"forwarded"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Allowed != tc.allowed || !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("got %s", out)
			}
			if tc.allowed && (got.Forwarded == nil || got.Forwarded.RunAsUser != tc.runAsUser) {
				t.Errorf("forwarded run-as user, want %q: %s", tc.runAsUser, out)
			}
		})
	}
}

func TestHashPassword(t *testing.T) {
	code, out, errOut := runCmd(t, "s3cret!\n", "hash-password", "--cost", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	hash := strings.TrimSpace(out)
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("s3cret!")); err != nil {
		t.Fatalf("hash %q does not verify: %v", hash, err)
	}
	if code, _, _ := runCmd(t, "", "hash-password"); code != 1 {
		t.Errorf("empty password: exit %d", code)
	}
}
