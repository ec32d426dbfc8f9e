package proxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// scriptedConn returns its chunks one Read at a time, then err.
type scriptedConn struct {
	net.Conn
	chunks [][]byte
	err    error
	reads  int
}

func (c *scriptedConn) Read(p []byte) (int, error) {
	c.reads++
	if len(c.chunks) == 0 {
		return 0, c.err
	}
	n := copy(p, c.chunks[0])
	if n < len(c.chunks[0]) {
		c.chunks[0] = c.chunks[0][n:]
		return n, nil
	}
	c.chunks = c.chunks[1:]
	if len(c.chunks) == 0 && c.err != nil {
		return n, c.err
	}
	return n, nil
}

func TestReadAheadConnKeepsTheStream(t *testing.T) {
	first := []byte("GET /logs/_search HTTP/1.1\r\nHost: x\r\n\r\n")
	second := bytes.Repeat([]byte("b"), 3*readAheadSize)
	under := &scriptedConn{chunks: [][]byte{first, second}, err: io.EOF}
	c := &readAheadConn{Conn: under}

	// fasthttp's pattern: one byte alone, then its buffered reader fills itself.
	one := make([]byte, 1)
	if n, err := c.Read(one); n != 1 || err != nil || one[0] != 'G' {
		t.Fatalf("first byte: %d %v %q", n, err, one)
	}
	if c.held == nil || under.reads != 1 {
		t.Fatalf("the first read should have read ahead once: held %v, reads %d", c.held != nil, under.reads)
	}
	big := make([]byte, 16384)
	n, err := c.Read(big)
	if err != nil || !bytes.Equal(big[:n], first[1:]) {
		t.Fatalf("rest of the request: %q %v", big[:n], err)
	}
	if c.held != nil || under.reads != 1 {
		t.Fatalf("the drained buffer should be released without another read: held %v, reads %d", c.held != nil, under.reads)
	}

	// Large reads go straight through; the final error arrives with the last bytes.
	var got []byte
	for {
		n, err := c.Read(big)
		got = append(got, big[:n]...)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	if !bytes.Equal(got, second) {
		t.Fatalf("body: got %d bytes, want %d", len(got), len(second))
	}
}

func TestReadAheadConnSmallReadsAndErrors(t *testing.T) {
	boom := errors.New("reset")
	under := &scriptedConn{chunks: [][]byte{[]byte("abcdef")}, err: boom}
	c := &readAheadConn{Conn: under}
	var got []byte
	p := make([]byte, 2)
	var err error
	for err == nil {
		var n int
		n, err = c.Read(p)
		got = append(got, p[:n]...)
	}
	if string(got) != "abcdef" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v; want abcdef then the connection's error", got, err)
	}
	if under.reads != 1 {
		t.Fatalf("small reads should have been served from one read ahead, took %d", under.reads)
	}
	if n, err := c.Read(p); n != 0 || !errors.Is(err, boom) {
		t.Fatalf("after the error: %d %v", n, err)
	}
}

func TestReadAheadListenerWrapsOnlyTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			_, _ = c.Write([]byte("hello"))
			c.Close()
		}
	}()
	c, err := readAheadListener{Listener: ln}.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.(*readAheadConn); !ok {
		t.Fatalf("a TCP connection should be wrapped, got %T", c)
	}
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "hello" {
		t.Fatalf("%q %v", b, err)
	}

	pl := &pipeListener{conns: make(chan net.Conn, 1)}
	a, _ := net.Pipe()
	pl.conns <- a
	got, err := readAheadListener{Listener: pl}.Accept()
	if err != nil || got != a {
		t.Fatalf("any other connection (TLS, pipes) should pass unchanged: %T %v", got, err)
	}
}

type pipeListener struct {
	net.Listener
	conns chan net.Conn
}

func (l *pipeListener) Accept() (net.Conn, error) { return <-l.conns, nil }

// TestReadAheadOnTCP: on a real connection the one-byte read waits for the client,
// reads ahead what it sent, honours the read deadline, and reports the close.
func TestReadAheadOnTCP(t *testing.T) {
	c, client := acceptReadAhead(t)

	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	one := make([]byte, 1)
	if _, err := c.Read(one); !isTimeout(err) {
		t.Fatalf("nothing sent before the deadline: %v, want a timeout", err)
	}
	if c.held != nil {
		t.Fatal("a buffer is held after a read that found nothing")
	}
	_ = c.SetReadDeadline(time.Time{})

	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = client.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	}()
	if n, err := c.Read(one); n != 1 || err != nil || one[0] != 'G' {
		t.Fatalf("first byte: %d %v %q", n, err, one)
	}
	if c.held == nil || string(c.rest) != "ET / HTTP/1.1\r\n\r\n" {
		t.Fatalf("read ahead: %q", c.rest)
	}
	rest := make([]byte, 100)
	if n, _ := c.Read(rest); string(rest[:n]) != "ET / HTTP/1.1\r\n\r\n" || c.held != nil {
		t.Fatalf("rest: %q, held %v", rest[:n], c.held != nil)
	}
	client.Close()
	if n, err := c.Read(one); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("after the client closed: %d %v, want EOF", n, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// acceptReadAhead returns both ends of a loopback TCP connection accepted through
// readAheadListener, closed when the test ends.
func acceptReadAhead(t *testing.T) (*readAheadConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sc, err := readAheadListener{Listener: ln}.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	return sc.(*readAheadConn), client
}
