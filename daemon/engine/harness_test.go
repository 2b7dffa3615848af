package engine

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// harness runs a real engine in this process on a temporary state
// directory: the scheduler and the housekeeping go round as in the
// daemon; the tests call the engine's methods directly.
type harness struct {
	t      *testing.T
	d      *Engine
	cfg    *config.Config
	cancel context.CancelFunc
	done   chan struct{}
	log    *syncBuffer
}

// syncBuffer is a log buffer the engine's goroutines share.
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

// shortTempDir returns a directory with a short path, as the daemon's
// state directory wants (unix socket paths are limited to 108 bytes).
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

// loadTestConfig reads a configuration from testdata with its state
// directory (written /var/lib/tapewarden there) moved to a fresh one.
func loadTestConfig(t *testing.T, name string) *config.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "daemon", name))
	require.NoError(t, err)
	dir := shortTempDir(t)
	cfg, err := config.ParseConfig(name, bytes.ReplaceAll(data, []byte("/var/lib/tapewarden"), []byte(dir)))
	require.NoError(t, err)
	return cfg
}

// startConfig runs an engine on cfg.
func startConfig(t *testing.T, cfg *config.Config, mods ...func(*config.Config, *Options)) *harness {
	t.Helper()
	return startEngine(t, cfg, nil, mods...)
}

// startEngine runs an engine on cfg; before, when set, tunes the engine
// before its scheduler starts.
func startEngine(t *testing.T, cfg *config.Config, before func(*Engine), mods ...func(*config.Config, *Options)) *harness {
	t.Helper()
	var logBuf syncBuffer
	opts := Options{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))}
	for _, m := range mods {
		m(cfg, &opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := New(ctx, cfg, opts)
	if err != nil {
		cancel()
		require.NoError(t, err)
	}
	if before != nil {
		before(d)
	}
	h := &harness{t: t, d: d, cfg: cfg, cancel: cancel, done: make(chan struct{}), log: &logBuf}
	go func() {
		defer close(h.done)
		d.Run(ctx)
	}()
	t.Cleanup(h.stop)
	return h
}

// stop stops the scheduler, then the runs, and closes the engine.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case <-h.done:
	case <-time.After(15 * time.Second):
		h.t.Fatal("the engine did not stop")
	}
	// Whatever prompts the test opened, none may leave English in what
	// a Japanese operator reads.
	if all, err := h.d.cat.Prompts(context.Background(), true); err == nil {
		noteVariants(all)
		assert.Empty(h.t, englishInJapanese(all), "English in the Japanese texts of the prompts")
	}
	require.NoError(h.t, h.d.Close())
}
