package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/media"
)

// harness runs a real daemon in this process on a temporary state
// directory and talks to it over its real unix socket.
type harness struct {
	t      *testing.T
	d      *Daemon
	cfg    *config.Config
	client *http.Client
	cancel context.CancelFunc
	done   chan error
	log    *syncBuffer
}

// syncBuffer is a log buffer the daemon's goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// shortTempDir returns a directory with a short path: unix socket paths
// are limited to 108 bytes.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tw")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func startDaemon(t *testing.T, mods ...func(*config.Config, *Options)) *harness {
	t.Helper()
	cfg, err := config.DemoConfig(shortTempDir(t))
	require.NoError(t, err)
	cfg.Demo = false // an empty world unless a test asks for the demo's stock
	// No scheduled copies of the catalog unless a test asks: they add
	// audit events the other tests do not expect.
	cfg.Catalog.Copies = nil
	// The demo's jobs run every few minutes: on the wall clock the check
	// before the night would open its prompt in the middle of most tests.
	noCheck := func(_ *config.Config, o *Options) { o.NoNightCheck = true }
	return startConfig(t, cfg, append([]func(*config.Config, *Options){noCheck}, mods...)...)
}

// startConfig runs a daemon on cfg.
func startConfig(t *testing.T, cfg *config.Config, mods ...func(*config.Config, *Options)) *harness {
	t.Helper()
	var logBuf syncBuffer
	opts := Options{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))}
	for _, m := range mods {
		m(cfg, &opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := New(ctx, cfg, opts)
	require.NoError(t, err)
	ready := make(chan struct{})
	userReady := opts.Ready
	d.ready = func(socket, metrics string) {
		if userReady != nil {
			userReady(socket, metrics)
		}
		close(ready)
	}
	h := &harness{t: t, d: d, cfg: cfg, cancel: cancel, done: make(chan error, 1), log: &logBuf}
	go func() { h.done <- d.Run(ctx) }()
	select {
	case <-ready:
	case err := <-h.done:
		t.Fatalf("daemon stopped at start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("daemon did not get ready")
	}
	socket := cfg.SocketPath()
	h.client = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "unix", socket)
	}}}
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		require.NoError(h.t, err)
	case <-time.After(15 * time.Second):
		h.t.Fatal("daemon did not stop")
	}
}

// call sends a request and returns the status and body.
func (h *harness) call(method, path string, body any) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, "http://tapewarden"+path, rd)
	require.NoError(h.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, data
}

// ok sends a request that must succeed and decodes the answer.
func (h *harness) ok(method, path string, body, out any) {
	h.t.Helper()
	status, data := h.call(method, path, body)
	require.Equal(h.t, http.StatusOK, status, "%s %s: %s", method, path, data)
	if out != nil {
		require.NoError(h.t, json.Unmarshal(data, out))
	}
}

// tester is the actor of the tests' own requests.
var tester = media.Actor{Name: "tester", Role: "admin"}

// withDemoWorld gives the daemon the demo's stock of cartridges.
func withDemoWorld(cfg *config.Config, _ *Options) { cfg.Demo = true }
