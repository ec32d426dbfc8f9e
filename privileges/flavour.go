package privileges

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// Flavours lists the privilege models esguard implements, newest first. Each names a
// catalogue (CatalogueFor) and a route table of the same name in package routes.
var Flavours = []string{"9", "8", "serverless", "shield2", "shield1"}

// CatalogueFor returns the shared catalogue of a flavour, built on first use.
func CatalogueFor(flavour string) (*Catalogue, error) {
	switch flavour {
	case "9":
		return es9(), nil
	case "8":
		return es8(), nil
	case "serverless":
		return serverless(), nil
	case "shield2":
		return shield2(), nil
	case "shield1":
		return shield1(), nil
	}
	return nil, fmt.Errorf("unknown flavour [%s] (known: %s)", flavour, strings.Join(Flavours, ", "))
}

// Flavour names the catalogue's flavour, one of Flavours.
func (c *Catalogue) Flavour() string { return c.flavour }

// IsShield reports whether a flavour is one of the Shield eras (shield1, shield2):
// Elasticsearch 1.x or 2.x, with that era's roles files, REST API and decisions.
func IsShield(flavour string) bool { return flavour == "shield1" || flavour == "shield2" }

// era is the generation of Elasticsearch security a catalogue belongs to. It decides
// which action names are accepted as raw privileges and the action names of that time
// (see Migrate).
type era uint8

const (
	eraShield1 era = iota // Shield 1.x on Elasticsearch 1.x
	eraShield2            // Shield 2.x on Elasticsearch 2.x
	era8                  // Elasticsearch 8.x (x-pack security)
	era9                  // Elasticsearch 9.x and Elastic Cloud Serverless
)

// IsClusterAction reports whether the flavour authorizes action as a cluster action,
// which is also the rule for a raw cluster privilege: "cluster:*" and the index-template
// actions "indices:admin/template/*", plus the composable-template actions
// "indices:admin/index_template/*" from 7.8 on (the Shield eras had no composable
// templates: Privilege.Cluster.ACTION_MATCHER was "cluster:*", "indices:admin/template/*").
func (c *Catalogue) IsClusterAction(action string) bool {
	if c.era >= era8 {
		return IsClusterAction(action)
	}
	return strings.HasPrefix(action, "cluster:") || strings.HasPrefix(action, "indices:admin/template/")
}

// IsIndexAction reports whether action is an index action pattern of the flavour:
// "indices:*", plus the proxied cross-cluster form "internal:transport/proxy/indices:*"
// from 6.x on (the Shield eras matched "indices:*" only).
func (c *Catalogue) IsIndexAction(action string) bool {
	if c.era >= era8 {
		return IsIndexAction(action)
	}
	return strings.HasPrefix(action, "indices:")
}

// Unavailable reports whether the flavour knows the named privilege but refuses it,
// and why: Elastic Cloud Serverless does not offer the privileges of the features it
// manages itself. Lookups (Cluster, Index) of such a name fail.
func (c *Catalogue) Unavailable(k Kind, name string) (reason string, ok bool) {
	reason, ok = c.unavailable[k][strings.ToLower(name)]
	return reason, ok
}

// Privileges returns the named privileges of kind k, sorted by name. The privileges are
// shared: treat them as read-only.
func (c *Catalogue) Privileges(k Kind) []*Privilege {
	names := c.clusterNames
	if k == IndexKind {
		names = c.indexNames
	}
	out := make([]*Privilege, len(names))
	for i, name := range names {
		e, _ := c.entry(k, name)
		out[i] = e.p
	}
	return out
}

// catalogueSpec is one flavour's data and rules.
type catalogueSpec struct {
	flavour           string
	era               era
	clusterTSV        string
	indexTSV          string
	descriptions      string // "kind<TAB>privilege<TAB>description" rows
	deprecated        map[Kind]map[string]string
	unavailable       string // "kind<TAB>privilege" rows the flavour refuses
	unavailableReason string
}

var (
	//go:embed data/es-9.5-cluster-privileges.tsv
	es95Cluster string
	//go:embed data/es-9.5-index-privileges.tsv
	es95Index string
	//go:embed data/descriptions-9.tsv
	descriptions9 string
	//go:embed data/serverless-unavailable.tsv
	serverlessUnavailable string

	//go:embed data/es-8.19-cluster-privileges.tsv
	es819Cluster string
	//go:embed data/es-8.19-index-privileges.tsv
	es819Index string
	//go:embed data/descriptions-8.tsv
	descriptions8 string

	//go:embed data/shield-2-cluster-privileges.tsv
	shield2Cluster string
	//go:embed data/shield-2-index-privileges.tsv
	shield2Index string
	//go:embed data/descriptions-shield2.tsv
	descriptionsShield2 string

	//go:embed data/shield-1-cluster-privileges.tsv
	shield1Cluster string
	//go:embed data/shield-1-index-privileges.tsv
	shield1Index string
	//go:embed data/descriptions-shield1.tsv
	descriptionsShield1 string
)

