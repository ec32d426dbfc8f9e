package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// cmdHealth asks a running esguard's admin listener whether it is up, for container
// health checks in images without a shell or curl: exit 0 on 200, 1 otherwise.
func cmdHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("health", stderr)
	url := fs.String("url", "http://127.0.0.1:9202/healthz", "admin endpoint to ask (/healthz or /readyz)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: esguard health [--url URL] [--timeout D]")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "esguard health: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "esguard health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "%d %s\n", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
