package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/esguard/esguard/config"
)

// flavourOpaqueID marks esguard's flavour detection requests in the cluster's logs.
const flavourOpaqueID = "esguard-flavor"

// DetectFlavour asks the cluster's nodes, in order, for GET / with esguard's upstream
// credentials, and returns the first answer's version. It is config.Options.Detect for
// flavor: auto. Plain net/http is used rather than the Elasticsearch client, which
// refuses clusters older than 7.14 (they send no X-Elastic-Product header).
func DetectFlavour(ctx context.Context, p config.Probe) (config.ClusterInfo, error) {
	dialer := &net.Dialer{Timeout: p.Upstream.ConnectTimeout.Or(5 * time.Second)}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, TLSClientConfig: p.TLS, DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	auth := p.Upstream.Authorization()
	var errs []error
	for _, node := range p.Upstream.Nodes {
		info, err := mainInfo(ctx, client, strings.TrimSuffix(node, "/")+"/", auth)
		if err == nil {
			return info, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", node, err))
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return config.ClusterInfo{}, errors.New("no upstream nodes")
	}
	return config.ClusterInfo{}, errors.Join(errs...)
}

// mainInfo reads one node's GET / answer.
func mainInfo(ctx context.Context, client *http.Client, url, auth string) (config.ClusterInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return config.ClusterInfo{}, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("X-Opaque-Id", flavourOpaqueID)
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return config.ClusterInfo{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return config.ClusterInfo{}, err
	}
	if res.StatusCode != http.StatusOK {
		return config.ClusterInfo{}, fmt.Errorf("GET / answered %d: %s", res.StatusCode, truncate(body, 200))
	}
	var main struct {
		Version struct {
			Number       string `json:"number"`
			BuildFlavor  string `json:"build_flavor"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	if err := json.Unmarshal(body, &main); err != nil {
		return config.ClusterInfo{}, fmt.Errorf("GET / answered something other than a JSON object: %w", err)
	}
	if main.Version.Number == "" {
		return config.ClusterInfo{}, errors.New("GET / answered without version.number")
	}
	return config.ClusterInfo{Number: main.Version.Number, BuildFlavor: main.Version.BuildFlavor, Distribution: main.Version.Distribution}, nil
}
