package config

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/esguard/esguard/privileges"
	"github.com/esguard/esguard/routes"
)

// Options tune Load.
type Options struct {
	// Flavor, when set, replaces the configuration's flavor (validate --flavor).
	Flavor string
	// Detect resolves flavor: auto by asking the cluster. When it is nil, auto is
	// checked against the newest flavour and the snapshot says so in FlavorSource.
	Detect func(context.Context, Probe) (ClusterInfo, error)
	// DetectWait is how long the first load keeps asking a cluster that does not answer
	// yet, one attempt a second, before flavor: auto fails; reloads ask once.
	DetectWait time.Duration
	// DetectFailed, when set, hears about every failed attempt.
	DetectFailed func(error)
}

// Probe is what a flavour detector needs to reach the cluster.
type Probe struct {
	Upstream Upstream
	// TLS is the client configuration for https nodes, nil for http ones.
	TLS *tls.Config
}

// ClusterInfo is the part of the cluster's GET / answer that chooses a flavour.
type ClusterInfo struct {
	Number       string // version.number, e.g. 8.19.2
	BuildFlavor  string // version.build_flavor: default, oss or serverless
	Distribution string // version.distribution: opensearch for OpenSearch
}

// FlavourOf chooses the flavour of a cluster from its GET / answer: build_flavor
// serverless is serverless; otherwise the major version decides (1: shield1, 2:
// shield2, 8: 8, 9: 9). Versions esguard has no privilege model for are an error
// rather than a guess.
func FlavourOf(info ClusterInfo) (string, error) {
	if info.Distribution != "" && info.Distribution != "elasticsearch" {
		return "", fmt.Errorf("the cluster reports distribution [%s], not Elasticsearch; set flavor to the Elasticsearch model its roles follow", info.Distribution)
	}
	if info.BuildFlavor == "serverless" {
		return "serverless", nil
	}
	major, _, _ := strings.Cut(info.Number, ".")
	n, err := strconv.Atoi(major)
	if err != nil || info.Number == "" {
		return "", fmt.Errorf("the cluster reports version [%s], which is not a version number", info.Number)
	}
	switch n {
	case 1:
		return "shield1", nil
	case 2:
		return "shield2", nil
	case 8:
		return "8", nil
	case 9:
		return "9", nil
	}
	return "", fmt.Errorf("the cluster runs Elasticsearch %s, for which esguard has no privilege model (it has 1.x, 2.x, 8.x, 9.x and serverless); set flavor explicitly to the closest one", info.Number)
}

// Describe says where a flavour came from, for the log and /readyz.
func (i ClusterInfo) Describe() string {
	if i.BuildFlavor == "serverless" {
		return "detected: Elasticsearch serverless " + i.Number
	}
	return "detected: Elasticsearch " + i.Number
}

// detectTimeout bounds one flavour detection.
func detectTimeout(u Upstream) time.Duration {
	return u.ConnectTimeout.Or(5*time.Second) + 5*time.Second
}

// resolveFlavour sets the snapshot's flavour, catalogue and route table: the flavour
// of Options.Flavor or of the configuration, and for auto the one the cluster reports.
// When detection fails on reload, the flavour detected before stays, with a warning;
// at start it is an error.
func resolveFlavour(c collector, cfg *Config, at func(string) int, s *Snapshot, prev *Snapshot) bool {
	flavour, source := cfg.Flavor, "configured"
	if s.opts.Flavor != "" {
		flavour, source = s.opts.Flavor, "chosen with --flavor"
	}
	if flavour == "auto" {
		if s.opts.Detect == nil || c.ps.HasErrors() {
			flavour, source = privileges.Flavours[0], "unchecked: flavor auto, read as the newest flavour without asking the cluster"
		} else {
			var info ClusterInfo
			var err error
			info, flavour, err = detect(s.opts, Probe{Upstream: cfg.Upstream, TLS: s.UpstreamTLS}, prev == nil)
			switch {
			case err == nil:
				s.Cluster, source = info, info.Describe()
			case prev != nil && prev.Cluster.Number != "":
				flavour, s.Cluster = prev.Flavor, prev.Cluster
				source = "kept: " + strings.TrimPrefix(prev.Cluster.Describe(), "detected: ")
				c.warnf(at("flavor"), "flavor auto: cannot detect the cluster's flavour (%v); keeping [%s]", err, flavour)
			default:
				c.errorf(at("flavor"), "flavor auto: cannot detect the cluster's flavour: %v", err)
				return false
			}
		}
	}
	cat, err := privileges.CatalogueFor(flavour)
	if err == nil {
		s.Routes, err = routes.ForFlavour(flavour)
	}
	if err != nil {
		c.errorf(at("flavor"), "flavor [%s] is not supported (supported: auto, %s)", flavour, strings.Join(supportedFlavours(), ", "))
		return false
	}
	s.Flavor, s.FlavorSource, s.Catalogue = flavour, source, cat
	return true
}

// supportedFlavours lists the flavours with both a catalogue and a route table.
func supportedFlavours() []string {
	var out []string
	for _, f := range privileges.Flavours {
		if _, err := privileges.CatalogueFor(f); err != nil {
			continue
		}
		if _, err := routes.ForFlavour(f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// Authorization is the Authorization header esguard sends upstream, or "".
func (u Upstream) Authorization() string {
	switch {
	case u.APIKey != "":
		return "ApiKey " + u.APIKey
	case u.Username != "":
		return "Basic " + basicToken(u.Username, u.Password)
	}
	return ""
}

// detect asks the cluster for its flavour, retrying for opts.DetectWait when first is
// set. An answer that names no supported flavour is final.
func detect(opts Options, p Probe, first bool) (ClusterInfo, string, error) {
	deadline := time.Now().Add(opts.DetectWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), detectTimeout(p.Upstream))
		info, err := opts.Detect(ctx, p)
		cancel()
		if err == nil {
			flavour, err := FlavourOf(info)
			return info, flavour, err
		}
		if opts.DetectFailed != nil {
			opts.DetectFailed(err)
		}
		if !first || time.Now().Add(time.Second).After(deadline) {
			return info, "", err
		}
		time.Sleep(time.Second)
	}
}
