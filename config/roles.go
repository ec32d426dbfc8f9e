package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/esguard/esguard/privileges"
	"go.yaml.in/yaml/v3"
)

// roleNamePattern is Elasticsearch's valid role name: 1 to 507 printable characters
// (Validation.Roles), not starting with an underscore-prefixed reserved word.
var roleNamePattern = regexp.MustCompile(`^[\p{L}\p{N}\p{P}\p{S} ]{1,507}$`)

// parsedRole is a role descriptor together with where it was defined.
type parsedRole struct {
	desc *privileges.RoleDescriptor
	file string
	line int
}

// loadRoles parses one roles.yml file, validating every name against the catalogue. It
// returns the valid roles and the names of the roles that had errors.
func loadRoles(path string, cat *privileges.Catalogue, ps *Problems) (valid []parsedRole, invalid []string) {
	c := collector{file: path, ps: ps}
	root, err := readYAML(path)
	if err != nil {
		c.errorf(errLine(err, 0), "cannot read roles file: %v", err)
		return nil, nil
	}
	entries, err := pairs(root)
	if err != nil {
		c.errorf(root.Line, "roles file: %v", err)
		return nil, nil
	}
	for _, e := range entries {
		if !roleNamePattern.MatchString(e.key) {
			c.errorf(e.line, "invalid role name [%s]", e.key)
			continue
		}
		if privileges.IsShield(cat.Flavour()) && !shieldRoleNamePattern.MatchString(e.key) {
			c.errorf(e.line, "invalid role name [%s]: %s role names are 1 to 30 characters, a letter or _ first, then letters, digits, _, @, -, . or $ (flavor %s)", e.key, shieldEra(cat.Flavour()), cat.Flavour())
			continue
		}
		if _, reserved := builtinRoles[e.key]; reserved {
			c.errorf(e.line, "role [%s] is a reserved role and cannot be redefined", e.key)
			continue
		}
		if d := parseRole(c, e.key, e.value, cat); d != nil {
			valid = append(valid, parsedRole{desc: d, file: path, line: e.line})
		} else {
			invalid = append(invalid, e.key)
		}
	}
	return valid, invalid
}

// parseRole reads one role descriptor. It returns nil when the role has errors, so a
// half-understood role never grants anything.
func parseRole(c collector, name string, n *yaml.Node, cat *privileges.Catalogue) *privileges.RoleDescriptor {
	if privileges.IsShield(cat.Flavour()) {
		return parseShieldRole(c, name, n, cat)
	}
	before := len(*c.ps)
	entries, err := pairs(n)
	if err != nil {
		c.errorf(n.Line, "role [%s]: %v", name, err)
		return nil
	}
	d := &privileges.RoleDescriptor{Name: name}
	for _, e := range entries {
		switch e.key {
		case "cluster":
			items, err := stringList(e.value)
			if err != nil {
				c.errorf(e.line, "role [%s]: cluster: %v", name, err)
				continue
			}
			for _, it := range items {
				checkPrivilege(c, name, privileges.ClusterKind, it, cat)
			}
			d.Cluster = values(items)
		case "indices":
			d.Indices = parseIndices(c, name, e.value, cat)
		case "remote_indices":
			if e.value.Kind != yaml.SequenceNode {
				c.errorf(e.line, "role [%s]: remote_indices: expected a list", name)
				continue
			}
			for _, g := range e.value.Content {
				clusters, gp := parseIndexGroup(c, name, g, cat, true)
				if gp != nil {
					d.RemoteIndices = append(d.RemoteIndices, privileges.RemoteIndicesPrivileges{Clusters: clusters, IndicesPrivileges: *gp})
				}
			}
		case "run_as":
			items, err := stringList(e.value)
			if err != nil {
				c.errorf(e.line, "role [%s]: run_as: %v", name, err)
				continue
			}
			if len(items) > 0 && cat.Flavour() == "serverless" {
				c.errorf(e.line, "role [%s]: the run_as privilege is not available on Elastic Cloud Serverless (flavor serverless)", name)
				continue
			}
			for _, it := range items {
				if err := privileges.ValidatePattern(it.value); err != nil {
					c.errorf(it.line, "role [%s]: invalid run_as pattern [%s]: %v", name, it.value, err)
				}
			}
			d.RunAs = values(items)
		case "applications":
			if err := e.value.Decode(&d.Applications); err != nil {
				c.errorf(errLine(err, e.line), "role [%s]: applications: %v", name, err)
				continue
			}
			for _, a := range d.Applications {
				if a.Application == "" || len(a.Privileges) == 0 || len(a.Resources) == 0 {
					c.errorf(e.line, "role [%s]: applications: every entry needs application, privileges and resources", name)
				}
			}
		case "global":
			if err := e.value.Decode(&d.Global); err != nil {
				c.errorf(errLine(err, e.line), "role [%s]: global: %v", name, err)
				continue
			}
			c.warnf(e.line, "role [%s]: global is accepted but not enforced by esguard: it grants nothing", name)
		case "metadata":
			if err := e.value.Decode(&d.Metadata); err != nil {
				c.errorf(errLine(err, e.line), "role [%s]: metadata: %v", name, err)
			}
		case "transient_metadata":
			// Elasticsearch accepts and ignores transient_metadata in role files.
		case "description":
			if e.value.Kind != yaml.ScalarNode {
				c.errorf(e.line, "role [%s]: description: expected a string", name)
				continue
			}
			d.Description = e.value.Value
		case "remote_cluster":
			c.warnf(e.line, "role [%s]: remote_cluster is accepted but not enforced by esguard: it grants nothing", name)
		default:
			c.errorf(e.line, "role [%s]: unknown field [%s]%s", name, e.key, suggestFrom(e.key, roleFields))
		}
	}
	if len(*c.ps) > before && Problems((*c.ps)[before:]).HasErrors() {
		return nil
	}
	return d
}

