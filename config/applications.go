package config

import (
	"slices"
	"strings"

	"github.com/esguard/esguard/privileges"
	"go.yaml.in/yaml/v3"
)

// loadApplicationPrivileges reads the application privileges file, in the shape of
// GET /_security/privilege: application → privilege name → {actions, metadata}.
func loadApplicationPrivileges(path string, ps *Problems) []privileges.ApplicationPrivilegeDef {
	c := collector{file: path, ps: ps}
	root, err := readYAML(path)
	if err != nil {
		c.errorf(errLine(err, 0), "cannot read application privileges file: %v", err)
		return nil
	}
	apps, err := pairs(root)
	if err != nil {
		c.errorf(root.Line, "application privileges file: %v", err)
		return nil
	}
	var out []privileges.ApplicationPrivilegeDef
	for _, app := range apps {
		privs, err := pairs(app.value)
		if err != nil {
			c.errorf(app.line, "application [%s]: %v", app.key, err)
			continue
		}
		for _, p := range privs {
			d := privileges.ApplicationPrivilegeDef{Application: app.key, Name: p.key}
			fields, err := pairs(p.value)
			if err != nil {
				c.errorf(p.line, "application privilege [%s/%s]: %v", app.key, p.key, err)
				continue
			}
			ok := true
			for _, f := range fields {
				switch f.key {
				case "actions":
					items, err := stringList(f.value)
					if err != nil {
						c.errorf(f.line, "application privilege [%s/%s]: actions: %v", app.key, p.key, err)
						ok = false
						continue
					}
					d.Actions = values(items)
				case "metadata":
					if err := f.value.Decode(&d.Metadata); err != nil {
						c.errorf(errLine(err, f.line), "application privilege [%s/%s]: metadata: %v", app.key, p.key, err)
						ok = false
					}
				case "application", "name":
					var v string
					if f.value.Kind != yaml.ScalarNode || f.value.Decode(&v) != nil || (f.key == "application" && v != app.key) || (f.key == "name" && v != p.key) {
						c.errorf(f.line, "application privilege [%s/%s]: %s does not match where it is defined", app.key, p.key, f.key)
						ok = false
					}
				default:
					c.errorf(f.line, "application privilege [%s/%s]: unknown field [%s]%s", app.key, p.key, f.key, suggestFrom(f.key, []string{"actions", "metadata"}))
					ok = false
				}
			}
			if !ok {
				continue
			}
			if err := privileges.ValidateApplicationPrivilegeDef(d); err != nil {
				c.errorf(p.line, "application privilege [%s/%s]: %v", app.key, p.key, err)
				continue
			}
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b privileges.ApplicationPrivilegeDef) int {
		if c := strings.Compare(a.Application, b.Application); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}
