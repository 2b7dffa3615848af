//go:build !linux

package api

import (
	"errors"
	"net"
)

// peerCred is only implemented on Linux; elsewhere every API request is
// refused.
func peerCred(net.Conn) (peer, error) { return peer{}, errors.ErrUnsupported }
