package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/esguard/esguard/auth"
	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/routes"
	"github.com/esguard/esguard/runas"
	"go.yaml.in/yaml/v3"
)

// Snapshot is one loaded, validated configuration with everything compiled from it.
// It is never mutated after Load returns; a reload builds a new one.
type Snapshot struct {
	// Config is the configuration with file names resolved to absolute paths.
	Config Config
	// Path is the configuration file this snapshot was loaded from.
	Path string
	// Flavor is the privilege model in force: the configured one, or for auto the one
	// detected from the cluster.
	Flavor string
	// FlavorSource says how Flavor was chosen: "configured", "detected: Elasticsearch
	// 8.19.2", "kept: ..." after a failed detection on reload, or "unchecked: ..." when
	// auto was not resolved against a cluster.
	FlavorSource string
	// Cluster is the cluster's GET / answer that chose Flavor, zero unless detected.
	Cluster ClusterInfo
	// Catalogue holds the named privileges of Flavor.
	Catalogue *privileges.Catalogue
	// Routes is the REST route table of Flavor.
	Routes *routes.Table
	// Roles are the role descriptors by name, built-in roles included.
	Roles map[string]*privileges.RoleDescriptor
	// Realms authenticates requests in the configured order.
	Realms *auth.Chain
	// Anonymous is the identity of requests without credentials, nil when disabled.
	Anonymous *auth.Identity
	// Schemes are the authentication schemes offered in WWW-Authenticate.
	Schemes []string
	// Warnings are the non-fatal problems found while loading.
	Warnings Problems
	// Files are the absolute names of the files this snapshot was read from.
	Files []string
	// BoundKey is the key of bound_ids.key_file, nil when none is configured.
	BoundKey []byte
	// Users are the users of the users file, sorted by name.
	Users []auth.FileUser
	// Applications are the application privilege definitions, sorted by application
	// and name.
	Applications []privileges.ApplicationPrivilegeDef
	// APIKeys are the static keys of the API keys file.
	APIKeys []*auth.APIKey
	// RunAs is the run_as mode and governance policy.
	RunAs *runas.Policy
	// TLSCertificate is the client listener's certificate and key (tls.cert, tls.key),
	// nil when tls is not configured.
	TLSCertificate *tls.Certificate
	// TLSClientCAs verifies client certificates (tls.client_ca), nil when none are set.
	TLSClientCAs *x509.CertPool
	// TLSClientAuth is tls.client_auth as crypto/tls's policy.
	TLSClientAuth tls.ClientAuthType
	// TLSMinVersion is the lowest TLS version the client listener accepts
	// (tls.min_version), zero when tls is not configured.
	TLSMinVersion uint16
	// UpstreamTLS is the client TLS configuration of every connection to https
	// upstream nodes, built from upstream.ca, cert, key and server_name; nil when the
	// nodes are http. It is shared: clone it before changing it.
	UpstreamTLS *tls.Config
	// DynamicAPIKeys is where the API key realm finds keys created through the API; the
	// proxy sets it, and every snapshot of a Store shares it.
	DynamicAPIKeys *auth.APIKeySourceVar

	mu       sync.RWMutex
	perms    map[string]*privileges.Permission
	keyPerms map[string]keyPermission // by API key id and owner roles
	// intersections are run_as permissions limited by the impersonator's.
	intersections map[permPair]*privileges.Permission
	// opts are the options the snapshot was loaded with; reloads use them again.
	opts Options
	// upstreamAuth is Config.Upstream.Authorization(), computed once.
	upstreamAuth string
}

// Load reads the configuration file and everything it names, and returns the snapshot
// together with every problem found. The snapshot is nil when any problem is an error.
func Load(path string) (*Snapshot, Problems) {
	return LoadWith(path, Options{})
}

// LoadWith is Load with options: a flavour that replaces the configured one, and the
// detector that resolves flavor: auto.
func LoadWith(path string, opts Options) (*Snapshot, Problems) {
	return loadShared(path, new(auth.APIKeySourceVar), opts, nil)
}

// loadShared is LoadWith with the dynamic API key source of an earlier snapshot, and
// that snapshot (nil at start), whose detected flavour stays when detection fails.
func loadShared(path string, keys *auth.APIKeySourceVar, opts Options, prev *Snapshot) (*Snapshot, Problems) {
	var ps Problems
	snap := load(path, &ps, keys, opts, prev)
	ps.Sort()
	if ps.HasErrors() {
		return nil, ps
	}
	snap.Warnings = ps
	return snap, ps
}

