// Command tapewarden runs the tapewarden daemon and talks to it.
//
// `tapewarden daemon` runs the service; every other subcommand is a client
// of its API on a unix socket, except the offline commands noted in their
// help. Exit status: 0 success, 1 refused or failed, 2 usage or
// configuration error, 3 daemon unreachable.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/config"
)

// Exit codes scripts can rely on.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitUnreachable = 3
)

// usageError is a mistake on the command line or in the configuration.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// failedError is a command that ran and reports failure without an API
// error (a broken audit chain, an error-level policy finding).
type failedError struct{ msg string }

func (e failedError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.Is(err, config.ErrConfig):
		return exitUsage
	case errors.Is(err, client.ErrUnreachable):
		return exitUnreachable
	}
	return exitFailed
}

func main() {
	root := newRootCommand(os.Stdout, os.Stderr)
	err := root.Execute()
	if err != nil {
		var denied *client.DeniedError
		if errors.As(err, &denied) {
			err = deniedError(denied.Socket)
		}
		// The daemon's words may carry what a person typed: print them
		// escaped, like everything else from the daemon.
		fmt.Fprintf(os.Stderr, "tapewarden: %s\n", escapeText(err.Error(), true))
	}
	os.Exit(exitCode(err))
}
