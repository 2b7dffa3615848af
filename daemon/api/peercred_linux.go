package api

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerCred reads the kernel's record of who is on the other end of a unix
// socket connection.
func peerCred(c net.Conn) (peer, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return peer{}, fmt.Errorf("not a unix socket connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return peer{}, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return peer{}, err
	}
	if credErr != nil {
		return peer{}, fmt.Errorf("read peer credentials: %w", credErr)
	}
	return peer{UID: int(cred.Uid), GID: int(cred.Gid), Known: true}, nil
}