var roleFields = []string{"cluster", "indices", "remote_indices", "remote_cluster", "run_as", "applications", "global", "metadata", "transient_metadata", "description"}

// parseIndices reads the indices list of a role. Entries with field or document level
// security are kept for reporting but grant nothing, since esguard cannot filter
// documents or fields: refusing is the safe reading of such a role.
func parseIndices(c collector, role string, n *yaml.Node, cat *privileges.Catalogue) []privileges.IndicesPrivileges {
	if n.Kind != yaml.SequenceNode {
		c.errorf(n.Line, "role [%s]: indices: expected a list", role)
		return nil
	}
	var out []privileges.IndicesPrivileges
	for _, g := range n.Content {
		if _, gp := parseIndexGroup(c, role, g, cat, false); gp != nil {
			if gp.FieldSecurity != nil || gp.Query != "" {
				c.warnf(g.Line, "role [%s]: field_security and query are not enforced by esguard: this indices entry grants nothing", role)
				continue
			}
			out = append(out, *gp)
		}
	}
	return out
}

// parseIndexGroup reads one indices (or remote_indices) entry.
func parseIndexGroup(c collector, role string, n *yaml.Node, cat *privileges.Catalogue, remote bool) ([]string, *privileges.IndicesPrivileges) {
	entries, err := pairs(n)
	if err != nil {
		c.errorf(n.Line, "role [%s]: indices entry: %v", role, err)
		return nil, nil
	}
	g := &privileges.IndicesPrivileges{}
	var clusters []string
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.key] = true
		switch e.key {
		case "names":
			items, err := stringList(e.value)
			if err != nil {
				c.errorf(e.line, "role [%s]: names: %v", role, err)
				continue
			}
			for _, it := range items {
				if err := privileges.ValidatePattern(it.value); err != nil {
					c.errorf(it.line, "role [%s]: invalid index name pattern [%s]: %v", role, it.value, err)
				}
			}
			g.Names = values(items)
		case "privileges":
			items, err := stringList(e.value)
			if err != nil {
				c.errorf(e.line, "role [%s]: privileges: %v", role, err)
				continue
			}
			for _, it := range items {
				checkPrivilege(c, role, privileges.IndexKind, it, cat)
			}
			g.Privileges = values(items)
		case "allow_restricted_indices":
			if err := e.value.Decode(&g.AllowRestrictedIndices); err != nil {
				c.errorf(e.line, "role [%s]: allow_restricted_indices must be true or false", role)
			}
		case "field_security":
			var fs struct {
				Grant  []string `yaml:"grant"`
				Except []string `yaml:"except"`
			}
			if err := e.value.Decode(&fs); err != nil {
				c.errorf(errLine(err, e.line), "role [%s]: field_security: %v", role, err)
				continue
			}
			g.FieldSecurity = &privileges.FieldSecurity{Grant: fs.Grant, Except: fs.Except}
		case "query":
			switch e.value.Kind {
			case yaml.ScalarNode:
				g.Query = e.value.Value
			default:
				b, err := yaml.Marshal(e.value)
				if err != nil {
					c.errorf(e.line, "role [%s]: query: %v", role, err)
					continue
				}
				g.Query = string(b)
			}
		case "clusters":
			if !remote {
				c.errorf(e.line, "role [%s]: unknown field [clusters] in indices entry", role)
				continue
			}
			items, err := stringList(e.value)
			if err != nil {
				c.errorf(e.line, "role [%s]: clusters: %v", role, err)
				continue
			}
			clusters = values(items)
		default:
			c.errorf(e.line, "role [%s]: unknown field [%s] in indices entry%s", role, e.key, suggestFrom(e.key, indexFields))
		}
	}
	if !seen["names"] || len(g.Names) == 0 {
		c.errorf(n.Line, "role [%s]: indices entry without [names]", role)
	}
	if !seen["privileges"] || len(g.Privileges) == 0 {
		c.errorf(n.Line, "role [%s]: indices entry without [privileges]", role)
	}
	if remote && len(clusters) == 0 {
		c.errorf(n.Line, "role [%s]: remote_indices entry without [clusters]", role)
	}
	return clusters, g
}

