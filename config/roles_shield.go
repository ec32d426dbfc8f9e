package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/esguard/esguard/privileges"
	"go.yaml.in/yaml/v3"
)

// Roles files of the Shield flavours (shield1: Elasticsearch 1.x with Shield 1.x,
// shield2: Elasticsearch 2.x with Shield 2.x) have the shape their era's FileRolesStore
// read, described with its sources in testdata/README.md:
//
//	shield1: cluster (string split on commas, or list), indices as a mapping of
//	         comma-separated index patterns to privileges (string split on commas, or
//	         list), and run_as (the privileges reference of Shield 1.x documents it).
//	shield2: the same, plus an index value that is a mapping of privileges,
//	         fields and query, and (from 2.3) indices as a list of entries with names,
//	         privileges, fields and query.
//
// They become the same RoleDescriptor as a role of a later flavour.

// shieldEra names a Shield flavour's era in messages.
func shieldEra(flavour string) string {
	if flavour == "shield1" {
		return "Shield 1.x"
	}
	return "Shield 2.x"
}

// shieldRoleNamePattern is the role name Shield 1.x and 2.x accept: 1 to 30
// characters, a letter or an underscore first, then letters, digits and _ @ - . $.
var shieldRoleNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_@\-.$]{0,29}$`)

// shieldRoleFields are the role fields of each Shield era.
var shieldRoleFields = map[string][]string{
	"shield1": {"cluster", "indices", "run_as"},
	"shield2": {"cluster", "indices", "run_as"},
}

// commaDelim is Shield's COMMA_DELIM, \s*,\s*.
var commaDelim = regexp.MustCompile(`\s*,\s*`)

// splitComma splits s as Java's Pattern.split does with Shield's COMMA_DELIM: trailing
// empty pieces are dropped, leading and inner ones stay.
func splitComma(s string) []string {
	parts := commaDelim.Split(s, -1)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// shieldList reads a Shield string-or-list value: a string is trimmed and split on
// commas (an empty one is no names), a list holds strings. nullOK says whether nothing
// at all is accepted as no names.
func shieldList(n *yaml.Node, nullOK bool) ([]item, error) {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		if nullOK {
			return nil, nil
		}
	case n.Kind == yaml.ScalarNode:
		s := strings.TrimSpace(n.Value)
		if s == "" {
			return nil, nil
		}
		var out []item
		for _, p := range splitComma(s) {
			out = append(out, item{p, n.Line})
		}
		return out, nil
	case n.Kind == yaml.SequenceNode:
		return stringList(n)
	}
	return nil, fmt.Errorf("expected a string or a list of strings, found %s", kindName(n))
}

// parseShieldRole reads one role of a Shield flavour. It returns nil when the role has
// errors.
func parseShieldRole(c collector, name string, n *yaml.Node, cat *privileges.Catalogue) *privileges.RoleDescriptor {
	flavour := cat.Flavour()
	era := shieldEra(flavour)
	before := len(*c.ps)
	entries, err := pairs(n)
	if err != nil {
		c.errorf(n.Line, "role [%s]: %v", name, err)
		return nil
	}
	// A role whose indices is a list is in the Shield 2.3 shape and is read as
	// RoleDescriptor.parse read it: strings are not split on commas.
	list := func(n *yaml.Node, nullOK bool) ([]item, error) { return shieldList(n, nullOK) }
	for _, e := range entries {
		if e.key == "indices" && e.value.Kind == yaml.SequenceNode {
			list = func(n *yaml.Node, _ bool) ([]item, error) { return stringList(n) }
		}
	}
	d := &privileges.RoleDescriptor{Name: name}
	for _, e := range entries {
		switch {
		case e.key == "cluster":
			items, err := list(e.value, flavour != "shield1")
			if err != nil {
				c.errorf(e.line, "role [%s]: cluster: %v", name, err)
				continue
			}
			for _, it := range items {
				checkPrivilege(c, name, privileges.ClusterKind, it, cat)
			}
			d.Cluster = values(items)
		case e.key == "indices":
			d.Indices = parseShieldIndices(c, name, e.value, cat)
		case e.key == "run_as":
			items, err := list(e.value, true)
			if err != nil {
				c.errorf(e.line, "role [%s]: run_as: %v", name, err)
				continue
			}
			for _, it := range items {
				if err := privileges.ValidatePattern(it.value); err != nil || it.value == "" {
					c.errorf(it.line, "role [%s]: invalid run_as pattern [%s]%s", name, it.value, reasonOf(err))
				}
			}
			d.RunAs = values(items)
		default:
			fields := shieldRoleFields[flavour]
			hint := suggestFrom(e.key, fields)
			if hint == "" {
				hint = fmt.Sprintf("; its roles have only [%s]", strings.Join(fields, ", "))
			}
			c.errorf(e.line, "role [%s]: field [%s] does not exist in %s role files (flavor %s)%s", name, e.key, era, flavour, hint)
		}
	}
	if len(*c.ps) > before && Problems((*c.ps)[before:]).HasErrors() {
		return nil
	}
	return d
}

// reasonOf renders a pattern error after a colon, or says the pattern is empty.
func reasonOf(err error) string {
	if err == nil {
		return ": empty pattern"
	}
	return ": " + err.Error()
}

// parseShieldIndices reads a Shield role's indices: a mapping of index patterns to
// privileges in both eras, a list of entries in Shield 2.x. Entries with fields or
// query grant nothing, since esguard cannot filter fields or documents.
func parseShieldIndices(c collector, role string, n *yaml.Node, cat *privileges.Catalogue) []privileges.IndicesPrivileges {
	flavour := cat.Flavour()
	var groups []shieldGroup
	switch {
	case n.Kind == yaml.MappingNode:
		groups = parseShieldIndexMap(c, role, n, cat)
	case n.Kind == yaml.SequenceNode && flavour == "shield2":
		for _, g := range n.Content {
			if gp := parseShieldIndexEntry(c, role, g, cat); gp != nil {
				groups = append(groups, *gp)
			}
		}
	case n.Kind == yaml.SequenceNode:
		c.errorf(n.Line, "role [%s]: indices: %s role files map index patterns to privileges ('logs-*': read) (flavor %s); the list of names and privileges came with Shield 2.3", role, shieldEra(flavour), flavour)
		return nil
	default:
		form := "a mapping of index patterns to privileges"
		if flavour == "shield2" {
			form += " or a list of entries with names and privileges"
		}
		c.errorf(n.Line, "role [%s]: indices: expected %s, found %s", role, form, kindName(n))
		return nil
	}
	var out []privileges.IndicesPrivileges
	for _, g := range groups {
		if g.ip.FieldSecurity != nil || g.ip.Query != "" {
			c.warnf(g.line, "role [%s]: fields and query are not enforced by esguard: this indices entry grants nothing", role)
			continue
		}
		if len(g.ip.Privileges) == 0 {
			c.warnf(g.line, "role [%s]: indices entry for %v lists no privileges: it grants nothing", role, g.ip.Names)
			continue
		}
		out = append(out, g.ip)
	}
	return out
}

// shieldGroup is one indices entry of a Shield role with the line it starts on.
type shieldGroup struct {
	ip   privileges.IndicesPrivileges
	line int
}

// parseShieldIndexMap reads the mapping form: 'pattern[,pattern…]': privileges, where
// privileges is a string split on commas, a list, or (Shield 2.x) a mapping of
// privileges, fields and query.
func parseShieldIndexMap(c collector, role string, n *yaml.Node, cat *privileges.Catalogue) []shieldGroup {
	flavour := cat.Flavour()
	entries, _ := pairs(n)
	var out []shieldGroup
	for _, e := range entries {
		g := shieldGroup{line: e.line}
		names := splitComma(strings.TrimSpace(e.key))
		ok := len(names) > 0
		for _, p := range names {
			if err := privileges.ValidatePattern(p); err != nil || p == "" {
				c.errorf(e.line, "role [%s]: invalid index name pattern [%s] in [%s]%s", role, p, e.key, reasonOf(err))
				ok = false
			}
		}
		if len(names) == 0 {
			c.errorf(e.line, "role [%s]: indices: empty index name pattern", role)
		}
		g.ip.Names = names
		v := e.value
		switch {
		case v.Kind == yaml.MappingNode && flavour == "shield2":
			if !parseShieldIndexOptions(c, role, e.key, v, cat, &g.ip) {
				ok = false
			}
		case v.Kind == yaml.MappingNode:
			c.errorf(v.Line, "role [%s]: indices [%s]: %s index privileges are a string or a list of strings (flavor %s); privileges, fields and query under an index pattern came with Shield 2.0", role, e.key, shieldEra(flavour), flavour)
			ok = false
		default:
			items, err := shieldList(v, false)
			if err != nil {
				c.errorf(v.Line, "role [%s]: indices [%s]: %v", role, e.key, err)
				ok = false
				break
			}
			for _, it := range items {
				checkPrivilege(c, role, privileges.IndexKind, it, cat)
			}
			g.ip.Privileges = values(items)
		}
		if ok {
			out = append(out, g)
		}
	}
	return out
}

// parseShieldIndexOptions reads the Shield 2.x mapping under an index pattern:
// privileges, fields and query.
func parseShieldIndexOptions(c collector, role, key string, n *yaml.Node, cat *privileges.Catalogue, ip *privileges.IndicesPrivileges) bool {
	ok := true
	entries, _ := pairs(n)
	for _, e := range entries {
		switch e.key {
		case "privileges":
			items, err := shieldList(e.value, true)
			if err != nil {
				c.errorf(e.line, "role [%s]: indices [%s]: privileges: %v", role, key, err)
				ok = false
				continue
			}
			for _, it := range items {
				checkPrivilege(c, role, privileges.IndexKind, it, cat)
			}
			ip.Privileges = values(items)
		case "fields", "query":
			if !shieldFLSDLS(c, role, e, ip) {
				ok = false
			}
		default:
			c.errorf(e.line, "role [%s]: indices [%s]: field [%s] does not exist under an index pattern in Shield 2.x role files (flavor shield2)%s", role, key, e.key, shieldEntryHint(e.key, shieldOptionFields))
			ok = false
		}
	}
	return ok
}

var (
	shieldOptionFields = []string{"privileges", "fields", "query"}
	shieldEntryFields  = []string{"names", "privileges", "fields", "query"}
)

// shieldEntryHint points a field of a later era to its Shield 2.x form, or suggests the
// closest field, or lists the fields there are.
func shieldEntryHint(key string, fields []string) string {
	switch key {
	case "field_security":
		return "; field level security is [fields: [field, …]] there"
	case "allow_restricted_indices":
		return "; Shield 2.x has no restricted indices"
	}
	if h := suggestFrom(key, fields); h != "" {
		return h
	}
	return fmt.Sprintf("; the fields there are [%s]", strings.Join(fields, ", "))
}

// shieldFLSDLS reads fields or query into ip: fields is a string or a list (nothing or
// an empty string is no field), query a string or a mapping.
func shieldFLSDLS(c collector, role string, e pair, ip *privileges.IndicesPrivileges) bool {
	if e.key == "fields" {
		var grant []string
		switch {
		case e.value.Kind == yaml.ScalarNode && (e.value.Tag == "!!null" || strings.TrimSpace(e.value.Value) == ""):
			grant = []string{}
		case e.value.Kind == yaml.ScalarNode:
			grant = []string{e.value.Value}
		default:
			items, err := stringList(e.value)
			if err != nil {
				c.errorf(e.line, "role [%s]: fields: %v", role, err)
				return false
			}
			grant = append([]string{}, values(items)...)
		}
		ip.FieldSecurity = &privileges.FieldSecurity{Grant: grant}
		return true
	}
	switch e.value.Kind {
	case yaml.ScalarNode:
		ip.Query = e.value.Value
	case yaml.MappingNode:
		b, err := yaml.Marshal(e.value)
		if err != nil {
			c.errorf(e.line, "role [%s]: query: %v", role, err)
			return false
		}
		ip.Query = string(b)
	default:
		c.errorf(e.line, "role [%s]: query: expected a string or a mapping, found %s", role, kindName(e.value))
		return false
	}
	return true
}

// parseShieldIndexEntry reads one entry of the Shield 2.3 list form: names (a string
// or a non-empty list, not split on commas), privileges (required), fields and query.
func parseShieldIndexEntry(c collector, role string, n *yaml.Node, cat *privileges.Catalogue) *shieldGroup {
	entries, err := pairs(n)
	if err != nil {
		c.errorf(n.Line, "role [%s]: indices entry: %v", role, err)
		return nil
	}
	g := &shieldGroup{line: n.Line}
	ok := true
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.key] = true
		switch e.key {
		case "names":
			items, err := stringList(e.value)
			if err == nil && len(items) == 0 {
				err = fmt.Errorf("expected a string or a non-empty list of strings, found %s", kindName(e.value))
				if e.value.Kind == yaml.SequenceNode {
					err = fmt.Errorf("expected a string or a non-empty list of strings, found an empty list")
				}
			}
			if err != nil {
				c.errorf(e.line, "role [%s]: names: %v", role, err)
				ok = false
				continue
			}
			for _, it := range items {
				if err := privileges.ValidatePattern(it.value); err != nil || it.value == "" {
					c.errorf(it.line, "role [%s]: invalid index name pattern [%s]%s", role, it.value, reasonOf(err))
					ok = false
				}
			}
			g.ip.Names = values(items)
		case "privileges":
			items, err := stringList(e.value)
			if err == nil && e.value.Kind == yaml.ScalarNode && e.value.Tag == "!!null" {
				err = fmt.Errorf("expected a string or a list of strings, found nothing")
			}
			if err != nil {
				c.errorf(e.line, "role [%s]: privileges: %v", role, err)
				ok = false
				continue
			}
			for _, it := range items {
				checkPrivilege(c, role, privileges.IndexKind, it, cat)
			}
			g.ip.Privileges = values(items)
		case "fields", "query":
			if !shieldFLSDLS(c, role, e, &g.ip) {
				ok = false
			}
		default:
			c.errorf(e.line, "role [%s]: field [%s] does not exist in Shield 2.x indices entries (flavor shield2)%s", role, e.key, shieldEntryHint(e.key, shieldEntryFields))
			ok = false
		}
	}
	if !seen["names"] {
		c.errorf(n.Line, "role [%s]: indices entry without [names]", role)
		ok = false
	}
	if !seen["privileges"] {
		c.errorf(n.Line, "role [%s]: indices entry without [privileges]", role)
		ok = false
	}
	if !ok {
		return nil
	}
	return g
}
