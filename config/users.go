package config

import (
	"bufio"
	"os"
	"regexp"
	"strings"

	"github.com/esguard/esguard/auth"
	"go.yaml.in/yaml/v3"
)

// UnmarshalYAML accepts `users: users.yml` as well as `users: {file: ..., roles_file: ...}`.
func (u *Users) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		u.File = n.Value
		return nil
	}
	type plain Users
	return n.Decode((*plain)(u))
}

// userNamePattern is Elasticsearch's valid file-realm user name (Validation.Users).
var userNamePattern = regexp.MustCompile(`^[\p{L}\p{N}\p{P}\p{S} ]{1,507}$`)

// userDef is one user with where it was defined, before roles are checked.
type userDef struct {
	user      auth.FileUser
	file      string
	line      int
	roleFile  string         // where roles were assigned
	roleLines map[string]int // role → line in roleFile
}

// loadUsersYAML reads esguard's users.yml: name → {password_hash, roles, full_name, email, metadata}.
func loadUsersYAML(path string, ps *Problems) []userDef {
	c := collector{file: path, ps: ps}
	root, err := readYAML(path)
	if err != nil {
		c.errorf(errLine(err, 0), "cannot read users file: %v", err)
		return nil
	}
	entries, err := pairs(root)
	if err != nil {
		c.errorf(root.Line, "users file: %v", err)
		return nil
	}
	var out []userDef
	for _, e := range entries {
		if !userNamePattern.MatchString(e.key) {
			c.errorf(e.line, "invalid user name [%s]", e.key)
			continue
		}
		fields, err := pairs(e.value)
		if err != nil {
			c.errorf(e.line, "user [%s]: %v", e.key, err)
			continue
		}
		d := userDef{user: auth.FileUser{Username: e.key}, file: path, line: e.line, roleFile: path, roleLines: map[string]int{}}
		ok := true
		for _, f := range fields {
			switch f.key {
			case "password_hash":
				d.user.Hash = f.value.Value
				if err := auth.CheckHash(d.user.Hash); err != nil {
					c.errorf(f.line, "user [%s]: password_hash: %v", e.key, err)
					ok = false
				}
			case "roles":
				items, err := stringList(f.value)
				if err != nil {
					c.errorf(f.line, "user [%s]: roles: %v", e.key, err)
					ok = false
					continue
				}
				for _, it := range items {
					d.roleLines[it.value] = it.line
				}
				d.user.Roles = values(items)
			case "full_name":
				d.user.FullName = f.value.Value
			case "email":
				d.user.Email = f.value.Value
			case "metadata":
				if err := f.value.Decode(&d.user.Metadata); err != nil {
					c.errorf(errLine(err, f.line), "user [%s]: metadata: %v", e.key, err)
					ok = false
				}
			default:
				c.errorf(f.line, "user [%s]: unknown field [%s]%s", e.key, f.key, suggestFrom(f.key, []string{"password_hash", "roles", "full_name", "email", "metadata"}))
				ok = false
			}
		}
		if d.user.Hash == "" {
			c.errorf(e.line, "user [%s]: missing password_hash (create one with `esguard hash-password`)", e.key)
			ok = false
		}
		if ok {
			out = append(out, d)
		}
	}
	return out
}

// loadFileRealm reads Elasticsearch's file realm pair: `users` (name:hash lines) and
// `users_roles` (role:user1,user2 lines), as FileUserPasswdStore and FileUserRolesStore do.
func loadFileRealm(usersPath, rolesPath string, ps *Problems) []userDef {
	c := collector{file: usersPath, ps: ps}
	var out []userDef
	index := map[string]int{}
	err := eachLine(usersPath, func(line int, text string) {
		name, hash, found := strings.Cut(text, ":")
		if !found || name == "" || hash == "" {
			c.errorf(line, "invalid entry: expected username:hash")
			return
		}
		if !userNamePattern.MatchString(name) {
			c.errorf(line, "invalid user name [%s]", name)
			return
		}
		if err := auth.CheckHash(hash); err != nil {
			c.errorf(line, "user [%s]: %v", name, err)
			return
		}
		if _, dup := index[name]; dup {
			c.errorf(line, "user [%s] is defined twice", name)
			return
		}
		index[name] = len(out)
		out = append(out, userDef{user: auth.FileUser{Username: name, Hash: hash}, file: usersPath, line: line, roleFile: rolesPath, roleLines: map[string]int{}})
	})
	if err != nil {
		c.errorf(0, "cannot read users file: %v", err)
		return nil
	}
	if rolesPath == "" {
		return out
	}
	rc := collector{file: rolesPath, ps: ps}
	err = eachLine(rolesPath, func(line int, text string) {
		role, list, found := strings.Cut(text, ":")
		role = strings.TrimSpace(role)
		if !found || role == "" {
			rc.errorf(line, "invalid entry: expected role:user1,user2")
			return
		}
		for _, name := range strings.Split(list, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			i, known := index[name]
			if !known {
				rc.warnf(line, "role [%s] is assigned to unknown user [%s]", role, name)
				continue
			}
			out[i].user.Roles = append(out[i].user.Roles, role)
			out[i].roleLines[role] = line
		}
	})
	if err != nil {
		rc.errorf(0, "cannot read users_roles file: %v", err)
	}
	return out
}

// eachLine calls fn for every non-blank, non-comment line of a file.
func eachLine(path string, fn func(line int, text string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		text := strings.TrimSpace(s.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fn(n, text)
	}
	return s.Err()
}