var indexFields = []string{"names", "privileges", "allow_restricted_indices", "field_security", "query"}

// checkPrivilege reports an unknown privilege with the closest valid name, and a
// deprecated one as a warning.
func checkPrivilege(c collector, role string, k privileges.Kind, it item, cat *privileges.Catalogue) {
	kind := "cluster"
	lookup := cat.Cluster
	if k == privileges.IndexKind {
		kind, lookup = "index", cat.Index
	}
	p, ok := lookup(it.value)
	if reason, unavailable := cat.Unavailable(k, it.value); !ok && unavailable {
		c.errorf(it.line, "role [%s]: %s privilege [%s] is %s (flavor %s)", role, kind, it.value, reason, cat.Flavour())
		return
	}
	if !ok {
		hint := ""
		if s := cat.Suggest(k, it.value); s != "" {
			hint = fmt.Sprintf(", did you mean [%s]?", s)
		}
		c.errorf(it.line, "role [%s]: unknown %s privilege [%s]%s", role, kind, it.value, hint)
		return
	}
	if p.Deprecated != "" {
		c.warnf(it.line, "role [%s]: %s privilege [%s] is %s", role, kind, it.value, p.Deprecated)
	}
}

// builtinRoles are the reserved roles esguard knows without a roles file.
var builtinRoles = map[string]*privileges.RoleDescriptor{
	// superuser mirrors ReservedRolesStore.SUPERUSER_ROLE_DESCRIPTOR: everything, but
	// restricted (system) indices are readable, not writable.
	"superuser": {
		Name:    "superuser",
		Cluster: []string{"all"},
		Indices: []privileges.IndicesPrivileges{
			{Names: []string{"*"}, Privileges: []string{"all"}},
			{Names: []string{"*"}, Privileges: []string{"monitor", "read", "view_index_metadata", "read_cross_cluster"}, AllowRestrictedIndices: true},
		},
		RunAs: []string{"*"},
	},
}

// shieldBuiltinRoles are the reserved roles of the Shield flavours: Shield 2.x's
// superuser is every cluster and index privilege and run_as on everyone; those eras
// have no restricted indices.
var shieldBuiltinRoles = map[string]*privileges.RoleDescriptor{
	"superuser": {
		Name:    "superuser",
		Cluster: []string{"all"},
		Indices: []privileges.IndicesPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}}},
		RunAs:   []string{"*"},
	},
}

// serverlessBuiltinRoles are the reserved roles of Serverless, where neither run_as nor
// read_cross_cluster exists.
var serverlessBuiltinRoles = map[string]*privileges.RoleDescriptor{
	"superuser": {
		Name:    "superuser",
		Cluster: []string{"all"},
		Indices: []privileges.IndicesPrivileges{
			{Names: []string{"*"}, Privileges: []string{"all"}},
			{Names: []string{"*"}, Privileges: []string{"monitor", "read", "view_index_metadata"}, AllowRestrictedIndices: true},
		},
	},
}

// builtinRolesFor returns the reserved roles of a flavour.
func builtinRolesFor(flavour string) map[string]*privileges.RoleDescriptor {
	switch {
	case privileges.IsShield(flavour):
		return shieldBuiltinRoles
	case flavour == "serverless":
		return serverlessBuiltinRoles
	}
	return builtinRoles
}

// BuiltinRoleNames lists the reserved roles esguard defines itself.
func BuiltinRoleNames() []string {
	return slices.Sorted(maps.Keys(builtinRoles))
}

// suggestFrom returns ", did you mean [x]?" for the closest candidate, or "".
func suggestFrom(name string, candidates []string) string {
	if best := privileges.Closest(name, candidates); best != "" {
		return fmt.Sprintf(", did you mean [%s]?", best)
	}
	return ""
}
