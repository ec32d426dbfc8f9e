package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAuditReopen rotates the audit file under concurrent writes: every event lands
// in exactly one of the two files, and events after Reopen go to the new file.
func TestAuditReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	const writers, each = 4, 200
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				a.write(&auditEvent{action: eventAccessGranted, user: "alice", requestID: "r"})
			}
		})
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Reopen(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	a.write(&auditEvent{action: eventAccessDenied, user: "bob", requestID: "last"})
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}

	rotated, _ := os.ReadFile(path + ".1")
	current, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(rotated, []byte("\n")) + bytes.Count(current, []byte("\n")); n != writers*each+1 {
		t.Errorf("%d events in the two files, want %d", n, writers*each+1)
	}
	if !bytes.Contains(current, []byte(`"request.id":"last"`)) || bytes.Contains(rotated, []byte(`"request.id":"last"`)) {
		t.Error("the event written after Reopen is not in the new file only")
	}
}

// TestAuditCloseLosesNothing writes from several goroutines while batches are being
// flushed, then closes: every event is in the file, each goroutine's in the order it
// wrote them, and none was counted as dropped.
func TestAuditCloseLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 3000 // several full batches
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				a.write(&auditEvent{action: eventAccessGranted, user: fmt.Sprintf("w%d", w), requestID: strconv.Itoa(i)})
			}
		})
	}
	wg.Wait()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]int{}
	for line := range bytes.SplitSeq(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var ev struct {
			User string `json:"user.name"`
			ID   string `json:"request.id"`
		}
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		if ev.ID != strconv.Itoa(next[ev.User]) {
			t.Fatalf("%s: event %s after %d", ev.User, ev.ID, next[ev.User])
		}
		next[ev.User]++
	}
	for w := range writers {
		if n := next[fmt.Sprintf("w%d", w)]; n != each {
			t.Errorf("w%d: %d events in the file, want %d", w, n, each)
		}
	}
	if d := a.Dropped(); d != 0 {
		t.Errorf("Dropped = %d", d)
	}
}

// TestAuditBatchReachesFileWithoutFlush writes one event and nothing else: the writer
// flushes it on its own.
func TestAuditBatchReachesFileWithoutFlush(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	a.write(&auditEvent{action: eventAccessGranted, requestID: "alone"})
	for range 1000 {
		if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(`"alone"`)) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the event never reached the file")
}

// countingWriter counts the writes that reach a file.
type countingWriter struct {
	f      *os.File
	writes atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.f.Write(p)
}

// BenchmarkAuditWrite writes access_granted events to a file from parallel requests,
// back to back (saturated) or between about 20 µs of other work per request (paced, as
// under a steady load), and reports the destination's writes per event.
func BenchmarkAuditWrite(b *testing.B) {
	ev := &auditEvent{action: eventAccessGranted, user: "bench", realm: "default_file", roles: []string{"bench_role_03", "bench_role_06"},
		authType: "REALM", origin: "127.0.0.1:50000", path: "/_bulk", method: "POST", esAction: "indices:data/write/bulk",
		indices: []string{"logs-2026.01.01", "logs-2026.01.02"}, requestID: "0123456789abcdef"}
	for _, tc := range []struct {
		name string
		work int
	}{{"saturated", 0}, {"paced", 20000}} {
		b.Run(tc.name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "audit.log"))
			if err != nil {
				b.Fatal(err)
			}
			w := &countingWriter{f: f}
			a := newQueuedAudit(w, "")
			var sink atomic.Uint64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				x := uint64(1)
				for pb.Next() {
					for range tc.work { // stands for the rest of a request
						x = x*6364136223846793005 + 1442695040888963407
					}
					a.write(ev)
				}
				sink.Add(x)
			})
			b.StopTimer()
			if err := a.Close(); err != nil {
				b.Fatal(err)
			}
			if d := a.Dropped(); d != 0 {
				b.Fatalf("%d events dropped", d)
			}
			b.ReportMetric(float64(w.writes.Load())/float64(b.N), "writes/event")
			_ = f.Close()
		})
	}
}

// TestAuditTimestamps: events of one millisecond share its @timestamp, and the next
// millisecond gets its own, in UTC.
func TestAuditTimestamps(t *testing.T) {
	var out bytes.Buffer
	a := NewAudit(&out)
	base := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.FixedZone("CET", 3600))
	for _, d := range []time.Duration{0, 400 * time.Microsecond, 999 * time.Microsecond, time.Millisecond, 1500 * time.Millisecond, 0} {
		a.now = func() time.Time { return base.Add(d) }
		a.write(&auditEvent{action: eventAccessGranted, requestID: "r"})
	}
	var got []string
	for line := range strings.Lines(out.String()) {
		var ev struct {
			Timestamp string `json:"@timestamp"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Timestamp)
	}
	want := []string{"2026-03-04T04:06:07.008Z", "2026-03-04T04:06:07.008Z", "2026-03-04T04:06:07.008Z",
		"2026-03-04T04:06:07.009Z", "2026-03-04T04:06:08.508Z", "2026-03-04T04:06:07.008Z"}
	if !slices.Equal(got, want) {
		t.Errorf("timestamps\n got %q\nwant %q", got, want)
	}
}
