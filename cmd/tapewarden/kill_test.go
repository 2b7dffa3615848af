package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/media"
)

// settableClock is a daemon clock the test moves by hand.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) Now() time.Time                         { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settableClock) set(t time.Time)                        { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *settableClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (c *settableClock) At(t time.Time) <-chan time.Time        { return time.After(t.Sub(c.Now())) }

type runView struct {
	ID     int64        `json:"id"`
	State  string       `json:"state"`
	Reason string       `json:"reason"`
	Drive  string       `json:"drive"`
	Log    media.RunLog `json:"log"`
	Pieces []struct {
		Barcode string `json:"barcode"`
		File    int64  `json:"file"`
		GoneAt  string `json:"gone_at"`
	} `json:"pieces"`
}

// TestKillWhileWriting kills the daemon with SIGKILL while a run is
// writing. After the restart the run has failed with a reason, the
// cartridge it was writing holds no good generation from it, the earlier
// generations are still on their cartridges and protected, and the
// catalog verifies.
func TestKillWhileWriting(t *testing.T) {
	dir := stateDir(t)
	ctx := context.Background()

	// Three earlier nights, written by the daemon code itself on a clock
	// set to the past.
	cfg, err := config.DemoConfig(dir)
	require.NoError(t, err)
	clock := &settableClock{t: time.Now().AddDate(0, 0, -4).Truncate(24 * time.Hour).Add(13 * time.Hour)}
	d, err := engine.New(ctx, cfg, engine.Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	var earlier []int64
	for night := range 3 {
		clock.set(clock.Now().Add(24 * time.Hour))
		r, err := d.StartRun(ctx, "juki-daily", "manual", time.Time{})
		require.NoError(t, err)
		r, err = d.WaitRun(ctx, r.ID)
		require.NoError(t, err)
		require.Equal(t, "succeeded", string(r.State), "night %d: %s", night, r.Reason)
		earlier = append(earlier, r.ID)
	}
	require.NoError(t, d.Close())

	// Tonight's data is large, and the drives write at a real drive's
	// pace, so the run is still writing when the daemon is killed.
	big := make([]byte, 1<<20)
	f, err := os.Create(filepath.Join(dir, "demo-data", "juki", "tonight.bin"))
	require.NoError(t, err)
	for range 160 {
		_, err := f.Write(big)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	demo, err := os.ReadFile("../../daemon/config/demo.yaml")
	require.NoError(t, err)
	conf := strings.ReplaceAll(string(demo), "/var/lib/tapewarden", dir)
	conf = regexp.MustCompile(`(?m)^    schedule: .*\n`).ReplaceAllString(conf, "")
	conf = strings.ReplaceAll(conf, "    media_type: LTO-8\n    cleaning:", "    media_type: LTO-8\n    speed_mb_s: 40\n    cleaning:")
	conf = strings.Replace(conf, "state_dir: "+dir, "state_dir: "+dir, 1)
	confPath := filepath.Join(dir, "tapewarden.yaml")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))
	addDemoKey(t, confPath, dir)

	p := startWithConfig(t, confPath)
	out := p.must("job", "run", "juki-daily", "--json")
	var run runView
	require.NoError(t, json.Unmarshal([]byte(out), &run))
	deadline := time.Now().Add(30 * time.Second)
	for {
		require.True(t, time.Now().Before(deadline), "the run never started writing")
		var rv runView
		require.NoError(t, json.Unmarshal([]byte(p.must("run", "show", fmt.Sprint(run.ID), "--json")), &rv))
		require.NotEqual(t, "succeeded", rv.State, "the run finished before it could be killed")
		if rv.State == "writing" && strings.Contains(string(rv.Log), "writing DLY") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // well into the data
	p.kill(syscall.SIGKILL)            // its error is "signal: killed"

	p2 := startWithConfig(t, confPath)
	var after runView
	require.NoError(t, json.Unmarshal([]byte(p2.must("run", "show", fmt.Sprint(run.ID), "--json")), &after))
	assert.Equal(t, "failed", after.State)
	assert.Contains(t, after.Reason, "the daemon stopped (crashed or was killed) while the run was writing")
	assert.Contains(t, after.Reason, "nothing it wrote counts as a good generation")
	assert.Empty(t, after.Pieces, "no piece of the killed run is recorded")

	// The cartridge it was writing: none of its recorded data claims to
	// be from the killed run, and what it held before is marked gone.
	m := regexp.MustCompile(`writing (\w+) from tape file`).FindStringSubmatch(string(after.Log))
	require.NotNil(t, m, after.Log)
	victim := m[1]
	for _, id := range earlier {
		var rv runView
		require.NoError(t, json.Unmarshal([]byte(p2.must("run", "show", fmt.Sprint(id), "--json")), &rv))
		require.NotEmpty(t, rv.Pieces)
		for _, piece := range rv.Pieces {
			assert.NotEqual(t, victim, piece.Barcode, "the killed run wrote over a protected generation (run %d)", id)
			assert.Empty(t, piece.GoneAt, "run %d's data is still on %s", id, piece.Barcode)
		}
	}
	// The earlier generations are still protected: rotation would not
	// choose any of their cartridges for the next night.
	out = p2.must("rotation", "calendar", "--pool", "daily", "--days", "1", "--json")
	for _, id := range earlier {
		var rv runView
		require.NoError(t, json.Unmarshal([]byte(p2.must("run", "show", fmt.Sprint(id), "--json")), &rv))
		assert.Contains(t, out, rv.Pieces[0].Barcode)
	}
	assert.Contains(t, p2.must("audit", "verify"), "audit chain intact")
	// And a new run succeeds on the daemon that came back.
	out = p2.must("job", "run", "koseki-daily", "--wait")
	assert.Contains(t, out, "succeeded")
}

// startWithConfig starts `tapewarden daemon --config FILE`.
func startWithConfig(t *testing.T, config string) *daemonProc {
	t.Helper()
	return startDaemonArgs(t, filepath.Dir(config), "daemon", "--config", config)
}
