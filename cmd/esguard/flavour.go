package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/privileges"
	"go.yaml.in/yaml/v3"
)

// cmdPrivileges prints a flavour's named privileges: each with its action patterns and
// the flavour reference's description. With NAME, only that privilege (of either kind).
func cmdPrivileges(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("privileges", stderr)
	flavour := fs.String("flavor", "9", "the flavour whose catalogue to print: "+strings.Join(privileges.Flavours, ", "))
	asJSON := fs.Bool("json", false, "print a JSON array instead of text")
	args, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(args) > 1 {
		fmt.Fprintln(stderr, "usage: esguard privileges [--flavor F] [--json] [NAME]")
		return 2
	}
	if !knownFlavour(*flavour, stderr, "privileges") {
		return 2
	}
	cat, err := privileges.CatalogueFor(*flavour)
	if err != nil {
		fmt.Fprintf(stderr, "esguard privileges: %v\n", err)
		return 2
	}
	var list []*privileges.Privilege
	for _, k := range []privileges.Kind{privileges.ClusterKind, privileges.IndexKind} {
		for _, p := range cat.Privileges(k) {
			if len(args) == 0 || strings.EqualFold(p.Name, args[0]) {
				list = append(list, p)
			}
		}
	}
	if len(args) == 1 && len(list) == 0 {
		name := args[0]
		for _, k := range []privileges.Kind{privileges.ClusterKind, privileges.IndexKind} {
			if reason, ok := cat.Unavailable(k, name); ok {
				fmt.Fprintf(stderr, "esguard privileges: %s privilege [%s] is %s\n", k, name, reason)
				return 1
			}
		}
		hint := ""
		for _, k := range []privileges.Kind{privileges.ClusterKind, privileges.IndexKind} {
			if s := cat.Suggest(k, name); s != "" && hint == "" {
				hint = fmt.Sprintf(", did you mean [%s]?", s)
			}
		}
		fmt.Fprintf(stderr, "esguard privileges: flavor %s has no privilege [%s]%s\n", *flavour, name, hint)
		return 1
	}
	if *asJSON {
		type entry struct {
			Kind        string   `json:"kind"`
			Name        string   `json:"name"`
			Patterns    []string `json:"patterns"`
			Excluded    []string `json:"excluded,omitempty"`
			Deprecated  string   `json:"deprecated,omitempty"`
			Description string   `json:"description,omitempty"`
		}
		out := make([]entry, 0, len(list))
		for _, p := range list {
			out = append(out, entry{Kind: p.Kind.String(), Name: p.Name, Patterns: nonNil(p.Patterns), Excluded: p.Excluded, Deprecated: p.Deprecated, Description: p.Description})
		}
		return printJSON(stdout, stderr, out)
	}
	w := bufio.NewWriter(stdout)
	var kind privileges.Kind = 255
	for _, p := range list {
		if p.Kind != kind && len(args) == 0 {
			if kind != 255 {
				fmt.Fprintln(w)
			}
			kind = p.Kind
			fmt.Fprintf(w, "# %s privileges of flavor %s\n\n", kind, *flavour)
		}
		fmt.Fprintf(w, "%s (%s)\n", p.Name, p.Kind)
		patterns := "(none)"
		if len(p.Patterns) > 0 {
			patterns = strings.Join(p.Patterns, ", ")
		}
		fmt.Fprintf(w, "  actions:    %s\n", patterns)
		if len(p.Excluded) > 0 {
			fmt.Fprintf(w, "  except:     %s\n", strings.Join(p.Excluded, ", "))
		}
		if p.Deprecated != "" {
			fmt.Fprintf(w, "  deprecated: %s\n", p.Deprecated)
		}
		if p.Description != "" {
			fmt.Fprintf(w, "  %s\n", p.Description)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "esguard privileges: %v\n", err)
		return 1
	}
	return 0
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// migrateRoles prints the configuration's roles (the built-in ones aside) as a roles
// file for flavour to, and a summary of every privilege that changed or was lost on
// stderr. Comments in the file say what each replacement grants more or less than the
// original, so that nothing widens or narrows unseen.
func migrateRoles(snap *config.Snapshot, to string, stdout, stderr io.Writer) int {
	target, err := privileges.CatalogueFor(to)
	if err != nil {
		fmt.Fprintf(stderr, "esguard validate: %v\n", err)
		return 2
	}
	doc := &yaml.Node{Kind: yaml.MappingNode}
	changed := 0
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range snap.Roles {
			if !snap.IsBuiltinRole(name) && !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		role, notes := migrateRole(snap.Catalogue, target, snap.Roles[name])
		key := scalar(name)
		if len(notes) > 0 {
			key.HeadComment = strings.Join(notes, "\n")
			changed += len(notes)
			for _, n := range notes {
				fmt.Fprintf(stderr, "role [%s]: %s\n", name, n)
			}
		}
		doc.Content = append(doc.Content, key, role)
	}
	head := fmt.Sprintf("Roles migrated from flavor %s to flavor %s by esguard validate --migrate-to.", snap.Flavor, to)
	out := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: head, Content: []*yaml.Node{doc}}
	if len(names) == 0 {
		doc.Style = yaml.FlowStyle
	}
	enc := yaml.NewEncoder(stdout)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "esguard validate: %v\n", err)
		return 1
	}
	if err := enc.Close(); err != nil {
		fmt.Fprintf(stderr, "esguard validate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "%d roles migrated from flavor %s to %s; %d notes\n", len(names), snap.Flavor, to, changed)
	return 0
}

// migrateRole renders one role for the target catalogue, with a note for every
// privilege that is not the same name with the same actions, and for every part of the
// role the target flavour cannot express.
func migrateRole(from, to *privileges.Catalogue, d *privileges.RoleDescriptor) (*yaml.Node, []string) {
	var notes []string
	legacyTarget := privileges.IsShield(to.Flavour())
	convert := func(k privileges.Kind, names []string) []string {
		var out []string
		for _, n := range names {
			m := privileges.Migrate(from, to, k, n)
			if !(len(m.Privileges) == 1 && m.Privileges[0] == m.Name && m.Exact && len(m.Lost) == 0) {
				note := fmt.Sprintf("%s privilege [%s] → [%s]: %s", k, n, strings.Join(m.Privileges, ", "), m.Note)
				if len(m.Privileges) == 0 {
					note = fmt.Sprintf("%s privilege [%s] has no equivalent: %s", k, n, m.Note)
				}
				for _, g := range m.Lost {
					note += fmt.Sprintf("\n  no equivalent for %s: %s", g.Pattern, g.Reason)
				}
				notes = append(notes, note)
			}
			for _, p := range m.Privileges {
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
		return out
	}
	role := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) { role.Content = append(role.Content, scalar(key), v) }
	if c := convert(privileges.ClusterKind, d.Cluster); len(c) > 0 {
		add("cluster", flowList(c))
	}
	shield1Map := &yaml.Node{Kind: yaml.MappingNode}
	var groups []*yaml.Node
	for _, g := range d.Indices {
		privs := convert(privileges.IndexKind, g.Privileges)
		if len(privs) == 0 {
			notes = append(notes, fmt.Sprintf("indices entry %v dropped: none of its privileges exists in flavor %s", g.Names, to.Flavour()))
			continue
		}
		if g.AllowRestrictedIndices && legacyTarget {
			notes = append(notes, fmt.Sprintf("indices entry %v: allow_restricted_indices dropped (flavor %s has no restricted indices)", g.Names, to.Flavour()))
		}
		if to.Flavour() == "shield1" {
			if g.FieldSecurity != nil || g.Query != "" {
				notes = append(notes, fmt.Sprintf("indices entry %v: field and document security dropped (flavor shield1 has neither)", g.Names))
			}
			shield1Map.Content = append(shield1Map.Content, scalar(strings.Join(g.Names, ",")), flowList(privs))
			continue
		}
		entry := &yaml.Node{Kind: yaml.MappingNode}
		entry.Content = append(entry.Content, scalar("names"), flowList(g.Names), scalar("privileges"), flowList(privs))
		if fs := g.FieldSecurity; fs != nil {
			if to.Flavour() == "shield2" {
				if len(fs.Except) > 0 {
					notes = append(notes, fmt.Sprintf("indices entry %v: field_security.except dropped (flavor shield2 lists granted fields only)", g.Names))
				}
				entry.Content = append(entry.Content, scalar("fields"), flowList(fs.Grant))
			} else {
				sec := &yaml.Node{Kind: yaml.MappingNode}
				if fs.Grant != nil {
					sec.Content = append(sec.Content, scalar("grant"), flowList(fs.Grant))
				}
				if fs.Except != nil {
					sec.Content = append(sec.Content, scalar("except"), flowList(fs.Except))
				}
				entry.Content = append(entry.Content, scalar("field_security"), sec)
			}
		}
		if g.Query != "" {
			entry.Content = append(entry.Content, scalar("query"), scalar(g.Query))
		}
		if g.AllowRestrictedIndices && !legacyTarget {
			entry.Content = append(entry.Content, scalar("allow_restricted_indices"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		groups = append(groups, entry)
	}
	switch {
	case len(shield1Map.Content) > 0:
		add("indices", shield1Map)
	case len(groups) > 0:
		add("indices", &yaml.Node{Kind: yaml.SequenceNode, Content: groups})
	}
	if len(d.RunAs) > 0 {
		if to.Flavour() == "serverless" {
			notes = append(notes, "run_as dropped: flavor serverless has no run_as privilege")
		} else {
			add("run_as", flowList(d.RunAs))
		}
	}
	if len(d.RemoteIndices) > 0 || len(d.Applications) > 0 || len(d.Global) > 0 {
		if legacyTarget {
			notes = append(notes, fmt.Sprintf("remote_indices, applications and global privileges dropped: flavor %s has none", to.Flavour()))
		} else {
			notes = append(notes, "remote_indices, applications and global privileges are not migrated: copy them by hand")
		}
	}
	return role, notes
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func flowList(vs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, v := range vs {
		n.Content = append(n.Content, scalar(v))
	}
	return n
}