// deprecatedCluster are the cluster privilege deprecations the Elasticsearch 8 and 9
// privileges references share.
var deprecatedCluster = map[string]string{
	"manage_data_frame_transforms":         "deprecated since 7.5, use [manage_transform]",
	"monitor_data_frame_transforms":        "deprecated since 7.5, use [monitor_transform]",
	"manage_slm":                           "deprecated since 8.15 (its index lifecycle start and stop permissions will be removed, use [manage_ilm] for those)",
	"read_slm":                             "deprecated since 8.15 (its index lifecycle status permission will be removed, use [read_ilm] for that)",
	"manage_data_stream_global_retention":  "deprecated since 8.16 and has no effect",
	"monitor_data_stream_global_retention": "deprecated since 8.16 and has no effect",
}

// deprecated9 are the 9.x deprecations of the Elasticsearch privileges reference.
var deprecated9 = map[Kind]map[string]string{
	ClusterKind: deprecatedCluster,
	IndexKind: {
		"read_cross_cluster": "deprecated in the Elasticsearch source (no longer extended), use [read] or [view_index_metadata]",
	},
}

// deprecated8 are the 8.x deprecations of the Elasticsearch 8 privileges reference.
var deprecated8 = map[Kind]map[string]string{ClusterKind: deprecatedCluster}

var (
	spec9 = &catalogueSpec{flavour: "9", era: era9, clusterTSV: es95Cluster, indexTSV: es95Index,
		descriptions: descriptions9, deprecated: deprecated9}
	specServerless = &catalogueSpec{flavour: "serverless", era: era9, clusterTSV: es95Cluster, indexTSV: es95Index,
		descriptions: descriptions9, deprecated: deprecated9,
		unavailable: serverlessUnavailable, unavailableReason: "not available on Elastic Cloud Serverless"}
	spec8 = &catalogueSpec{flavour: "8", era: era8, clusterTSV: es819Cluster, indexTSV: es819Index,
		descriptions: descriptions8, deprecated: deprecated8}
	specShield2 = &catalogueSpec{flavour: "shield2", era: eraShield2, clusterTSV: shield2Cluster, indexTSV: shield2Index,
		descriptions: descriptionsShield2}
	specShield1 = &catalogueSpec{flavour: "shield1", era: eraShield1, clusterTSV: shield1Cluster, indexTSV: shield1Index,
		descriptions: descriptionsShield1}
)

var (
	es8        = sync.OnceValue(func() *Catalogue { return mustCatalogue(spec8) })
	serverless = sync.OnceValue(func() *Catalogue { return mustCatalogue(specServerless) })
	shield2    = sync.OnceValue(func() *Catalogue { return mustCatalogue(specShield2) })
	shield1    = sync.OnceValue(func() *Catalogue { return mustCatalogue(specShield1) })
)

// kindRows reads "kind<TAB>privilege[<TAB>text]" rows after a header line.
func kindRows(what, tsv string, cols int, row func(k Kind, name string, f []string) error) error {
	for i, line := range strings.Split(strings.TrimRight(tsv, "\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		if i == 0 || line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != cols {
			return fmt.Errorf("%s line %d: %d columns, want %d", what, i+1, len(f), cols)
		}
		var k Kind
		switch f[0] {
		case "cluster":
			k = ClusterKind
		case "index":
			k = IndexKind
		default:
			return fmt.Errorf("%s line %d: kind %q", what, i+1, f[0])
		}
		if err := row(k, f[1], f[2:]); err != nil {
			return fmt.Errorf("%s line %d: %w", what, i+1, err)
		}
	}
	return nil
}

// describe sets the descriptions; each must name a privilege of the catalogue.
func (c *Catalogue) describe(tsv string) error {
	if tsv == "" {
		return nil
	}
	return kindRows("descriptions", tsv, 3, func(k Kind, name string, f []string) error {
		e, ok := c.entry(k, name)
		if !ok {
			return fmt.Errorf("description of unknown %s privilege [%s]", k, name)
		}
		e.p.Description = f[0]
		return nil
	})
}

// withdraw removes the listed privileges from the lookups and remembers why.
func (c *Catalogue) withdraw(tsv, reason string) error {
	if tsv == "" {
		return nil
	}
	c.unavailable = map[Kind]map[string]string{ClusterKind: {}, IndexKind: {}}
	return kindRows("unavailable", tsv, 2, func(k Kind, name string, _ []string) error {
		if _, ok := c.entry(k, name); !ok {
			return fmt.Errorf("unknown %s privilege [%s] marked unavailable", k, name)
		}
		if k == IndexKind {
			delete(c.index, name)
		} else {
			delete(c.cluster, name)
		}
		c.unavailable[k][name] = reason
		return nil
	})
}
