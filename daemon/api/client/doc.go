// Package client is the daemon's API as Go methods: one method per
// endpoint, each with the request and answer types of daemon/api and the
// packages those name. The command line and the tests talk to the daemon
// through it; nothing else builds a /v1/... path.
//
// A refusal by the daemon is an *Error carrying its message, its stable
// kind and the HTTP status; a daemon that does not answer is an error for
// which errors.Is(err, ErrUnreachable) holds.
package client
