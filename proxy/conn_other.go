//go:build !unix

package proxy

import (
	"net"
	"syscall"
)

// rawConn is nil: readAhead reads through the connection, holding a buffer while it waits.
func rawConn(*net.TCPConn) syscall.RawConn { return nil }

func readFD(uintptr, []byte) (int, error) { return 0, syscall.EINVAL }
