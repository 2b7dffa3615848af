package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// diskRoom is the test's model of a small town's machine room with USB
// disks: each disk is a directory under disks/; attaching one renames it
// to the drive's mount point, taking it out renames it back.
type diskRoom struct {
	t       *testing.T
	h       *harness
	ctx     context.Context
	disks   string // where the disks lie when not attached
	mnt     string // the drive's mount point
	mounted string // the disk attached now
}

// prepare labels a disk as a person does before its first use.
func (r *diskRoom) prepare(barcode, pool string, catalog bool) {
	t := r.t
	dir := filepath.Join(r.disks, barcode)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	dd, err := drives.NewDirectoryDrive(drives.DirectoryDriveConfig{Name: "prep", MediaType: "USB-DISK", Finder: drives.DirFinder{Dir: dir}})
	require.NoError(t, err)
	h, err := dd.Open()
	require.NoError(t, err)
	label, err := drives.NewLabel(barcode, pool, "USB-DISK", config.Version, time.Now())
	require.NoError(t, err)
	require.NoError(t, drives.WriteLabel(r.ctx, h, label, false))
	require.NoError(t, h.Close())
	require.NoError(t, dd.Close())
	if catalog {
		_, err = r.h.d.cat.AddCartridge(r.ctx, tester, media.NewCartridge{Barcode: barcode, MediaType: "USB-DISK", Pool: pool, Location: media.Storage("honcho", "shelf")})
		require.NoError(t, err)
		require.NoError(t, r.h.d.cat.SetLabelUUID(r.ctx, barcode, label.UUID))
	}
}

// attach takes out the disk attached now, if any, and attaches barcode.
func (r *diskRoom) attach(barcode string) {
	if r.mounted != "" {
		require.NoError(r.t, os.Rename(r.mnt, filepath.Join(r.disks, r.mounted)))
	}
	require.NoError(r.t, os.Rename(filepath.Join(r.disks, barcode), r.mnt))
	r.mounted = barcode
}

