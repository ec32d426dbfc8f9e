package proxy

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
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
