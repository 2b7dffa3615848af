package daemon

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	sd "github.com/coreos/go-systemd/v22/daemon"
)

// The daemon's only contact with systemd. Every function is a no-op when
// the daemon was not started by systemd (NOTIFY_SOCKET unset). unsetEnv is
// always false: true would drop NOTIFY_SOCKET and silence every later
// WATCHDOG and STOPPING message.

func notifyReady(log *slog.Logger) { notify(log, sd.SdNotifyReady) }

func notifyStopping(log *slog.Logger) { notify(log, sd.SdNotifyStopping) }

func notifyStatus(log *slog.Logger, format string, args ...any) {
	notify(log, "STATUS="+fmt.Sprintf(format, args...))
}

func notifyWatchdog(log *slog.Logger) { notify(log, sd.SdNotifyWatchdog) }

// notify sends one message. A failure is logged and the daemon goes on: a
// missed WATCHDOG shows up as systemd restarting the daemon, and the log says
// why.
func notify(log *slog.Logger, state string) {
	if _, err := sd.SdNotify(false, state); err != nil {
		log.Error("tell systemd", "state", state, "err", err)
	}
}

// watchdogInterval is how often to ping the watchdog: half of WatchdogSec,
// or zero when systemd does not watch this process.
func watchdogInterval() time.Duration {
	d, err := sd.SdWatchdogEnabled(false)
	if err != nil || d <= 0 {
		return 0
	}
	return d / 2
}

// activatedListener returns the API socket passed by systemd socket
// activation (tapewarden.socket), or nil when there is none.
func activatedListener() (net.Listener, error) {
	ls, err := activation.Listeners()
	if err != nil {
		return nil, fmt.Errorf("socket activation: %w", err)
	}
	for _, l := range ls {
		if l != nil && l.Addr().Network() == "unix" {
			return l, nil
		}
	}
	return nil, nil
}
