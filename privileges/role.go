package privileges

// RoleDescriptor is one role as written in roles.yml (RoleDescriptor in Elasticsearch).
// The config package fills it from YAML; Compile turns a set of them into a Permission.
type RoleDescriptor struct {
	Name          string
	Cluster       []string // cluster privilege names or cluster action patterns
	Indices       []IndicesPrivileges
	RemoteIndices []RemoteIndicesPrivileges
	Applications  []ApplicationPrivileges
	RunAs         []string // user name patterns (wildcards or /regex/)
	Global        map[string]any
	Metadata      map[string]any
	Description   string
}

// IndicesPrivileges is one entry of a role's "indices" list.
type IndicesPrivileges struct {
	Names                  []string // index, alias and data stream name patterns
	Privileges             []string // index privilege names or index action patterns
	AllowRestrictedIndices bool
	FieldSecurity          *FieldSecurity // field-level security; not enforced by esguard
	Query                  string         // document-level security query; not enforced by esguard
}

// FieldSecurity is the field_security of an indices entry.
type FieldSecurity struct {
	Grant, Except []string
}

// RemoteIndicesPrivileges is one entry of a role's "remote_indices" list: index
// privileges on clusters reached through cross-cluster search or replication.
type RemoteIndicesPrivileges struct {
	Clusters []string
	IndicesPrivileges
}

// ApplicationPrivileges is one entry of a role's "applications" list. Application
// privileges grant no Elasticsearch action.
type ApplicationPrivileges struct {
	Application string
	Privileges  []string
	Resources   []string
}
