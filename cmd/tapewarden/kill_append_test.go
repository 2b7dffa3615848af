package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/drives"
)

// logLines is a run's log as the API gives it: timestamped lines.
type logLines []struct {
	At   string `json:"at"`
	Text string `json:"text"`
}

func (l logLines) String() string {
	var b strings.Builder
	for _, line := range l {
		b.WriteString(line.Text + "\n")
	}
	return b.String()
}

type appendRunView struct {
	ID         int64    `json:"id"`
	Job        string   `json:"job"`
	State      string   `json:"state"`
	Reason     string   `json:"reason"`
	Generation string   `json:"generation"`
	Log        logLines `json:"log"`
	Pieces     []struct {
		Barcode  string `json:"barcode"`
		File     int64  `json:"file"`
		Bytes    int64  `json:"bytes"`
		SHA256   string `json:"sha256"`
		Complete bool   `json:"complete"`
	} `json:"pieces"`
}

// TestKillWhileAppending kills the daemon (SIGKILL) while the night's
// second append, a third, and a re-run append are writing to the same
// cartridge, with verify checksum and none. After each restart the job
// runs again and lands right after the last good piece, over the killed
// run's stale data; at the end every good run reads back from the tape
// with its recorded SHA-256, and the newest of each job restores byte for
// byte.
func TestKillWhileAppending(t *testing.T) {
	for _, verify := range []string{"checksum", "none"} {
		t.Run("verify "+verify, func(t *testing.T) { killWhileAppending(t, verify) })
	}
}

