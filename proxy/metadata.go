package proxy

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/esguard/esguard/config"
	"github.com/esguard/esguard/privileges"
	"github.com/rs/zerolog"
)

// MetadataCache holds the cluster's index, alias and data stream names, fetched with
// esguard's own upstream credentials and refreshed in the background. When a refresh
// fails, the last good copy stays in use.
type MetadataCache struct {
	es       *elasticsearch.Client
	interval time.Duration
	log      zerolog.Logger

	current atomic.Pointer[metadataState]
	kick    chan struct{}
	mu      sync.Mutex // serializes fetches
	// catAPIs reports whether the cluster predates GET /_resolve/index (Elasticsearch
	// 1.x and 2.x), whose names come from the _cat APIs instead; nil means it does not.
	catAPIs func() bool
	gen     atomic.Uint64
}

type metadataState struct {
	md      *privileges.Metadata
	fetched time.Time
}

// metadataOpaqueID marks esguard's own metadata requests in the cluster's task list and
// slow logs.
const metadataOpaqueID = "esguard-metadata"

// metadataTimeout bounds one fetch.
const metadataTimeout = 10 * time.Second

// NewMetadataCache builds the cache for the upstream cluster, reached with tlsConf when
// its nodes are https; nothing is fetched until Refresh or Run.
func NewMetadataCache(up config.Upstream, tlsConf *tls.Config, log zerolog.Logger) (*MetadataCache, error) {
	es, err := newClusterClient(up, tlsConf, metadataTimeout, 2)
	if err != nil {
		return nil, fmt.Errorf("proxy: metadata client: %w", err)
	}
	return &MetadataCache{
		es:       es,
		interval: up.MetadataRefresh.Or(30 * time.Second),
		log:      log,
		kick:     make(chan struct{}, 1),
	}, nil
}

// Get returns the current metadata, or nil when none has been fetched yet.
func (c *MetadataCache) Get() *privileges.Metadata {
	if c == nil {
		return nil
	}
	if s := c.current.Load(); s != nil {
		return s.md
	}
	return nil
}

// Fetched returns when the current metadata was fetched (zero when never).
func (c *MetadataCache) Fetched() time.Time {
	if s := c.current.Load(); s != nil {
		return s.fetched
	}
	return time.Time{}
}

// Refresh fetches the metadata now. Concurrent callers share one fetch: a caller that
// waited for a fetch which started after it called does not fetch again.
func (c *MetadataCache) Refresh(ctx context.Context) error {
	if c == nil {
		return errNoMetadata
	}
	start := c.gen.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	done := start + 2 // gen is odd while a fetch runs: one that began after this call
	if start%2 == 1 { // has completed once gen reaches done
		done++
	}
	if c.gen.Load() >= done {
		return nil
	}
	c.gen.Add(1)
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	md, err := c.fetch(ctx)
	c.gen.Add(1)
	if err != nil {
		return err
	}
	c.current.Store(&metadataState{md: md, fetched: time.Now()})
	return nil
}

// missRefreshInterval bounds how often a request that names an unknown index may
// trigger a refresh, so that clients cannot turn refused writes into a stream of
// metadata requests to the cluster.
const missRefreshInterval = 2 * time.Second

// RefreshOnMiss refreshes the metadata for a request that names an index the current
// copy does not know, unless the copy is younger than missRefreshInterval.
func (c *MetadataCache) RefreshOnMiss(ctx context.Context) error {
	if c == nil {
		return errNoMetadata
	}
	if time.Since(c.Fetched()) < missRefreshInterval {
		return errors.New("cluster metadata is fresh")
	}
	return c.Refresh(ctx)
}

// Invalidate asks the background loop for a refresh soon.
func (c *MetadataCache) Invalidate() {
	if c == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Run refreshes the metadata every interval, and when invalidated, until ctx ends. After
// a failure it retries sooner (from 1s, doubling up to the interval), keeping the last
// good copy.
func (c *MetadataCache) Run(ctx context.Context) {
	wait := time.Duration(0)
	backoff := time.Second
	for {
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-c.kick:
			timer.Stop()
		}
		if err := c.Refresh(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			c.log.Warn().Err(err).Dur("retry_in", backoff).Msg("cluster metadata refresh failed; keeping the last good copy")
			wait = backoff
			backoff = min(backoff*2, c.interval)
			continue
		}
		wait, backoff = c.interval, time.Second
	}
}

// resolveResponse is the answer of GET /_resolve/index/*.
type resolveResponse struct {
	Indices []struct {
		Name       string   `json:"name"`
		Aliases    []string `json:"aliases"`
		Attributes []string `json:"attributes"`
		DataStream string   `json:"data_stream"`
	} `json:"indices"`
	Aliases []struct {
		Name    string   `json:"name"`
		Indices []string `json:"indices"`
	} `json:"aliases"`
	DataStreams []struct {
		Name           string   `json:"name"`
		BackingIndices []string `json:"backing_indices"`
		FailureIndices []string `json:"failure_indices"`
	} `json:"data_streams"`
}

