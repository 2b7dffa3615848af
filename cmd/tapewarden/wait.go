package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tapewarden/tapewarden/daemon/api/client"
)

// How --wait follows work in the daemon: it asks every pollEvery, and
// waits up to unreachableFor for a daemon that stopped answering (a
// restart) before it gives up.
var (
	pollEvery      = time.Second
	unreachableFor = 5 * time.Minute
)

// errStoppedWaiting is Ctrl-C during --wait: the work goes on in the
// daemon; only the waiting stopped.
var errStoppedWaiting = errors.New("stopped waiting")

// follow asks the daemon by poll until finished says the answer is final,
// and returns that answer. A daemon that stops answering (restarting) is
// waited for, with a message; Ctrl-C (or SIGTERM) stops the waiting, not
// the work, and says how to follow it (how).
func follow[T any](ctx context.Context, a *app, what, how string, poll func(ctx context.Context) (T, error), finished func(T) bool) (T, error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var lost time.Time
	for {
		v, err := poll(ctx)
		switch {
		case ctx.Err() != nil:
			return v, failedError{fmt.Sprintf("%v for %s; it goes on in the daemon: %s", errStoppedWaiting, what, how)}
		case errors.Is(err, client.ErrUnreachable):
			if lost.IsZero() {
				lost = time.Now()
				fmt.Fprintf(a.errOut, "tapewarden: the daemon stopped answering while %s was going on; waiting up to %s for it to come back (%v)\n", what, unreachableFor, err)
			} else if time.Since(lost) > unreachableFor {
				return v, fmt.Errorf("the daemon has not answered for %s; %s may have been stopped by the restart: %s: %w", unreachableFor, what, how, err)
			}
		case err != nil:
			return v, err
		default:
			if !lost.IsZero() {
				fmt.Fprintf(a.errOut, "tapewarden: the daemon answers again; still following %s\n", what)
				lost = time.Time{}
			}
			if finished(v) {
				return v, nil
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(pollEvery):
		}
	}
}
