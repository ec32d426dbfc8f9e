package privileges

import (
	"slices"
	"strings"
)

// The restricted set of Elasticsearch 9.5 (RestrictedIndices, built from
// SystemIndices.systemNameAutomaton): every system index pattern and alias, every system
// data stream, and the backing and failure-store indices of system data streams. The
// lists below are the descriptors registered by the default distribution
// (restricted-indices.md, section 2); SystemIndexDescriptor.patternToRegex reads '.' as a
// literal dot and '*' as "any string".

// restrictedPrefixes are "<prefix>*" descriptor patterns.
var restrictedPrefixes = []string{
	".tasks",                     // TaskResultsService
	".synonyms-",                 // SynonymsManagementAPIService
	".geoip_databases",           // IngestGeoIpPlugin
	".kibana_",                   // KibanaPlugin
	".reporting-",                // KibanaPlugin
	".chat-",                     // KibanaPlugin
	".apm-agent-configuration",   // KibanaPlugin
	".apm-custom-link",           // KibanaPlugin
	".async-search",              // AsyncTaskIndexService
	".enrich-",                   // EnrichPlugin
	".connector-secrets",         // ConnectorSecretsIndexService (alias included)
	".search-app-",               // SearchApplicationIndexService
	".query-rules-",              // QueryRulesIndexService
	".fleet-agents",              // Fleet
	".fleet-enrollment-api-keys", // Fleet
	".fleet-secrets",             // Fleet
	".fleet-policies-leader",     // Fleet
	".fleet-servers",             // Fleet
	".fleet-artifacts",           // Fleet
	".integration_knowledge",     // Fleet
	".inference",                 // InferencePlugin (alias .inference-alias included)
	".secrets-inference",         // InferencePlugin
	".ccm-inference",             // InferencePlugin
	".logstash",                  // Logstash
	".ml-meta",                   // MachineLearning
	".ml-config",                 // MachineLearning
	".ml-inference-",             // MachineLearning
	".snapshot-blob-cache",       // SearchableSnapshots
	".transform-internal-",       // TransformInternalIndex
	".watches",                   // Watcher
	".triggered_watches",         // Watcher
}

// restrictedDigitPrefixes are "<prefix>[0-9]+*" descriptor patterns.
var restrictedDigitPrefixes = []string{
	".fleet-policies-",   // Fleet
	".security-",         // SecuritySystemIndices, main index
	".security-tokens-",  // SecuritySystemIndices
	".security-profile-", // SecuritySystemIndices
}

// restrictedExact are descriptor aliases not covered by a pattern above, and system
// data stream names.
var restrictedExact = []string{
	".synonyms", ".kibana", ".search-app", ".query-rules", ".fleet-policies",
	".security", ".security-tokens", ".security-profile",
}

// restrictedComplements are "<base>~(<not1>*|<not2>*)" descriptor patterns: the base
// followed by anything that does not start with one of the excluded suffixes.
var restrictedComplements = []struct {
	base string
	not  []string
}{
	{".workflows", []string{"-events", "-execution-data-stream-logs"}}, // KibanaPlugin
	{".fleet-actions", []string{"-results"}},                           // Fleet (alias included)
}

// systemDataStreams are the registered SystemDataStreamDescriptor names; their backing
// indices ".(migrated-){0,}[fd]s-<name>-*" are restricted as well.
var systemDataStreams = []string{
	".workflows-events",                     // KibanaPlugin
	".workflows-execution-data-stream-logs", // KibanaPlugin
	".fleet-actions-results",                // Fleet
}

// IsRestricted reports whether index names a restricted index, alias or data stream:
// a system index (by its descriptor pattern), a system index alias, a system data
// stream or one of its backing (.ds-) or failure-store (.fs-) indices. Only groups with
// allow_restricted_indices grant access to these names.
func IsRestricted(index string) bool {
	if len(index) < 2 || index[0] != '.' {
		return false
	}
	for _, p := range restrictedPrefixes {
		if strings.HasPrefix(index, p) {
			return true
		}
	}
	for _, p := range restrictedDigitPrefixes {
		if rest, ok := strings.CutPrefix(index, p); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return true
		}
	}
	for _, e := range restrictedExact {
		if index == e {
			return true
		}
	}
	for _, c := range restrictedComplements {
		if rest, ok := strings.CutPrefix(index, c.base); ok && !hasAnyPrefix(rest, c.not) {
			return true
		}
	}
	for _, ds := range systemDataStreams {
		if index == ds {
			return true
		}
	}
	return isSystemBackingIndex(index)
}

// isSystemBackingIndex matches ".(migrated-){0,}[fd]s-<system data stream>-*".
func isSystemBackingIndex(index string) bool {
	rest := index[1:]
	for strings.HasPrefix(rest, "migrated-") {
		rest = rest[len("migrated-"):]
	}
	if len(rest) < 3 || (rest[0] != 'd' && rest[0] != 'f') || rest[1] != 's' || rest[2] != '-' {
		return false
	}
	rest = rest[3:]
	for _, ds := range systemDataStreams {
		if r, ok := strings.CutPrefix(rest, ds); ok && strings.HasPrefix(r, "-") {
			return true
		}
	}
	return false
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// restrictedStems are literals that start restricted names: every restricted name is
// one of restrictedNames or begins with one of restrictedStems. A request pattern whose
// literal prefix is incompatible with all of them cannot name a restricted index.
var restrictedStems = func() []string {
	var s []string
	s = append(s, restrictedPrefixes...)
	s = append(s, restrictedDigitPrefixes...)
	for _, c := range restrictedComplements {
		s = append(s, c.base)
	}
	return append(s, ".ds-.", ".fs-.", ".migrated-")
}()

var restrictedNames = append(slices.Clone(restrictedExact), systemDataStreams...)

// mayNameRestricted reports whether the wildcard request pattern could expand to a
// restricted name. Restricted names all start with '.', and Elasticsearch expands a
// wildcard to hidden names (system indices are hidden) only when the expression starts
// with '.' or expand_wildcards includes hidden.
func mayNameRestricted(pattern string, includeHidden bool) bool {
	lit := literalPrefix(pattern)
	if lit == "" {
		return includeHidden
	}
	if lit[0] != '.' {
		return false
	}
	for _, s := range restrictedStems {
		if strings.HasPrefix(lit, s) || strings.HasPrefix(s, lit) {
			return true
		}
	}
	for _, n := range restrictedNames {
		if strings.HasPrefix(n, lit) {
			return true
		}
	}
	return false
}

// ReservedPrefix starts the names of esguard's own indices (the stored API keys). No
// role grants any action on them, not even with allow_restricted_indices: esguard
// reaches them only with its own upstream credentials.
const ReservedPrefix = ".esguard"

// IsReserved reports whether index names one of esguard's own indices.
func IsReserved(index string) bool {
	return strings.HasPrefix(index, ReservedPrefix)
}

// mayNameReserved reports whether the wildcard request pattern could expand to one of
// esguard's own (hidden) indices: it starts with a literal prefix of ".esguard" or one
// that extends it, or it starts with a wildcard and expands hidden names.
func mayNameReserved(pattern string, includeHidden bool) bool {
	lit := literalPrefix(pattern)
	if lit == "" {
		return includeHidden
	}
	return strings.HasPrefix(lit, ReservedPrefix) || strings.HasPrefix(ReservedPrefix, lit)
}