func load(path string, ps *Problems, keys *auth.APIKeySourceVar, opts Options, prev *Snapshot) *Snapshot {
	c := collector{file: path, ps: ps}
	abs, err := filepath.Abs(path)
	if err != nil {
		c.errorf(0, "%v", err)
		return nil
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		c.errorf(0, "cannot read configuration: %v", err)
		return nil
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		reportDecodeError(c, err)
		return nil
	}
	cfg.applyDefaults()
	lines := keyLines(data)
	at := func(key string) int { return lines[key] }
	dir := filepath.Dir(path)
	resolve := func(p string) string {
		if p == "" || p == "-" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}

	s := &Snapshot{Path: abs, Files: []string{abs}, DynamicAPIKeys: keys, perms: map[string]*privileges.Permission{}, opts: opts}
	checkListeners(c, &cfg, at)
	checkUpstream(c, &cfg, at)
	checkAuditAndReload(c, &cfg, at)

	switch cfg.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		c.errorf(at("log.level"), "log.level [%s] is not one of debug, info, warn, error", cfg.Log.Level)
	}
	s.RunAs = buildRunAsPolicy(c, &cfg, at)
	if cfg.Audit.File != "" {
		cfg.Audit.File = resolve(cfg.Audit.File)
	}
	if cfg.BoundIDs.KeyFile != "" {
		cfg.BoundIDs.KeyFile = resolve(cfg.BoundIDs.KeyFile)
		if key, err := os.ReadFile(cfg.BoundIDs.KeyFile); err != nil {
			c.errorf(at("bound_ids.key_file"), "bound_ids.key_file: %v", err)
		} else if len(bytes.TrimSpace(key)) < 32 {
			c.errorf(at("bound_ids.key_file"), "bound_ids.key_file [%s] holds %d bytes; it needs at least 32 (for example the output of openssl rand -hex 32)", cfg.BoundIDs.KeyFile, len(bytes.TrimSpace(key)))
		} else {
			s.BoundKey = bytes.TrimSpace(key)
			s.Files = append(s.Files, cfg.BoundIDs.KeyFile)
		}
	}
	if cfg.TLS != nil {
		loadListenerTLS(c, cfg.TLS, at, resolve, s)
	}
	s.UpstreamTLS = buildUpstreamTLS(c, &cfg.Upstream, at, resolve, s)
	if !resolveFlavour(c, &cfg, at, s, prev) {
		return nil
	}

	// Roles: the built-in ones, then every roles file in order; a later file may not
	// redefine a role.
	s.Roles = map[string]*privileges.RoleDescriptor{}
	for name, d := range builtinRolesFor(s.Flavor) {
		s.Roles[name] = d
	}
	definedAt := map[string]string{}
	invalid := map[string]bool{} // roles defined with errors, already reported
	if len(cfg.Roles) == 0 {
		c.warnf(at("roles"), "no roles files configured: only the built-in roles %v exist", BuiltinRoleNames())
	}
	for i, f := range cfg.Roles {
		cfg.Roles[i] = resolve(f)
		s.Files = append(s.Files, absPath(cfg.Roles[i]))
		roles, bad := loadRoles(cfg.Roles[i], s.Catalogue, ps)
		for _, name := range bad {
			invalid[name] = true
		}
		for _, r := range roles {
			if prev, dup := definedAt[r.desc.Name]; dup {
				collector{file: r.file, ps: ps}.errorf(r.line, "role [%s] is already defined at %s", r.desc.Name, prev)
				continue
			}
			definedAt[r.desc.Name] = fmt.Sprintf("%s:%d", r.file, r.line)
			s.Roles[r.desc.Name] = r.desc
		}
	}

	if cfg.ApplicationPrivileges != "" {
		cfg.ApplicationPrivileges = resolve(cfg.ApplicationPrivileges)
		s.Files = append(s.Files, absPath(cfg.ApplicationPrivileges))
		s.Applications = loadApplicationPrivileges(cfg.ApplicationPrivileges, ps)
	}

	// Users and the realm chain.
	var users []userDef
	switch {
	case cfg.Users.File == "":
		c.warnf(at("users"), "no users file configured: only anonymous access is possible")
	case cfg.Users.RolesFile != "":
		cfg.Users.File, cfg.Users.RolesFile = resolve(cfg.Users.File), resolve(cfg.Users.RolesFile)
		users = loadFileRealm(cfg.Users.File, cfg.Users.RolesFile, ps)
		s.Files = append(s.Files, absPath(cfg.Users.File), absPath(cfg.Users.RolesFile))
	default:
		cfg.Users.File = resolve(cfg.Users.File)
		users = loadUsersYAML(cfg.Users.File, ps)
		s.Files = append(s.Files, absPath(cfg.Users.File))
	}
	fileUsers := make([]auth.FileUser, 0, len(users))
	for _, u := range users {
		for _, r := range u.user.Roles {
			if _, ok := s.Roles[r]; !ok && !invalid[r] {
				collector{file: u.roleFile, ps: ps}.errorf(u.roleLines[r], "user [%s] references unknown role [%s]%s", u.user.Username, r, suggestFrom(r, roleNames(s.Roles)))
			}
		}
		u.user.Roles = sortedUnique(u.user.Roles)
		fileUsers = append(fileUsers, u.user)
	}
	slices.SortFunc(fileUsers, func(a, b auth.FileUser) int { return strings.Compare(a.Username, b.Username) })
	s.Users = fileUsers

	credCache := auth.CacheOptions{
		MaxEntries: cfg.Authentication.Cache.MaxEntries,
		TTL:        cfg.Authentication.Cache.TTL.Or(0),
	}
	fileRealm, err := auth.NewFileRealm(auth.DefaultFileRealmName, fileUsers, credCache)
	if err != nil {
		c.errorf(at("users"), "users: %v", err)
	}
	if cfg.APIKeys != "" {
		cfg.APIKeys = resolve(cfg.APIKeys)
		s.Files = append(s.Files, absPath(cfg.APIKeys))
		known := make(map[string]bool, len(fileUsers))
		for _, u := range fileUsers {
			known[u.Username] = true
		}
		s.APIKeys = loadAPIKeys(cfg.APIKeys, s.Catalogue, known, ps)
	}

	var realms []auth.Realm
	seen := map[string]bool{}
	for _, name := range cfg.Authentication.Order {
		if seen[name] {
			c.errorf(at("authentication.order"), "authentication.order names [%s] twice", name)
			continue
		}
		seen[name] = true
		switch name {
		case "basic":
			if fileRealm == nil {
				continue
			}
			realms = append(realms, fileRealm)
			s.Schemes = append(s.Schemes, `Basic realm="security" charset="UTF-8"`)
		case "api_key":
			kr, err := auth.NewAPIKeyRealm(auth.APIKeyRealmOptions{
				Static:       s.APIKeys,
				Dynamic:      keys,
				Owners:       fileRealm,
				LookupRealms: []string{auth.DefaultFileRealmName},
				Cache:        credCache,
			})
			if err != nil {
				c.errorf(at("api_keys"), "api_keys: %v", err)
				continue
			}
			realms = append(realms, kr)
			s.Schemes = append(s.Schemes, "ApiKey")
		case "anonymous":
			if a := cfg.Authentication.Anonymous; a != nil {
				if a.Username == "" {
					a.Username = "_anonymous"
				}
				for _, r := range a.Roles {
					if _, ok := s.Roles[r]; !ok {
						c.errorf(at("authentication.anonymous"), "authentication.anonymous references unknown role [%s]", r)
					}
				}
				s.Anonymous = &auth.Identity{
					Username:  a.Username,
					Roles:     sortedUnique(a.Roles),
					RealmName: "__anonymous",
					RealmType: "anonymous",
					AuthType:  "anonymous",
				}
			}
		case "jwt":
			if len(cfg.Authentication.JWT) == 0 {
				c.errorf(at("authentication.order"), "authentication.order names [jwt] but authentication.jwt configures no issuer")
				continue
			}
			mapper := buildRoleMapper(c, &cfg, at, func(r string) bool { _, ok := s.Roles[r]; return ok || invalid[r] })
			jwts := buildJWTRealms(c, &cfg, at, resolve, s, mapper, fileRealm)
			realms = append(realms, jwts...)
			if len(jwts) > 0 {
				s.Schemes = append(s.Schemes, `Bearer realm="security"`)
			}
		default:
			c.errorf(at("authentication.order"), "authentication.order: unknown realm [%s]%s", name, suggestFrom(name, []string{"basic", "api_key", "jwt", "anonymous"}))
		}
	}
	if cfg.Authentication.Anonymous != nil && !seen["anonymous"] {
		c.warnf(at("authentication.anonymous"), "authentication.anonymous is set but [anonymous] is not in authentication.order: anonymous access stays off")
	}
	if len(cfg.Authentication.JWT) > 0 && !seen["jwt"] {
		c.warnf(at("authentication.jwt"), "authentication.jwt is set but [jwt] is not in authentication.order: bearer tokens are refused")
	}
	if cfg.APIKeys != "" && !seen["api_key"] {
		c.warnf(at("api_keys"), "api_keys is set but [api_key] is not in authentication.order: API keys are refused")
	}
	if len(cfg.RoleMapping) > 0 && !seen["jwt"] {
		c.warnf(at("role_mapping"), "role_mapping applies to JWT realms only, and [jwt] is not in authentication.order")
	}
	s.Realms = auth.NewChain(realms...)

	// Compile every role once, so a role that cannot compile is a load error, not a
	// failure while serving.
	for _, name := range roleNames(s.Roles) {
		if _, err := privileges.Compile(s.Catalogue, []*privileges.RoleDescriptor{s.Roles[name]}); err != nil {
			c.errorf(at("roles"), "role [%s]: %v", name, err)
		}
	}
	s.Config = cfg
	s.upstreamAuth = cfg.Upstream.Authorization()
	return s
}

