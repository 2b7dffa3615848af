package daemon

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notifyListener is a stand-in for systemd's notification socket.
func notifyListener(t *testing.T) (*net.UnixConn, string) {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn, path
}

// collect reads notification datagrams until one contains want.
func collect(t *testing.T, conn *net.UnixConn, want string, timeout time.Duration) []string {
	t.Helper()
	var got []string
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 4096)
	for time.Now().Before(deadline) {
		conn.SetReadDeadline(deadline)
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		msg := string(buf[:n])
		got = append(got, msg)
		if strings.Contains(msg, want) {
			return got
		}
	}
	t.Fatalf("no %q among notifications %q", want, got)
	return got
}

func TestSystemdNotifications(t *testing.T) {
	conn, path := notifyListener(t)
	t.Setenv("NOTIFY_SOCKET", path)
	h := startDaemon(t)
	got := collect(t, conn, "READY=1", 5*time.Second)
	assert.Contains(t, got, "READY=1")
	status := collect(t, conn, "STATUS=", 5*time.Second)
	assert.Contains(t, status[len(status)-1], "STATUS=serving on "+h.cfg.SocketPath())
	h.stop()
	collect(t, conn, "STOPPING=1", 5*time.Second)
}

func TestWatchdogPingsOnlyWhileHealthy(t *testing.T) {
	conn, path := notifyListener(t)
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "100000") // ping every 50 ms
	t.Setenv("WATCHDOG_PID", "")
	h := startDaemon(t)
	collect(t, conn, "WATCHDOG=1", 5*time.Second)

	// Make the self-test fail: the daemon must stop pinging and say why.
	h.d.mu.Lock()
	h.d.health = func(context.Context) error { return errors.New("catalog wedged") }
	h.d.mu.Unlock()
	collect(t, conn, "STATUS=unhealthy: catalog wedged", 5*time.Second)
	// Drain anything sent before the switch, then expect silence.
	conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 4096)
	var pings int
	for {
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		if string(buf[:n]) == "WATCHDOG=1" {
			pings++
		}
	}
	assert.LessOrEqual(t, pings, 1, "at most one ping already in flight when health failed")
	conn.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
	for {
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		assert.NotEqual(t, "WATCHDOG=1", string(buf[:n]), "pinged while unhealthy")
	}
}
