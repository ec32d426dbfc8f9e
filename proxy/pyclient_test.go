package proxy_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// pyScript drives esguard with Debian's python3-elasticsearch client: a granted search,
// then a refused write that must surface as the client's AuthorizationException.
const pyScript = `
import os, sys
from elasticsearch import Elasticsearch, AuthorizationException
es = Elasticsearch([os.environ["ESGUARD_URL"]], http_auth=("alice", "alice-pass"))
res = es.search(index="logs-1", body={"query": {"match_all": {}}})
assert res["hits"]["total"]["value"] == 0, res
try:
    es.index(index="logs-1", id="1", body={"a": 1})
except AuthorizationException as e:
    print("denied:", e.info["error"]["reason"])
else:
    sys.exit("the write was not refused")
`

// TestOfficialPythonClient needs /usr/bin/python3 with python3-elasticsearch, which
// .ci/run installs.
func TestOfficialPythonClient(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import elasticsearch").Run(); err != nil {
		t.Skip("python3-elasticsearch is not installed (apt-get install python3-elasticsearch)")
	}
	e := newEnv(t, envOptions{})
	cmd := exec.CommandContext(t.Context(), "/usr/bin/python3", "-c", pyScript)
	cmd.Env = append(os.Environ(), "ESGUARD_URL="+e.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python client: %v\n%s", err, out)
	}
	want := "denied: action [indices:data/write/index] is unauthorized for user [alice]"
	if !strings.Contains(string(out), want) {
		t.Errorf("output %q lacks %q", out, want)
	}
	for _, r := range e.node.Requests() {
		if r.Method == "PUT" || r.Method == "POST" && !strings.HasSuffix(r.Path(), "/_search") {
			t.Errorf("%s %s reached the cluster", r.Method, r.URI)
		}
	}
	if e.node.Count() == 0 {
		t.Error("the granted search never reached the cluster")
	}
}