// reportDecodeError turns yaml errors ("line N: field x not found in type ...") into problems.
func reportDecodeError(c collector, err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, e := range te.Errors {
			line := 0
			msg := e
			if _, scanErr := fmt.Sscanf(e, "line %d:", &line); scanErr == nil {
				if i := strings.Index(e, ": "); i >= 0 {
					msg = e[i+2:]
				}
			}
			msg = strings.Replace(msg, "in type config.", "in section ", 1)
			if (strings.HasSuffix(msg, "section Upstream") || strings.HasSuffix(msg, "section TLS")) &&
				(strings.Contains(msg, "insecure") || strings.Contains(msg, "verif")) {
				msg += "; esguard always verifies TLS certificates (name the CAs to trust in upstream.ca or tls.client_ca)"
			}
			c.errorf(line, "%s", msg)
		}
		return
	}
	c.errorf(errLine(err, 0), "%v", err)
}

func checkListeners(c collector, cfg *Config, at func(string) int) {
	if cfg.AdminListen != "" && cfg.AdminListen == cfg.Listen {
		c.errorf(at("admin_listen"), "admin_listen must differ from listen (%s)", cfg.Listen)
	}
}

func checkUpstream(c collector, cfg *Config, at func(string) int) {
	if len(cfg.Upstream.Nodes) == 0 {
		c.errorf(at("upstream"), "upstream.nodes: at least one node is required")
	}
	schemes := map[string]bool{}
	for _, n := range cfg.Upstream.Nodes {
		u, err := url.Parse(n)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			c.errorf(at("upstream.nodes"), "upstream.nodes: [%s] is not a node URL such as http://127.0.0.1:9200", n)
			continue
		}
		schemes[u.Scheme] = true
	}
	if len(schemes) > 1 {
		c.errorf(at("upstream.nodes"), "upstream.nodes: mixes http and https nodes; every node must use the same scheme")
	}
	for key, d := range map[string]Duration{"health_check_interval": cfg.Upstream.HealthCheckInterval, "health_check_timeout": cfg.Upstream.HealthCheckTimeout} {
		if d < 0 {
			c.errorf(at("upstream."+key), "upstream.%s must be positive", key)
		}
	}
	if cfg.Upstream.APIKey != "" && cfg.Upstream.Username != "" {
		c.errorf(at("upstream"), "upstream: set either username/password or api_key, not both")
	}
}

