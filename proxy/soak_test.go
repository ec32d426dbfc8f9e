package proxy_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// soakDuration is how long TestSoak runs: ESGUARD_SOAK (a Go duration), else 60s.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("ESGUARD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("ESGUARD_SOAK: %v", err)
		}
		return d
	}
	return 60 * time.Second
}

// TestSoak runs mixed traffic against esguard while its configuration is reloaded
// (valid and invalid changes in turn) and one of its two nodes goes down and up
// again. The only errors allowed are the injected ones: writes that were on their way
// to the failing node get a 502 naming it. Heap and goroutines must stay flat.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	d := soakDuration(t)
	o, a, b := twoNodes(t, "")
	a.Discard()
	b.Discard()
	rolesOK := readerRoles + writerRoles
	rolesBad := rolesOK + "broken:\n  cluster: [no_such_privilege]\n"

	stop := make(chan struct{})
	var bg sync.WaitGroup
	var reloads, failedReloads, flaps atomic.Int64
	bg.Add(2)
	go func() { // reloads: a valid change, then an invalid one that must be kept out
		defer bg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				write(t, o.dir, "roles.yml", rolesOK)
				o.store.Reload()
				return
			case <-time.After(300 * time.Millisecond):
			}
			if i%2 == 0 {
				write(t, o.dir, "roles.yml", rolesOK+fmt.Sprintf("# revision %d\n", i))
				if ps := o.store.Reload(); ps.HasErrors() {
					t.Errorf("valid reload failed: %v", ps)
				}
				reloads.Add(1)
			} else {
				write(t, o.dir, "roles.yml", rolesBad)
				if ps := o.store.Reload(); !ps.HasErrors() {
					t.Error("an invalid roles file was accepted")
				}
				failedReloads.Add(1)
			}
		}
	}()
	go func() { // the flapping node
		defer bg.Done()
		for {
			select {
			case <-stop:
				_ = b.Start()
				return
			case <-time.After(700 * time.Millisecond):
			}
			b.Stop()
			select {
			case <-stop:
				_ = b.Start()
				return
			case <-time.After(700 * time.Millisecond):
			}
			if err := b.Start(); err != nil {
				t.Errorf("restart the node: %v", err)
			}
			flaps.Add(1)
		}
	}()

	type call struct {
		method, uri, user, body string
		ok                      func(status int, body string) bool
	}
	is := func(want int) func(int, string) bool { return func(s int, _ string) bool { return s == want } }
	writeOK := func(want int) func(int, string) bool {
		return func(s int, body string) bool {
			return s == want || (s == 502 && strings.Contains(body, "esguard_upstream_exception") && strings.Contains(body, b.URL))
		}
	}
	var seq atomic.Int64
	calls := []func() call{
		func() call { return call{"GET", "/logs-1/_search", "alice", "", is(200)} },
		func() call {
			return call{"POST", "/logs-*/_search", "alice", `{"query":{"match_all":{}}}`, is(200)}
		},
		func() call {
			return call{"PUT", fmt.Sprintf("/logs-1/_doc/%d", seq.Add(1)), "alice", `{"n":1}`, writeOK(201)}
		},
		func() call {
			return call{"POST", "/_bulk", "alice", "{\"index\":{\"_index\":\"logs-1\"}}\n{\"n\":1}\n{\"index\":{\"_index\":\"secret\"}}\n{\"n\":2}\n", writeOK(200)}
		},
		func() call { return call{"GET", "/secret/_search", "alice", "", is(403)} },
		func() call { return call{"GET", "/logs-1/_search", "mallory", "", is(401)} },
		func() call { return call{"GET", "/_no_such_endpoint/x/y", "alice", "", is(400)} },
	}

	var done, errs, injected atomic.Int64
	deadline := time.Now().Add(d)
	var workers sync.WaitGroup
	var warmHeap, warmGoroutines uint64
	var warmOnce sync.Once
	for w := range 6 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := w; time.Now().Before(deadline); i++ {
				c := calls[i%len(calls)]()
				status, body := o.sendAs(t, c.method, c.uri, c.user, c.body)
				done.Add(1)
				if status == 502 {
					injected.Add(1)
				}
				if !c.ok(status, body) && errs.Add(1) <= 10 {
					t.Errorf("%s %s as %s: %d %s", c.method, c.uri, c.user, status, body)
				}
				if w == 0 && time.Until(deadline) < 3*d/4 {
					warmOnce.Do(func() { warmHeap, warmGoroutines = heapAndGoroutines() })
				}
			}
		}()
	}
	workers.Wait()
	close(stop)
	bg.Wait()
	endHeap, endGoroutines := heapAndGoroutines()
	t.Logf("%d requests, %d unexpected answers, %d writes refused with 502 by the failing node, %d valid and %d invalid reloads, %d node restarts; heap %d KiB -> %d KiB, goroutines %d -> %d",
		done.Load(), errs.Load(), injected.Load(), reloads.Load(), failedReloads.Load(), flaps.Load(), warmHeap>>10, endHeap>>10, warmGoroutines, endGoroutines)
	if endHeap > warmHeap+warmHeap/2+8<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", warmHeap>>10, endHeap>>10)
	}
	if endGoroutines > warmGoroutines+20 {
		t.Errorf("goroutines grew from %d to %d", warmGoroutines, endGoroutines)
	}
	if reloads.Load() == 0 || failedReloads.Load() == 0 || flaps.Load() == 0 {
		t.Error("the soak did not exercise reloads and a flapping node")
	}
}

func heapAndGoroutines() (heap, goroutines uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, uint64(runtime.NumGoroutine())
}
