package proxy

import (
	"io"
	"net"
	"os"
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

func TestDeferredDeadlineUpdates(t *testing.T) {
	rec := &deadlineRecorder{}
	var d deferredDeadline
	base := time.Unix(1_800_000_000, 0)
	steps := []struct {
		at   time.Time
		sets bool
	}{
		{time.Time{}, false},                 // none, and none in force
		{base.Add(60 * time.Second), true},   // the first deadline
		{base.Add(120 * time.Second), false}, // later: deferred
		{base.Add(61 * time.Second), false},  // later than the one in force
		{base.Add(30 * time.Second), true},   // earlier: set
		{base.Add(30 * time.Second), false},  // the one in force
		{time.Time{}, true},                  // none: cleared
		{base.Add(500 * time.Second), true},  // after none
		{base.Add(-time.Hour), true},         // in the past, earlier: set
	}
	for i, s := range steps {
		before := len(rec.read)
		if err := d.update(s.at, rec.SetReadDeadline); err != nil {
			t.Fatal(err)
		}
		if set := len(rec.read) > before; set != s.sets {
			t.Fatalf("step %d (%v): set %v, want %v", i, s.at, set, s.sets)
		}
		if !d.want.Equal(s.at) || (s.sets && !rec.read[len(rec.read)-1].Equal(s.at)) {
			t.Fatalf("step %d: want %v, in force %v", i, d.want, d.set)
		}
	}
	// A deadline that fired when the one asked for is in force, or has passed, or
	// for another error, is not rearmed.
	if d.rearm(os.ErrDeadlineExceeded, rec.SetReadDeadline) {
		t.Fatal("rearmed the deadline asked for")
	}
	_ = d.update(time.Now().Add(-time.Second), rec.SetReadDeadline)
	d.want = time.Now().Add(-time.Millisecond)
	if d.rearm(os.ErrDeadlineExceeded, rec.SetReadDeadline) {
		t.Fatal("rearmed a deadline that has passed")
	}
	d.want = time.Now().Add(time.Hour)
	if d.rearm(io.EOF, rec.SetReadDeadline) {
		t.Fatal("rearmed after an error that is no timeout")
	}
	if !d.rearm(&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, rec.SetReadDeadline) || !d.set.Equal(d.want) {
		t.Fatal("a deadline that fired early was not rearmed")
	}
}

// TestDeferredReadDeadlineOnTCP: on a server connection, a read deadline pushed later
// neither ends a read early nor lets it run past the later deadline, for the one-byte
// reads served through the read-ahead buffer and for large ones.
func TestDeferredReadDeadlineOnTCP(t *testing.T) {
	c, client := acceptReadAhead(t)
	for _, size := range []int{1, 2 * readAheadBelow} {
		// The first deadline fires at 50ms, while the read waits; the data comes at
		// 150ms, before the later deadline.
		if err := c.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if err := c.SetReadDeadline(time.Now().Add(400 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(150 * time.Millisecond)
			_, _ = client.Write([]byte("x"))
		}()
		if n, err := c.Read(make([]byte, size)); n != 1 || err != nil {
			t.Fatalf("read of %d: %d %v, want the byte sent before the later deadline", size, n, err)
		}
		// Nothing comes: the read ends at the later deadline, not at the earlier one.
		start := time.Now()
		_ = c.SetReadDeadline(start.Add(50 * time.Millisecond))
		asked := start.Add(200 * time.Millisecond)
		_ = c.SetReadDeadline(asked)
		_, err := c.Read(make([]byte, size))
		if !isTimeout(err) {
			t.Fatalf("read of %d: %v, want a timeout", size, err)
		}
		if now := time.Now(); now.Before(asked) || now.After(asked.Add(time.Second)) {
			t.Fatalf("read of %d ended %v after the deadline asked for", size, now.Sub(asked))
		}
		if c.held != nil {
			t.Fatal("a buffer is held after a read that found nothing")
		}
	}
}
