package proxy

import (
	"net"
	"testing"
	"time"
)

// deadlineRecorder is a connection that records the deadlines set on it.
type deadlineRecorder struct {
	net.Conn
	read, write []time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error { d.read = append(d.read, t); return nil }
func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	d.write = append(d.write, t)
	return nil
}
func (d *deadlineRecorder) SetDeadline(t time.Time) error {
	d.read, d.write = append(d.read, t), append(d.write, t)
	return nil
}

func TestLazyDeadlines(t *testing.T) {
	rec := &deadlineRecorder{}
	c := newLazyConn(rec, 10*time.Second) // slack: 100ms
	base := time.Unix(1_800_000_000, 0)
	steps := []struct {
		at   time.Time
		sets bool
	}{
		{base, true},                              // the first deadline
		{base.Add(99 * time.Millisecond), false},  // later by less than the slack
		{base.Add(100 * time.Millisecond), true},  // later by the slack
		{base.Add(150 * time.Millisecond), false}, // within the slack of the one in force
		{base.Add(50 * time.Millisecond), true},   // earlier: always set
		{time.Time{}, true},                       // none: always set
		{base.Add(60 * time.Millisecond), true},   // after none
	}
	for i, s := range steps {
		before := len(rec.read)
		if err := c.SetReadDeadline(s.at); err != nil {
			t.Fatal(err)
		}
		if set := len(rec.read) > before; set != s.sets {
			t.Fatalf("step %d (%v): set %v, want %v", i, s.at, set, s.sets)
		}
		if s.sets && !rec.read[len(rec.read)-1].Equal(s.at) {
			t.Fatalf("step %d: set %v", i, rec.read[len(rec.read)-1])
		}
	}
	// SetDeadline sets both, and the write deadline is tracked on its own.
	if err := c.SetDeadline(base.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetWriteDeadline(base.Add(time.Second + time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetWriteDeadline(base.Add(900 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if len(rec.write) != 2 || !rec.write[1].Equal(base.Add(900*time.Millisecond)) {
		t.Fatalf("write deadlines set: %v", rec.write)
	}
}

// TestLazyDeadlineStillFires checks that a kept deadline ends a blocked read no later
// than the deadline asked for.
func TestLazyDeadlineStillFires(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := newLazyConn(a, 10*time.Second)
	first := time.Now().Add(200 * time.Millisecond)
	if err := c.SetReadDeadline(first); err != nil {
		t.Fatal(err)
	}
	asked := first.Add(50 * time.Millisecond) // kept: the first one stays in force
	if err := c.SetReadDeadline(asked); err != nil {
		t.Fatal(err)
	}
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("read: %v, want a timeout", err)
	}
	if now := time.Now(); now.After(asked.Add(time.Second)) {
		t.Fatalf("the read ended %v after the deadline asked for", now.Sub(asked))
	}
}
