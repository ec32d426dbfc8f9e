// Package examples holds runnable configurations; its test proves every one of them
// loads without errors.
package examples_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/auth/authtest"
	"github.com/esguard/esguard/config"
	"go.yaml.in/yaml/v3"
)

func TestExampleConfigsLoad(t *testing.T) {
	for _, path := range []string{"quickstart/esguard.yml", "quickstart/compose-esguard.yml", "compose/esguard.yml", "auth/esguard.yml"} {
		t.Run(path, func(t *testing.T) {
			snap, problems := config.Load(path)
			if snap == nil || len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
		})
	}
}

// TestKubernetesConfigLoads loads the esguard.yml, roles.yml and users.yml that the
// Kubernetes manifests mount.
func TestKubernetesConfigLoads(t *testing.T) {
	data := map[string]string{}
	for _, f := range []string{"kubernetes/configmap.yaml", "kubernetes/secret.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Data       map[string]string `yaml:"data"`
			StringData map[string]string `yaml:"stringData"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range doc.Data {
			data[k] = v
		}
		for k, v := range doc.StringData {
			data[k] = v
		}
	}
	dir := t.TempDir()
	data["esguard.yml"] = strings.Replace(data["esguard.yml"], "/etc/esguard/secret/users.yml", "users.yml", 1)
	for _, name := range []string{"esguard.yml", "roles.yml", "users.yml"} {
		if data[name] == "" {
			t.Fatalf("the manifests do not provide %s", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data[name]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	snap, problems := config.Load(filepath.Join(dir, "esguard.yml"))
	if snap == nil || len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
}

// TestAuthExampleCredentials authenticates the credentials examples/auth documents.
func TestAuthExampleCredentials(t *testing.T) {
	snap, problems := config.Load("auth/esguard.yml")
	if snap == nil {
		t.Fatal(problems)
	}
	token, err := os.ReadFile("auth/example-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header, user, realm string
		roles               []string
	}{
		{authtest.BasicHeader("alice", "reader-pass"), "alice", "default_file", []string{"logs_reader"}},
		{authtest.APIKeyHeader("ingest-key-1", "key-secret-1"), "ingest", "_es_api_key", []string{}},
		{authtest.BearerHeader(strings.TrimSpace(string(token))), "alice", "corp-idp", []string{"inventory_user", "logs_reader"}},
	} {
		cred, err := auth.ParseAuthorization(tc.header)
		if err != nil {
			t.Fatal(err)
		}
		id, err := snap.Realms.Authenticate(context.Background(), cred)
		if err != nil {
			t.Fatalf("%s: %v", tc.header, err)
		}
		if id.Username != tc.user || id.RealmName != tc.realm || !slices.Equal(id.Roles, tc.roles) {
			t.Errorf("%s: %+v", tc.realm, id)
		}
	}
}
