package config

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/privileges"
	"go.yaml.in/yaml/v3"
)

var apiKeyFields = []string{"id", "name", "owner", "key_hash", "expiration", "invalidated", "role_descriptors", "metadata"}

// loadAPIKeys reads api_keys.yml: a list of static keys, each with id, name, owner,
// key_hash, and optionally expiration, invalidated, role_descriptors and metadata. Every
// owner must be a user of the users file; role descriptors are checked like roles.yml.
func loadAPIKeys(path string, cat *privileges.Catalogue, users map[string]bool, ps *Problems) []*auth.APIKey {
	c := collector{file: path, ps: ps}
	root, err := readYAML(path)
	if err != nil {
		c.errorf(errLine(err, 0), "cannot read API keys file: %v", err)
		return nil
	}
	if root.Kind == yaml.MappingNode && len(root.Content) == 0 {
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		c.errorf(root.Line, "API keys file: expected a list of keys, found %s", kindName(root))
		return nil
	}
	var out []*auth.APIKey
	seen := map[string]int{}
	for _, n := range root.Content {
		k := parseAPIKey(c, n, cat, users)
		if k == nil {
			continue
		}
		if prev, dup := seen[k.ID]; dup {
			c.errorf(n.Line, "api key [%s] is already defined at line %d", k.ID, prev)
			continue
		}
		seen[k.ID] = n.Line
		out = append(out, k)
	}
	return out
}

func parseAPIKey(c collector, n *yaml.Node, cat *privileges.Catalogue, users map[string]bool) *auth.APIKey {
	before := len(*c.ps)
	fields, err := pairs(n)
	if err != nil {
		c.errorf(n.Line, "api key: %v", err)
		return nil
	}
	k := &auth.APIKey{Static: true, OwnerRealm: auth.DefaultFileRealmName, OwnerRealmType: auth.FileRealmType}
	name := func() string {
		if k.ID != "" {
			return k.ID
		}
		return "at line " + strconv.Itoa(n.Line)
	}
	scalar := func(f pair) (string, bool) {
		if f.value.Kind != yaml.ScalarNode || f.value.Tag == "!!null" {
			c.errorf(f.line, "api key [%s]: %s: expected a string, found %s", name(), f.key, kindName(f.value))
			return "", false
		}
		return f.value.Value, true
	}
	for _, f := range fields {
		switch f.key {
		case "id":
			if v, ok := scalar(f); ok {
				if v == "" || strings.ContainsAny(v, ": \t") {
					c.errorf(f.line, "api key: invalid id [%s]: it must be non-empty and contain no ':' or spaces", v)
				}
				k.ID = v
			}
		case "name":
			k.Name, _ = scalar(f)
		case "owner":
			if v, ok := scalar(f); ok {
				k.Owner = v
				if !users[v] {
					c.errorf(f.line, "api key [%s]: owner [%s] is not a user of the users file", name(), v)
				}
			}
		case "key_hash":
			if v, ok := scalar(f); ok {
				k.Hash = v
				if err := auth.CheckAPIKeyHash(v); err != nil {
					c.errorf(f.line, "api key [%s]: key_hash: %v", name(), err)
				}
			}
		case "expiration":
			if v, ok := scalar(f); ok {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					c.errorf(f.line, "api key [%s]: expiration [%s] is not an RFC 3339 time such as 2027-01-01T00:00:00Z", name(), v)
				}
				k.Expiration = t
			}
		case "invalidated":
			if err := f.value.Decode(&k.Invalidated); err != nil {
				c.errorf(f.line, "api key [%s]: invalidated: expected true or false", name())
			}
		case "role_descriptors":
			entries, err := pairs(f.value)
			if err != nil {
				c.errorf(f.line, "api key [%s]: role_descriptors: %v", name(), err)
				continue
			}
			for _, e := range entries {
				if d := parseRole(c, e.key, e.value, cat); d != nil {
					k.RoleDescriptors = append(k.RoleDescriptors, d)
				}
			}
		case "metadata":
			if err := f.value.Decode(&k.Metadata); err != nil {
				c.errorf(errLine(err, f.line), "api key [%s]: metadata: %v", name(), err)
			}
		default:
			c.errorf(f.line, "api key [%s]: unknown field [%s]%s", name(), f.key, suggestFrom(f.key, apiKeyFields))
		}
	}
	for _, req := range []struct {
		set  bool
		name string
	}{{k.ID != "", "id"}, {k.Owner != "", "owner"}, {k.Hash != "", "key_hash"}} {
		if !req.set {
			c.errorf(n.Line, "api key [%s]: missing %s", name(), req.name)
		}
	}
	if Problems((*c.ps)[before:]).HasErrors() {
		return nil
	}
	return k
}

// ParseRoleDescriptors reads role descriptors written as a JSON (or YAML) object of
// role name → descriptor, as the role_descriptors of an API key creation request, and
// checks them against the catalogue like roles.yml. The error lists every problem.
func ParseRoleDescriptors(data []byte, cat *privileges.Catalogue) ([]*privileges.RoleDescriptor, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, errors.New("role_descriptors: " + err.Error())
	}
	if len(doc.Content) != 1 {
		return nil, nil
	}
	var ps Problems
	c := collector{ps: &ps}
	entries, err := pairs(doc.Content[0])
	if err != nil {
		return nil, errors.New("role_descriptors: " + err.Error())
	}
	var out []*privileges.RoleDescriptor
	for _, e := range entries {
		if !roleNamePattern.MatchString(e.key) {
			c.errorf(e.line, "invalid role name [%s]", e.key)
			continue
		}
		if d := parseRole(c, e.key, e.value, cat); d != nil {
			out = append(out, d)
		}
	}
	var msgs []string
	for _, p := range ps {
		if p.Severity == Error {
			msgs = append(msgs, p.Message)
		}
	}
	if len(msgs) > 0 {
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	slices.SortFunc(out, func(a, b *privileges.RoleDescriptor) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