// files lists a disk's tape files wherever the disk is.
func (r *diskRoom) files(barcode string) []string {
	dir := filepath.Join(r.disks, barcode)
	if r.mounted == barcode {
		dir = r.mnt
	}
	ents, err := os.ReadDir(filepath.Join(dir, drives.DiskDir))
	require.NoError(r.t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func (r *diskRoom) loadPrompt(not int64) (media.Prompt, bool) {
	open, _ := r.h.d.cat.Prompts(r.ctx, false)
	for _, p := range open {
		if p.Kind == "load" && p.ID != not {
			return p, true
		}
	}
	return media.Prompt{}, false
}

func (r *diskRoom) waitPrompt(what string, not int64) media.Prompt {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if p, ok := r.loadPrompt(not); ok {
			return p
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s\nlog tail:\n%s", what, tail(r.h.log.String(), 40))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *diskRoom) answer(p media.Prompt) {
	_, err := r.h.d.PromptDone(r.ctx, operatorActor, p.ID, "")
	require.NoError(r.t, err)
}

// TestDirectoryDriveSpansAndRestores writes a run larger than one USB disk
// through a directory drive: the first prompt is answered with a disk of
// another pool and then with one the catalog does not know, both refused
// with the reason and never written; the run then fills one disk, asks for
// the next, verifies each piece, and the restore, asking for both disks
// again, gives back every byte.
func TestDirectoryDriveSpansAndRestores(t *testing.T) {
	cfg := loadTestConfig(t, "usbdisks.yaml")
	h := startConfig(t, cfg, func(_ *config.Config, o *Options) { o.NoNightCheck = true })
	ctx := context.Background()
	r := &diskRoom{t: t, h: h, ctx: ctx, disks: filepath.Join(cfg.StateDir, "disks"), mnt: cfg.Drive("usb0").Path}
	require.NoError(t, os.MkdirAll(filepath.Dir(r.mnt), 0o755))
	for i := 1; i <= 5; i++ {
		r.prepare(fmt.Sprintf("USB%03d", i), "usb", true)
	}
	r.prepare("USB009", "spare", true)  // another pool's disk
	r.prepare("FOREIGN1", "usb", false) // a disk the catalog does not know
	data := filepath.Join(cfg.StateDir, "data", "juki")
	require.NoError(t, os.MkdirAll(data, 0o750))
	big := make([]byte, 30<<20) // more than a 24 MB disk holds
	rand.Read(big)
	require.NoError(t, os.WriteFile(filepath.Join(data, "scans.bin"), big, 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(data, "residents.csv"), []byte("residents,1000\n"), 0o640))

	run, err := h.d.StartRun(ctx, "juki-usb", "manual", time.Time{})
	require.NoError(t, err)
	first := r.waitPrompt("the first load prompt", 0)
	assert.Contains(t, first.Action, "ttach disk "+first.Barcode+" (now at honcho/shelf) to drive usb0 and mount it ("+r.mnt+")")
	want := first.Barcode

	// Another pool's disk: refused, ejected, nothing written.
	before := r.files("USB009")
	r.attach("USB009")
	r.answer(first)
	second := r.waitPrompt("the prompt after the wrong disk", first.ID)
	assert.Equal(t, want, second.Barcode)
	assert.Contains(t, second.Why, "held USB009, not "+want+"; it was ejected and was not written")
	assert.Contains(t, second.Action, "Unmount disk USB009, detach it from drive usb0 and put it back at honcho/shelf")
	assert.Equal(t, before, r.files("USB009"), "nothing written to the wrong disk")

	// A disk the catalog does not know: refused the same way.
	before = r.files("FOREIGN1")
	r.attach("FOREIGN1")
	r.answer(second)
	third := r.waitPrompt("the prompt after the unknown disk", second.ID)
	assert.Contains(t, third.Why, "holds a disk labelled FOREIGN1, which is not in the catalog; it was ejected and was not written")
	assert.Equal(t, before, r.files("FOREIGN1"))
	c, err := h.d.cat.Cartridge(ctx, "USB009")
	require.NoError(t, err)
	assert.Equal(t, "honcho/shelf", c.Location.String(), "the wrong disk went back where it came from")

	// The right disk; when it is full the run asks for the next one.
	r.attach(want)
	r.answer(third)
	next := r.waitPrompt("the prompt for the second disk", third.ID)
	assert.NotEqual(t, want, next.Barcode)
	assert.Contains(t, next.Action, "Unmount disk "+want+", detach it from drive usb0")
	r.attach(next.Barcode)
	r.answer(next)

	var done media.Run
	deadline := time.Now().Add(120 * time.Second)
	for {
		done, err = h.d.cat.Run(ctx, run.ID)
		require.NoError(t, err)
		if done.State.Finished() {
			break
		}
		if p, ok := r.loadPrompt(next.ID); ok {
			t.Fatalf("unexpected prompt %d: %s", p.ID, p.Action)
		}
		require.False(t, time.Now().After(deadline), "the run did not finish\n%s", tail(h.log.String(), 40))
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, media.RunSucceeded, done.State, "%s\n%s", done.Reason, tail(h.log.String(), 40))
	require.Len(t, done.Pieces, 2)
	assert.Equal(t, want, done.Pieces[0].Barcode)
	assert.Equal(t, next.Barcode, done.Pieces[1].Barcode)
	for _, p := range done.Pieces {
		assert.True(t, p.Complete)
		assert.Equal(t, int64(1), p.File, "the data file follows the label")
	}
	runLog := string(done.Log)
	assert.Contains(t, runLog, "verified piece 1 on "+want)
	assert.Contains(t, runLog, "verified piece 2 on "+next.Barcode)
	// On each disk: the label, the data, the trailer, as files.
	assert.Equal(t, []string{"000000.blocks", "000000.label", "000001.blocks", "000001.tar", "000002.blocks", "000002.trailer"}, r.files(want))
	assert.Equal(t, []string{"000000.blocks", "000000.label", "000001.blocks", "000001.data", "000002.blocks", "000002.trailer",
		"000003.blocks", "000003.tar", "000004.blocks", "000004.trailer"}, r.files(next.Barcode),
		"the second piece continues the tar stream mid-member; the catalog's copy follows the run")
	for _, b := range []string{want, next.Barcode} {
		for _, name := range r.files(b) {
			assert.False(t, strings.HasPrefix(name, "."), "no temporary file left on %s: %s", b, name)
		}
	}

	// Restore: the restore asks for the run's disks again.
	type result struct {
		res RestoreResult
		err error
	}
	to := t.TempDir()
	resc := make(chan result, 1)
	go func() {
		res, err := h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-usb", To: to})
		resc <- result{res, err}
	}()
	var asked []string
	var res result
	for waiting := true; waiting; {
		select {
		case res = <-resc:
			waiting = false
		case <-time.After(10 * time.Millisecond):
			if p, ok := r.loadPrompt(next.ID); ok {
				asked = append(asked, p.Barcode)
				r.attach(p.Barcode)
				r.answer(p)
				r.waitGone(p.ID)
			}
		}
	}
	require.NoError(t, res.err)
	require.NoError(t, res.res.Err())
	assert.True(t, res.res.Complete)
	require.NotEmpty(t, asked)
	assert.Equal(t, want, asked[0], "the first piece's disk first")
	assert.Subset(t, []string{want, next.Barcode}, asked)
	got, err := os.ReadFile(filepath.Join(to, strings.TrimPrefix(data, "/"), "scans.bin"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, got), "the restored file is byte-identical")
	csv, err := os.ReadFile(filepath.Join(to, strings.TrimPrefix(data, "/"), "residents.csv"))
	require.NoError(t, err)
	assert.Equal(t, "residents,1000\n", string(csv))
}

// waitGone waits until the daemon has taken a prompt's answer.
func (r *diskRoom) waitGone(id int64) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, ok := r.loadPrompt(0)
		if !ok || p.ID != id {
			return
		}
		require.False(r.t, time.Now().After(deadline), "prompt %d stayed open", id)
		time.Sleep(5 * time.Millisecond)
	}
}