// fetch reads every name (expand_wildcards=all), then the visible ones
// (expand_wildcards=open,closed): an alias or data stream missing from the second answer
// is hidden (the resolve API reports the hidden attribute for indices only).
func (c *MetadataCache) fetch(ctx context.Context) (*privileges.Metadata, error) {
	if c.catAPIs != nil && c.catAPIs() {
		return c.fetchCat(ctx)
	}
	all, err := c.resolve(ctx, "all")
	if err != nil {
		return nil, err
	}
	visible, err := c.resolve(ctx, "open,closed")
	if err != nil {
		return nil, err
	}
	shown := map[string]bool{}
	for _, a := range visible.Aliases {
		shown[a.Name] = true
	}
	for _, d := range visible.DataStreams {
		shown[d.Name] = true
	}
	indices := make([]privileges.IndexMeta, 0, len(all.Indices))
	for _, ix := range all.Indices {
		m := privileges.IndexMeta{Name: ix.Name, Aliases: ix.Aliases, DataStream: ix.DataStream}
		m.Hidden = slices.Contains(ix.Attributes, "hidden")
		m.Closed = slices.Contains(ix.Attributes, "closed")
		m.System = slices.Contains(ix.Attributes, "system")
		indices = append(indices, m)
	}
	aliases := make([]privileges.AliasMeta, 0, len(all.Aliases))
	for _, a := range all.Aliases {
		aliases = append(aliases, privileges.AliasMeta{Name: a.Name, Indices: a.Indices, Hidden: !shown[a.Name]})
	}
	streams := make([]privileges.DataStreamMeta, 0, len(all.DataStreams))
	for _, d := range all.DataStreams {
		streams = append(streams, privileges.DataStreamMeta{Name: d.Name, BackingIndices: d.BackingIndices, FailureIndices: d.FailureIndices, Hidden: !shown[d.Name]})
	}
	return privileges.NewMetadata(indices, aliases, streams), nil
}

func (c *MetadataCache) resolve(ctx context.Context, expand string) (*resolveResponse, error) {
	api := c.es.Indices.ResolveIndex
	res, err := api([]string{"*"}, api.WithContext(ctx), api.WithExpandWildcards(expand), api.WithOpaqueID(metadataOpaqueID))
	if err != nil {
		return nil, fmt.Errorf("resolve index: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("resolve index: %w", err)
	}
	if res.IsError() {
		return nil, fmt.Errorf("resolve index: status %d: %s", res.StatusCode, truncate(body, 300))
	}
	var r resolveResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("resolve index: %w", err)
	}
	return &r, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// errNoMetadata is returned when a request needs the cluster's names and none have been
// fetched yet.
var errNoMetadata = errors.New("cluster metadata is not available yet")

// newClusterClient builds the client of esguard's own requests to the cluster, with its
// upstream credentials and TLS configuration (tlsConf, for https nodes): answers within
// timeout, at most idle idle connections per node, and 502/503/504 retried on the other
// nodes. Every request it retries is idempotent or made so by its caller (creates use
// op_type=create, updates if_seq_no).
func newClusterClient(up config.Upstream, tlsConf *tls.Config, timeout time.Duration, idle int) (*elasticsearch.Client, error) {
	connectTimeout := up.ConnectTimeout.Or(5 * time.Second)
	dialer := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	return elasticsearch.NewClient(elasticsearch.Config{
		Addresses: up.Nodes,
		Username:  up.Username,
		Password:  up.Password,
		APIKey:    up.APIKey,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   idle,
			IdleConnTimeout:       90 * time.Second,
			TLSClientConfig:       tlsConf,
			TLSHandshakeTimeout:   connectTimeout,
		},
		MaxRetries:    len(up.Nodes),
		RetryOnStatus: []int{502, 503, 504},
	})
}

// catIndex and catAlias are rows of GET /_cat/indices and GET /_cat/aliases in JSON.
type catIndex struct {
	Index  string `json:"index"`
	Status string `json:"status"`
}

type catAlias struct {
	Alias string `json:"alias"`
	Index string `json:"index"`
}

// fetchCat reads the names of a 1.x or 2.x cluster, which has neither hidden indices nor
// data streams: GET /_cat/indices and GET /_cat/aliases in JSON. The requests go through
// the client's transport, without the product check of clusters from 7.14 on.
func (c *MetadataCache) fetchCat(ctx context.Context) (*privileges.Metadata, error) {
	var rows []catIndex
	if err := c.getJSON(ctx, "/_cat/indices?format=json&h=index,status&expand_wildcards=all", &rows); err != nil {
		return nil, err
	}
	var links []catAlias
	if err := c.getJSON(ctx, "/_cat/aliases?format=json&h=alias,index", &links); err != nil {
		return nil, err
	}
	byIndex := map[string][]string{}
	byAlias := map[string][]string{}
	var order []string
	for _, l := range links {
		if _, seen := byAlias[l.Alias]; !seen {
			order = append(order, l.Alias)
		}
		byAlias[l.Alias] = append(byAlias[l.Alias], l.Index)
		byIndex[l.Index] = append(byIndex[l.Index], l.Alias)
	}
	indices := make([]privileges.IndexMeta, 0, len(rows))
	for _, r := range rows {
		indices = append(indices, privileges.IndexMeta{Name: r.Index, Aliases: byIndex[r.Index], Closed: r.Status == "close"})
	}
	aliases := make([]privileges.AliasMeta, 0, len(order))
	for _, a := range order {
		aliases = append(aliases, privileges.AliasMeta{Name: a, Indices: byAlias[a]})
	}
	return privileges.NewMetadata(indices, aliases, nil), nil
}

// getJSON GETs path from the cluster and decodes the JSON answer into v.
func (c *MetadataCache) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Opaque-Id", metadataOpaqueID)
	req.Header.Set("Accept", "application/json")
	res, err := c.es.Transport.Perform(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %s", path, res.StatusCode, truncate(body, 300))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}