func killWhileAppending(t *testing.T, verify string) {
	dir := stateDir(t)
	demo, err := os.ReadFile("../../daemon/config/demo.yaml")
	require.NoError(t, err)
	conf := strings.ReplaceAll(string(demo), "/var/lib/tapewarden", dir)
	conf = regexp.MustCompile(`(?m)^    schedule: .*\n`).ReplaceAllString(conf, "")
	conf = strings.ReplaceAll(conf, "    media_type: LTO-8\n    cleaning:", "    media_type: LTO-8\n    speed_mb_s: 40\n    cleaning:")
	conf = strings.ReplaceAll(conf, "verify: checksum", "verify: "+verify)
	confPath := filepath.Join(dir, "tapewarden.yaml")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))
	// The demo's stock and data are made by a first start with --demo.
	p := startDaemonArgs(t, dir, "daemon", "--demo", "--no-schedule", "--state-dir", dir)
	require.NoError(t, p.kill(syscall.SIGTERM))
	addDemoKey(t, confPath, dir)

	runJSON := func(p *daemonProc, id int64) appendRunView {
		var rv appendRunView
		require.NoError(t, json.Unmarshal([]byte(p.must("run", "show", fmt.Sprint(id), "--json")), &rv))
		return rv
	}
	runWait := func(p *daemonProc, job string) appendRunView {
		var rv appendRunView
		out, errOut, _ := p.run("job", "run", job, "--wait", "--json")
		require.NoError(t, json.Unmarshal([]byte(out), &rv), "%s%s", out, errOut)
		return runJSON(p, rv.ID)
	}
	big := func(path string) {
		f, err := os.Create(path)
		require.NoError(t, err)
		chunk := bytes.Repeat([]byte("stale data of a killed run\n"), 40000)
		for range 150 << 20 / len(chunk) {
			_, err := f.Write(chunk)
			require.NoError(t, err)
		}
		require.NoError(t, f.Close())
	}
	// killDuring starts job with a large source and kills the daemon once
	// it is well into writing, after the tape position was settled.
	killDuring := func(p *daemonProc, job, bigFile string) appendRunView {
		big(bigFile)
		defer os.Remove(bigFile)
		var run appendRunView
		require.NoError(t, json.Unmarshal([]byte(p.must("job", "run", job, "--json")), &run))
		deadline := time.Now().Add(30 * time.Second)
		for {
			require.True(t, time.Now().Before(deadline), "the run never started writing")
			rv := runJSON(p, run.ID)
			require.NotEqual(t, "succeeded", rv.State, "the run finished before it could be killed")
			if rv.State == "writing" && strings.Contains(rv.Log.String(), "appending to") {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond)
		p.kill(syscall.SIGKILL)
		return run
	}

	jukiBig := filepath.Join(dir, "demo-data", "juki", "tonight.bin")
	kosekiBig := filepath.Join(dir, "demo-data", "koseki", "zz-tonight.csv")
	var good []appendRunView

	p = startWithConfig(t, confPath)
	first := runWait(p, "juki-daily")
	require.Equal(t, "succeeded", first.State, first.Reason)
	tape := first.Pieces[0].Barcode
	good = append(good, first)

	// The night's second append is killed; the job runs again.
	killed := killDuring(p, "koseki-daily", kosekiBig)
	p = startWithConfig(t, confPath)
	assert.Equal(t, "failed", runJSON(p, killed.ID).State)
	koseki := runWait(p, "koseki-daily")
	require.Equal(t, "succeeded", koseki.State, koseki.Reason)
	require.Equal(t, tape, koseki.Pieces[0].Barcode)
	assert.Equal(t, int64(3), koseki.Pieces[0].File, "right after the first job's trailer, over the killed run\n%s", koseki.Log)
	good = append(good, koseki)

	// The third append, a re-run of the first job, is killed.
	killDuring(p, "juki-daily", jukiBig)
	p = startWithConfig(t, confPath)
	juki := runWait(p, "juki-daily")
	require.Equal(t, "succeeded", juki.State, juki.Reason)
	assert.Equal(t, int64(5), juki.Pieces[0].File)
	good = append(good, juki)

	// And a re-run of the second job.
	killDuring(p, "koseki-daily", kosekiBig)
	p = startWithConfig(t, confPath)
	koseki = runWait(p, "koseki-daily")
	require.Equal(t, "succeeded", koseki.State, koseki.Reason)
	assert.Equal(t, int64(7), koseki.Pieces[0].File)
	good = append(good, koseki)

	// The newest run of each job restores byte for byte.
	restoreDir := filepath.Join(dir, "restored")
	require.NoError(t, os.MkdirAll(restoreDir, 0o755))
	out := p.must("restore", "--job", "juki-daily", "--to", filepath.Join(restoreDir))
	assert.Contains(t, out, fmt.Sprintf("from run %d", juki.ID))
	assert.Contains(t, out, "checksum verified: true")
	src := filepath.Join(dir, "demo-data", "juki")
	require.NoError(t, filepath.WalkDir(src, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(restoreDir, path))
		require.NoError(t, err, "restored %s", path)
		assert.True(t, bytes.Equal(want, got), "%s restored byte for byte", path)
		return nil
	}))
	kosekiDir := filepath.Join(dir, "restored-koseki")
	require.NoError(t, os.MkdirAll(kosekiDir, 0o755))
	out = p.must("restore", "--job", "koseki-daily", "--to", kosekiDir)
	assert.Contains(t, out, fmt.Sprintf("from run %d", koseki.ID))
	var want, got []byte
	csvs, err := filepath.Glob(filepath.Join(dir, "demo-data", "koseki", "*.csv"))
	require.NoError(t, err)
	sort.Strings(csvs)
	for _, c := range csvs {
		b, err := os.ReadFile(c)
		require.NoError(t, err)
		want = append(want, b...)
	}
	var members []string
	require.NoError(t, filepath.WalkDir(kosekiDir, func(path string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			members = append(members, path)
		}
		return err
	}))
	sort.Strings(members)
	for _, m := range members {
		b, err := os.ReadFile(m)
		require.NoError(t, err)
		got = append(got, b...)
	}
	assert.True(t, bytes.Equal(want, got), "koseki's export restored byte for byte (%d bytes, want %d)", len(got), len(want))
	assert.Contains(t, p.must("audit", "verify"), "audit chain intact")
	require.NoError(t, p.kill(syscall.SIGTERM))

	// Every good run of the night is on the tape as the catalog says.
	img := filepath.Join(dir, "libraries", "lib0", "cartridges", tape+".vtape")
	if _, err := os.Stat(img); err != nil {
		matches, _ := filepath.Glob(filepath.Join(dir, "libraries", "*", "cartridges", tape+".vtape"))
		require.Len(t, matches, 1, "the image of %s", tape)
		img = matches[0]
	}
	d, err := drives.Open(img)
	require.NoError(t, err)
	defer d.Close()
	ctx := context.Background()
	for _, r := range good {
		piece := r.Pieces[0]
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SetBlockSize(ctx, 0))
		require.NoError(t, d.SpaceFiles(ctx, int(piece.File)))
		n, sum, err := archive.Verify(ctx, d, 512<<10)
		require.NoError(t, err, "run %d", r.ID)
		assert.Equal(t, piece.Bytes, n, "run %d (%s) in file %d", r.ID, r.Job, piece.File)
		assert.Equal(t, piece.SHA256, sum, "run %d (%s) in file %d", r.ID, r.Job, piece.File)
		tr, err := drives.ReadTrailer(ctx, d)
		require.NoError(t, err)
		assert.Equal(t, strconv.FormatInt(r.ID, 10), tr.RunID)
	}
	c, err := drives.ScanTrailers(ctx, d, 100)
	require.NoError(t, err)
	// Nothing stale is left after the last good run, only the catalog
	// file the last run wrote after its trailer.
	require.Len(t, c.Trailers, len(good)+1, "nothing stale is left after the last good run")
	last := c.Trailers[len(good)]
	assert.True(t, last.IsCatalog())
	assert.Equal(t, strconv.FormatInt(good[len(good)-1].ID, 10), last.RunID)
}

// TestMediaEraseThroughTheCLI: releasing a cartridge's unknown data needs
// --confirm and a reason, changes nothing without them, and is recorded
// as a custody event with who and why.
func TestMediaEraseThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))
	p.must("media", "add", "ERA001L8", "--pool", "scratch", "--at", "honcho/shelf")
	before := p.must("media", "show", "ERA001L8")

	_, errOut, code := p.run("media", "erase", "ERA001L8", "--reason", "old site's copies")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "repeat with --confirm")
	_, errOut, code = p.run("media", "erase", "ERA001L8", "--confirm")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--reason TEXT")
	_, errOut, code = p.run("media", "erase", "NOPE01L8", "--confirm", "--reason", "x")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "NOPE01L8")
	assert.Equal(t, before, p.must("media", "show", "ERA001L8"), "a refused erase changes nothing")

	out := p.must("media", "erase", "ERA001L8", "--confirm", "--reason", "old site's copies, kept at the prefecture")
	assert.Contains(t, out, "ERA001L8: what its tape holds is released")
	out = p.must("media", "show", "ERA001L8")
	assert.Contains(t, out, "erase")
	assert.Contains(t, out, "old site's copies, kept at the prefecture")
	assert.Contains(t, p.must("audit", "verify"), "audit chain intact")
}