func roleNames(m map[string]*privileges.RoleDescriptor) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func sortedUnique(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// Permission returns the compiled permission of a role set, compiling it on first use.
// Role names that are not defined are ignored, as Elasticsearch ignores unknown roles;
// effective reports the roles that were found. roles should be sorted (identities built
// by esguard's realms are), which lets a cache hit run without allocating.
func (s *Snapshot) Permission(roles []string) (perm *privileges.Permission, err error) {
	var buf [256]byte
	key := buf[:0]
	for i, r := range roles {
		if i > 0 {
			key = append(key, ',')
		}
		key = append(key, r...)
	}
	s.mu.RLock()
	perm = s.perms[string(key)]
	s.mu.RUnlock()
	if perm != nil {
		permissionHits.Add(1)
		return perm, nil
	}
	permissionMisses.Add(1)
	descs := make([]*privileges.RoleDescriptor, 0, len(roles))
	for _, r := range sortedUnique(roles) {
		if d, ok := s.Roles[r]; ok {
			descs = append(descs, d)
		}
	}
	perm, err = privileges.Compile(s.Catalogue, descs)
	if err != nil {
		return nil, fmt.Errorf("config: compile roles %v: %w", roles, err)
	}
	s.mu.Lock()
	if existing, ok := s.perms[string(key)]; ok {
		perm = existing
	} else {
		s.perms[string(key)] = perm
	}
	s.mu.Unlock()
	return perm, nil
}

// UpstreamAuthorization is the Authorization header esguard sends upstream, or "".
func (s *Snapshot) UpstreamAuthorization() string { return s.upstreamAuth }

// maxKeyPermissions bounds the cache of API key permissions; it is emptied when full.
const maxKeyPermissions = 10_000

type keyPermission struct {
	descs *privileges.RoleDescriptor // first role descriptor of the key, for identity
	perm  *privileges.Permission
}

// IdentityPermission returns the permission that decides id's requests: its roles'
// permission, or for an API key, the key's role descriptors limited by its owner's
// roles (the owner's roles alone when the key has no descriptors).
func (s *Snapshot) IdentityPermission(id *auth.Identity) (*privileges.Permission, error) {
	k := id.APIKey
	if k == nil {
		return s.Permission(id.Roles)
	}
	owner, err := s.Permission(sortedUnique(k.LimitedBy))
	if err != nil {
		return nil, err
	}
	if len(k.RoleDescriptors) == 0 {
		return owner, nil
	}
	cacheKey := id.APIKeyID + "\x00" + strings.Join(k.LimitedBy, ",")
	s.mu.RLock()
	kp, ok := s.keyPerms[cacheKey]
	s.mu.RUnlock()
	if ok && kp.descs == k.RoleDescriptors[0] {
		return kp.perm, nil
	}
	own, err := privileges.Compile(s.Catalogue, k.RoleDescriptors)
	if err != nil {
		return nil, fmt.Errorf("config: compile the role descriptors of API key [%s]: %w", id.APIKeyID, err)
	}
	perm := own.Limit(owner)
	s.mu.Lock()
	if s.keyPerms == nil || len(s.keyPerms) >= maxKeyPermissions {
		s.keyPerms = map[string]keyPermission{}
	}
	s.keyPerms[cacheKey] = keyPermission{descs: k.RoleDescriptors[0], perm: perm}
	s.mu.Unlock()
	return perm, nil
}

// Intersection returns p limited by by, cached per pair for the snapshot's lifetime
// (run_as with an intersecting policy rule).
func (s *Snapshot) Intersection(p, by *privileges.Permission) *privileges.Permission {
	k := permPair{p, by}
	s.mu.RLock()
	out, ok := s.intersections[k]
	s.mu.RUnlock()
	if ok {
		return out
	}
	out = p.Limit(by)
	s.mu.Lock()
	if s.intersections == nil || len(s.intersections) >= maxKeyPermissions {
		s.intersections = map[permPair]*privileges.Permission{}
	}
	s.intersections[k] = out
	s.mu.Unlock()
	return out
}

type permPair struct{ p, by *privileges.Permission }

// IsBuiltinRole reports whether name is one of esguard's reserved roles.
func (s *Snapshot) IsBuiltinRole(name string) bool {
	_, ok := builtinRoles[name]
	return ok
}

// RoleDescriptors returns the descriptors of the named roles that exist, sorted by name.
func (s *Snapshot) RoleDescriptors(names []string) []*privileges.RoleDescriptor {
	out := make([]*privileges.RoleDescriptor, 0, len(names))
	for _, n := range sortedUnique(names) {
		if d, ok := s.Roles[n]; ok {
			out = append(out, d)
		}
	}
	return out
}

// IdentityApplications returns the application privileges id holds: its roles', or for
// an API key, the key's limited by its owner's.
func (s *Snapshot) IdentityApplications(id *auth.Identity) (*privileges.ApplicationPermission, error) {
	k := id.APIKey
	if k == nil {
		return privileges.CompileApplications(s.Applications, s.RoleDescriptors(id.Roles))
	}
	owner, err := privileges.CompileApplications(s.Applications, s.RoleDescriptors(k.LimitedBy))
	if err != nil || len(k.RoleDescriptors) == 0 {
		return owner, err
	}
	own, err := privileges.CompileApplications(s.Applications, k.RoleDescriptors)
	if err != nil {
		return nil, err
	}
	return own.Limit(owner), nil
}
