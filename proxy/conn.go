package proxy

import (
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// With ReduceMemoryUsage, fasthttp gives an idle connection's read buffer back to its
// pool and, when the next request arrives, reads its first byte alone before taking a
// buffer again: one more read(2) per request. readAheadListener keeps the memory saving
// and drops that system call: a one-byte read on a plain TCP connection reads whatever
// has arrived into a pooled buffer and hands the rest to the reads that follow. The
// buffer is taken only once bytes have arrived and goes back to the pool as soon as it
// has been drained, so an idle connection holds none.
//
// TLS connections are left alone: crypto/tls already reads whole records into a buffer
// of its own.

const (
	readAheadSize = 4096
	// readAheadBelow is the largest read served through the buffer; larger reads (the
	// server's buffered reader filling itself) go straight to the connection.
	readAheadBelow = 64
)

var readAheadPool = sync.Pool{New: func() any { b := make([]byte, readAheadSize); return &b }}

type readAheadListener struct {
	net.Listener
	// writeTimeout is the server's write timeout, which sets the slack of the
	// connections' write deadlines (lazyDeadline); zero sets every deadline.
	writeTimeout time.Duration
}

func (l readAheadListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		c := &readAheadConn{Conn: tc, tcp: tc, raw: rawConn(tc), write: lazyDeadline{slack: deadlineSlack(l.writeTimeout)}}
		c.fill = c.fillFD
		return c, nil
	}
	return c, err
}

// readAheadConn is a connection whose small reads are served from a pooled buffer.
// Only the goroutine serving the connection reads it, so the buffer needs no lock;
// Close, which may come from another goroutine, leaves the buffer to the collector
// rather than racing a read that still uses it.
type readAheadConn struct {
	net.Conn
	tcp  *net.TCPConn
	raw  syscall.RawConn // nil off Unix, where readAhead reads through the connection
	held *[]byte         // the pooled buffer, while it holds unread bytes
	rest []byte          // its unread bytes
	err  error           // the error that came with them, returned once they are read
	// fill is fillFD as a function value, made once per connection, and filled,
	// filledN and fillErr its results: raw.Read then allocates nothing per read.
	fill    func(fd uintptr) bool
	filled  *[]byte
	filledN int
	fillErr error
	// origin is the client's address as text, made once for the audit trail of
	// every request on the connection.
	origin string
	// auth remembers the credentials last verified on the connection.
	auth authMemo
	// read is the read deadline, which the server moves twice per request (idle
	// timeout, then read timeout); write is the write deadline, set before every
	// response.
	read  deferredDeadline
	write lazyDeadline
}

func (c *readAheadConn) SetReadDeadline(t time.Time) error {
	return c.read.update(t, c.Conn.SetReadDeadline)
}

func (c *readAheadConn) SetWriteDeadline(t time.Time) error {
	return c.write.set(t, c.Conn.SetWriteDeadline)
}

func (c *readAheadConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetDeadline(t); err != nil {
		return err
	}
	c.read.want, c.read.set, c.write.at = t, t, t
	return nil
}

// origin returns the client address of ctx's connection as text.
func origin(ctx *fasthttp.RequestCtx) string {
	if c, ok := ctx.Conn().(*readAheadConn); ok {
		if c.origin == "" {
			c.origin = c.RemoteAddr().String()
		}
		return c.origin
	}
	return ctx.RemoteAddr().String()
}

func (c *readAheadConn) Read(p []byte) (int, error) {
	if c.held != nil {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		if len(c.rest) > 0 {
			return n, nil
		}
		readAheadPool.Put(c.held)
		c.held, c.rest = nil, nil
		err := c.err
		c.err = nil
		return n, err
	}
	if len(p) >= readAheadBelow {
		for {
			n, err := c.Conn.Read(p)
			if n > 0 || !c.read.rearm(err, c.Conn.SetReadDeadline) {
				return n, err
			}
		}
	}
	buf, n, err := c.readAhead()
	for n == 0 && c.read.rearm(err, c.Conn.SetReadDeadline) {
		readAheadPool.Put(buf)
		buf, n, err = c.readAhead()
	}
	if n <= len(p) {
		copy(p, (*buf)[:n])
		readAheadPool.Put(buf)
		return n, err
	}
	copy(p, (*buf)[:len(p)])
	c.held, c.rest, c.err = buf, (*buf)[len(p):n], err
	return len(p), nil
}

// ReadFrom keeps the TCP connection's own ReadFrom, which the server's buffered writer
// uses for streamed response bodies: it copies 32 KB at a time where the writer would
// copy 4 KB. (WriteTo is not passed on: it would read past the buffered bytes.)
func (c *readAheadConn) ReadFrom(r io.Reader) (int64, error) { return c.tcp.ReadFrom(r) }

// readAhead reads what has arrived into a pooled buffer. Through the raw connection the
// buffer is taken only when the socket has bytes to give: a connection waiting for its
// next request holds none.
func (c *readAheadConn) readAhead() (*[]byte, int, error) {
	if c.raw == nil {
		buf := readAheadPool.Get().(*[]byte)
		n, err := c.Conn.Read(*buf)
		return buf, n, err
	}
	c.filled, c.filledN, c.fillErr = nil, 0, nil
	err := c.raw.Read(c.fill)
	buf, n, rerr := c.filled, c.filledN, c.fillErr
	c.filled, c.fillErr = nil, nil
	if err == nil && rerr != nil {
		err = rerr
	}
	if buf == nil {
		buf = readAheadPool.Get().(*[]byte)
	}
	switch {
	case err != nil:
		n = 0
		err = &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	case n == 0:
		err = io.EOF
	case n < 0:
		n = 0
	}
	return buf, n, err
}

// fillFD reads what the socket holds into a pooled buffer (readAhead, through
// raw.Read). It reports false, keeping no buffer, when nothing has arrived yet.
func (c *readAheadConn) fillFD(fd uintptr) bool {
	b := readAheadPool.Get().(*[]byte)
	var (
		n   int
		err error
	)
	for {
		n, err = readFD(fd, *b)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.EAGAIN {
		readAheadPool.Put(b)
		return false // wait until the socket is readable
	}
	c.filled, c.filledN, c.fillErr = b, n, err
	return true
}
