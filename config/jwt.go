package config

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/esguard/esguard/auth"
	"go.yaml.in/yaml/v3"
)

// UnmarshalYAML accepts a list of claim names as well as a map of claim name to values.
func (r *RequiredClaims) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var names []string
		if err := n.Decode(&names); err != nil {
			return err
		}
		*r = RequiredClaims{}
		for _, c := range names {
			(*r)[c] = nil
		}
		return nil
	}
	m := map[string]stringOrList{}
	if err := n.Decode(&m); err != nil {
		return err
	}
	*r = RequiredClaims{}
	for k, v := range m {
		(*r)[k] = v
	}
	return nil
}

// stringOrList decodes a YAML string or list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// buildRoleMapper compiles role_mapping, checking every rule and role name.
func buildRoleMapper(c collector, cfg *Config, at func(string) int, roleExists func(string) bool) *auth.RoleMapper {
	var mappings []auth.RoleMapping
	for i, m := range cfg.RoleMapping {
		name := m.Name
		if name == "" {
			name = fmt.Sprintf("role_mapping[%d]", i)
		}
		rm := auth.RoleMapping{Name: name, Roles: m.Roles, Enabled: m.Enabled == nil || *m.Enabled}
		if len(m.Roles) == 0 {
			c.errorf(at("role_mapping"), "role mapping [%s]: roles are required", name)
		}
		for _, r := range m.Roles {
			if !roleExists(r) {
				c.errorf(at("role_mapping"), "role mapping [%s] references unknown role [%s]", name, r)
			}
		}
		switch {
		case m.Rules != nil && len(m.Groups) > 0:
			c.errorf(at("role_mapping"), "role mapping [%s]: set either groups or rules, not both", name)
			continue
		case len(m.Groups) > 0:
			groups := make([]any, len(m.Groups))
			for j, g := range m.Groups {
				groups[j] = g
			}
			rule, err := auth.ParseRule(map[string]any{"field": map[string]any{"groups": groups}})
			if err != nil {
				c.errorf(at("role_mapping"), "role mapping [%s]: groups: %v", name, err)
				continue
			}
			rm.Rules = rule
		case m.Rules != nil:
			rule, err := auth.ParseRule(m.Rules)
			if err != nil {
				c.errorf(at("role_mapping"), "role mapping [%s]: rules: %v", name, err)
				continue
			}
			rm.Rules = rule
		default:
			c.errorf(at("role_mapping"), "role mapping [%s]: rules (or groups) are required", name)
			continue
		}
		mappings = append(mappings, rm)
	}
	return auth.NewRoleMapper(mappings)
}

// buildJWTRealms builds one realm per configured issuer.
func buildJWTRealms(c collector, cfg *Config, at func(string) int, resolve func(string) string, s *Snapshot, mapper *auth.RoleMapper, lookup auth.UserLookup) []auth.Realm {
	var realms []auth.Realm
	seen := map[string]bool{}
	for i := range cfg.Authentication.JWT {
		j := &cfg.Authentication.JWT[i]
		where := fmt.Sprintf("authentication.jwt[%s]", j.Name)
		if j.Name == "" {
			c.errorf(at("authentication.jwt"), "authentication.jwt entry %d: name is required", i+1)
			continue
		}
		if seen[j.Name] || j.Name == auth.DefaultFileRealmName || j.Name == auth.APIKeyRealmName {
			c.errorf(at("authentication.jwt"), "%s: the realm name is already used", where)
			continue
		}
		seen[j.Name] = true
		o := auth.JWTOptions{
			Name:           j.Name,
			Issuer:         j.Issuer,
			Audiences:      j.Audiences,
			Algorithms:     j.Algorithms,
			JWKSTimeout:    j.JWKSTimeout.Or(0),
			JWKSMinRefresh: j.JWKSMinRefresh.Or(0),
			ClaimPrincipal: j.Claims.Principal,
			ClaimGroups:    j.Claims.Groups,
			ClaimRoles:     j.Claims.Roles,
			ClaimName:      j.Claims.Name,
			ClaimMail:      j.Claims.Mail,
			ClaimDN:        j.Claims.DN,
			RequiredClaims: j.RequiredClaims,
			ClockSkew:      j.ClockSkew.Or(0),
			MaxTokenSize:   j.MaxTokenSize,
			Mapper:         mapper,
		}
		if j.LookupUsers {
			o.Lookup = lookup
		}
		switch {
		case strings.HasPrefix(j.JWKS, "https://") || strings.HasPrefix(j.JWKS, "http://"):
			o.JWKSURL = j.JWKS
		case j.JWKS != "":
			j.JWKS = resolve(j.JWKS)
			data, err := os.ReadFile(j.JWKS)
			if err != nil {
				c.errorf(at("authentication.jwt"), "%s: jwks: %v", where, err)
				continue
			}
			o.JWKS = data
			s.Files = append(s.Files, absPath(j.JWKS))
		}
		for _, k := range j.PublicKeys {
			pem := k.PEM
			if k.PEMFile != "" {
				f := resolve(k.PEMFile)
				data, err := os.ReadFile(f)
				if err != nil {
					c.errorf(at("authentication.jwt"), "%s: public_keys: %v", where, err)
					continue
				}
				pem = string(data)
				s.Files = append(s.Files, absPath(f))
			}
			o.PublicKeys = append(o.PublicKeys, auth.JWTPublicKey{KID: k.KID, PEM: pem})
		}
		switch {
		case j.HMACSecret != "" && j.HMACSecretFile != "":
			c.errorf(at("authentication.jwt"), "%s: set either hmac_secret or hmac_secret_file, not both", where)
			continue
		case j.HMACSecretFile != "":
			f := resolve(j.HMACSecretFile)
			data, err := os.ReadFile(f)
			if err != nil {
				c.errorf(at("authentication.jwt"), "%s: hmac_secret_file: %v", where, err)
				continue
			}
			o.HMACSecret = bytes.TrimRight(data, "\r\n")
			s.Files = append(s.Files, absPath(f))
		case j.HMACSecret != "":
			o.HMACSecret = []byte(j.HMACSecret)
		}
		r, err := auth.NewJWTRealm(o)
		if err != nil {
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				c.errorf(at("authentication.jwt"), "%s: %v", where, e)
			}
			continue
		}
		realms = append(realms, r)
	}
	return realms
}
