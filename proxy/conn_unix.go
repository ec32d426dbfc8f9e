//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// rawConn returns the connection's raw descriptor access, for readAhead.
func rawConn(tc *net.TCPConn) syscall.RawConn {
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

func readFD(fd uintptr, p []byte) (int, error) { return syscall.Read(int(fd), p) }
