// Package privileges is esguard's model of Elasticsearch security privileges: the
// catalogue of named cluster and index privileges, role descriptors as written in
// roles.yml, the compiled permission of a role set, and the evaluator that decides one
// action on a list of index expressions and words the denial like Elasticsearch does.
//
// # What it owns
//
//   - The privilege catalogue per flavour (CatalogueFor: 9, 8, serverless, shield2,
//     shield1), embedded from data/ and parsed once: named privileges with the action
//     patterns of their era (ClusterPrivilegeResolver and IndexPrivilege, or Shield's
//     Privilege classes), the reference's description of each, and the era's rule for
//     raw action names and patterns accepted as privileges (name + "*"). Serverless
//     refuses the privileges of the features Elastic manages (Catalogue.Unavailable).
//   - Migrate: one flavour's privilege written with another flavour's names, through
//     the era's action renames (data/action-renames.tsv), never wider without saying so.
//   - Role descriptors (RoleDescriptor and friends), filled by the config package.
//   - Permission: the immutable union of a role set, compiled once (the caller caches it)
//     and evaluated without allocating on the allowed path.
//   - Index-name patterns in roles: '*' and '?' wildcards and Lucene /regex/
//     (Automatons.pattern), and the restricted (system) index set of
//     allow_restricted_indices (IsRestricted).
//   - Authorize / AuthorizeNameOnly and Decision.Reason, which renders
//     AuthorizationDenialMessages' sentence.
//   - Index resolution (Resolve, IndicesAndAliasesResolver): wildcards, _all,
//     exclusions, date math (through the caller's resolver, see the datemath
//     sub-package), aliases, data streams and their backing indices, the ::failures
//     selector, hidden and closed indices and remote names, against the cluster's names
//     (Metadata), narrowed to what the role set grants.
//   - Limited permissions (Permission.Limit): an API key's own roles limited by its
//     owner's, as LimitedRole does.
//   - esguard's own indices (IsReserved, ".esguard*"), which no role grants.
//   - has_privileges (HasPrivileges, RBACEngine.checkPrivileges) over cluster, index
//     and application privileges, and application privileges themselves
//     (ApplicationPrivilegeDef, CompileApplications, ApplicationPermission).
//
// # What it must not do
//
// The package is pure: standard library only. It must not import fasthttp, zerolog,
// YAML, net or anything that reads a clock, a file or the network, and it must not
// import esguard's auth, runas, config or proxy packages. (It may import routes for
// action names; today it does not need to.)
//
// # Deliberate differences from Elasticsearch
//
// Authorize decides without cluster metadata and is stricter where Elasticsearch would
// resolve: a wildcard expression is granted only when every name it could match is
// granted (IndexPattern); date math, remote "cluster:index" expressions and "::"
// selectors are denied. Resolve, given Metadata, narrows as Elasticsearch does; without
// metadata it falls back to the same pattern checks. Conditional privileges (manage_own_api_key for get, invalidate and
// query; the global application, profile and role privileges) are not granted by
// Permission.Cluster, which cannot see the request body; see Permission.OwnAPIKeys.
package privileges
