package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// appendWorld runs the jobs of testdata/daemon/append.yaml by hand and
// keeps what each run's source held, to compare restores with.
type appendWorld struct {
	t       *testing.T
	h       *harness
	clock   *fakeClock
	ctx     context.Context
	dataDir string
	// written[run] is the source's content when that run was taken.
	written map[int64]map[string][]byte
}

var appendSystems = map[string]string{"juki-daily": "juki", "koseki-daily": "koseki", "website-daily": "website"}

// newAppendWorld starts an engine on append.yaml with every job's verify
// set, and five labelled daily cartridges in the library.
func newAppendWorld(t *testing.T, verify string, mods ...func(*config.Config)) *appendWorld {
	cfg := loadTestConfig(t, "append.yaml")
	for i := range cfg.Jobs {
		cfg.Jobs[i].Verify = verify
	}
	for _, m := range mods {
		m(cfg)
	}
	clock := newFakeClock(time.Date(2026, 12, 1, 22, 0, 0, 0, cfg.Location))
	h := startConfig(t, cfg, func(_ *config.Config, o *Options) { o.Clock = clock })
	w := &appendWorld{t: t, h: h, clock: clock, ctx: context.Background(), dataDir: filepath.Join(cfg.StateDir, "data"), written: map[int64]map[string][]byte{}}
	lib := h.d.dev.libs["lib0"]
	for i := 1; i <= 5; i++ {
		barcode := fmt.Sprintf("DLY%03dL8", i)
		label, err := drives.NewLabel(barcode, "daily", "LTO-8", config.Version, h.d.now())
		require.NoError(t, err)
		_, err = lib.virtual.AddCartridge(i, drives.CartridgeSpec{Barcode: barcode, MediaType: "LTO-8", Capacity: cartridgeCapacity}, &label)
		require.NoError(t, err)
		_, err = h.d.cat.AddCartridge(w.ctx, tester, media.NewCartridge{Barcode: barcode, Pool: "daily", Location: media.LibrarySlot("honcho", "lib0", i)})
		require.NoError(t, err)
	}
	reps, err := h.d.Inventory(w.ctx, tester, "lib0")
	require.NoError(t, err)
	require.Empty(t, reps[0].Problems)
	return w
}

// change gives a job's source new content (size bytes of random data and
// a small text file).
func (w *appendWorld) change(job string, size int) {
	dir := filepath.Join(w.dataDir, appendSystems[job])
	require.NoError(w.t, os.MkdirAll(dir, 0o750))
	b := make([]byte, size)
	rand.Read(b)
	require.NoError(w.t, os.WriteFile(filepath.Join(dir, "records.bin"), b, 0o640))
	require.NoError(w.t, os.WriteFile(filepath.Join(dir, "note.txt"), []byte(fmt.Sprintf("%s at %s\n", job, w.clock.Now())), 0o640))
}

// snapshot reads the files under root, by path relative to it.
func (w *appendWorld) snapshot(root string) map[string][]byte {
	out := map[string][]byte{}
	require.NoError(w.t, filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = b
		return err
	}))
	return out
}

// run runs a job to its end.
func (w *appendWorld) run(job string) media.Run {
	w.t.Helper()
	r, err := w.h.d.StartRun(w.ctx, job, "manual", time.Time{})
	require.NoError(w.t, err)
	r, err = w.h.d.WaitRun(w.ctx, r.ID)
	require.NoError(w.t, err)
	if r.State == media.RunSucceeded {
		w.written[r.ID] = w.snapshot(filepath.Join(w.dataDir, appendSystems[job]))
	}
	return r
}

// image is the path of a cartridge's image in the virtual library.
func (w *appendWorld) image(barcode string) string {
	p, err := w.h.d.virtualImage(barcode)
	require.NoError(w.t, err)
	return p
}

// kill leaves the catalog and the tape as a daemon killed while a run of
// job was appending leaves them: the run recorded as writing, then failed
// by the restart with no pieces, and its partial data on tape after the
// last file, not terminated by a filemark (the process died mid-write).
// A killed verification leaves a whole data file and its trailer too.
func (w *appendWorld) kill(job, barcode string, withTrailer bool) media.Run {
	t, ctx, cat := w.t, w.ctx, w.h.d.cat
	jc := w.h.d.cfg.Job(job)
	r, err := cat.QueueRun(ctx, media.NewRun{Job: job, System: jc.System, Pool: jc.Pool, Trigger: "manual"})
	require.NoError(t, err)
	require.NoError(t, cat.UpdateRun(ctx, r.ID, media.RunUpdate{State: media.RunWriting, Drive: "lto0", Started: true}))

	d, err := drives.Open(w.image(barcode))
	require.NoError(t, err)
	require.NoError(t, d.SpaceEOD(ctx))
	st, err := d.Status(ctx)
	require.NoError(t, err)
	junk := make([]byte, 256<<10)
	rand.Read(junk)
	for range 8 {
		_, err := d.Write(junk)
		require.NoError(t, err)
	}
	if withTrailer {
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, drives.WriteTrailer(ctx, d, drives.Trailer{Format: drives.TrailerFormat, Version: drives.TrailerVersion,
			Job: job, RunID: strconv.FormatInt(r.ID, 10), Pool: "daily", Bytes: 8 * 256 << 10, SHA256: strings.Repeat("0", 64), Piece: 1,
			Barcode: barcode, DataFile: st.File, Start: w.clock.Now().UTC(), End: w.clock.Now().UTC(), TapewardenVersion: config.Version}))
		_, err := d.Write(junk) // and the next job's start
		require.NoError(t, err)
	}
	// Spacing forward after a write leaves the file unterminated, as a
	// process that died never closed it.
	require.ErrorIs(t, d.SpaceFiles(ctx, 1), drives.ErrEndOfData)
	require.NoError(t, d.Close())

	failed, err := cat.FailUnfinishedRuns(ctx, "the daemon stopped (crashed or was killed)")
	require.NoError(t, err)
	require.Len(t, failed, 1)
	return failed[0]
}

// contents lists what a cartridge holds past its label.
func (w *appendWorld) contents(barcode string) drives.TapeContents {
	d, err := drives.Open(w.image(barcode))
	if errors.Is(err, drives.ErrBusy) {
		// It is in the drive.
		d, err = w.h.d.dev.drives["lto0"].virtual.Open()
	}
	require.NoError(w.t, err)
	defer d.Close()
	c, err := drives.ScanTrailers(w.ctx, d, 1000)
	require.NoError(w.t, err)
	return c
}

// checkOnTape reads every good run's data back from its cartridge and
// compares size and SHA-256 with what the catalog recorded, and checks
// the trailer after it names the run.
func (w *appendWorld) checkOnTape(runs ...media.Run) {
	t, ctx := w.t, w.ctx
	for _, r := range runs {
		full, err := w.h.d.cat.Run(ctx, r.ID)
		require.NoError(t, err)
		require.Len(t, full.Pieces, 1)
		p := full.Pieces[0]
		require.True(t, p.Complete)
		d, err := drives.Open(w.image(p.Barcode))
		require.NoError(t, err)
		require.NoError(t, d.SetBlockSize(ctx, 0))
		require.NoError(t, d.SpaceFiles(ctx, int(p.File)))
		n, sum, err := archive.Verify(ctx, d, 512<<10)
		require.NoError(t, err)
		assert.Equal(t, p.Bytes, n, "run %d in file %d", r.ID, p.File)
		assert.Equal(t, p.SHA256, sum, "run %d in file %d", r.ID, p.File)
		tr, err := drives.ReadTrailer(ctx, d)
		require.NoError(t, err)
		assert.Equal(t, strconv.FormatInt(r.ID, 10), tr.RunID)
		require.NoError(t, d.Close())
	}
}

// restore restores a job's newest good run and compares every file with
// the source as that run took it.
func (w *appendWorld) restore(r media.Run) {
	t := w.t
	dir := t.TempDir()
	res, err := w.h.d.Restore(w.ctx, tester, RestoreRequest{Job: r.Job, Generation: r.Generation, To: dir})
	require.NoError(t, err, "restore %s", r.Job)
	require.Len(t, res.Jobs, 1)
	assert.Equal(t, r.ID, res.Jobs[0].Run)
	assert.True(t, res.Jobs[0].Verified)
	got := w.snapshot(dir)
	want := map[string][]byte{}
	for k, v := range w.written[r.ID] {
		want[strings.TrimPrefix(filepath.Join(w.dataDir, appendSystems[r.Job], k), "/")] = v
	}
	require.Equal(t, len(want), len(got), "restored files of run %d (%s)", r.ID, r.Job)
	for name, content := range want {
		require.True(t, bytes.Equal(content, got[name]), "%s of run %d differs", name, r.ID)
	}
}

// TestAppendAfterAKilledRun kills the second, the third and a re-run
// append of one night; each time the next run writes right after the last
// good piece, over the stale data, and every good run reads back and
// restores byte for byte.
func TestAppendAfterAKilledRun(t *testing.T) {
	for _, verify := range []string{"checksum", "none"} {
		t.Run("verify "+verify, func(t *testing.T) {
			w := newAppendWorld(t, verify)
			w.change("juki-daily", 3<<20)
			juki := w.run("juki-daily")
			require.Equal(t, media.RunSucceeded, juki.State, juki.Reason)
			tape := juki.Pieces[0].Barcode
			assert.Equal(t, int64(1), juki.Pieces[0].File)

			w.kill("koseki-daily", tape, false) // the night's second append
			w.change("koseki-daily", 2<<20)
			koseki := w.run("koseki-daily")
			require.Equal(t, media.RunSucceeded, koseki.State, koseki.Reason)
			assert.Equal(t, tape, koseki.Pieces[0].Barcode)
			assert.Equal(t, int64(3), koseki.Pieces[0].File, "right after juki's trailer, over the killed run")
			assert.Contains(t, koseki.Log, "after run "+strconv.FormatInt(juki.ID, 10)+"'s trailer (read back and confirmed)")

			w.kill("website-daily", tape, true) // the third, killed verifying
			w.change("website-daily", 1<<20)
			web := w.run("website-daily")
			require.Equal(t, media.RunSucceeded, web.State, web.Reason)
			assert.Equal(t, int64(5), web.Pieces[0].File)

			w.kill("juki-daily", tape, false) // a re-run
			w.change("juki-daily", 4<<20)
			rerun := w.run("juki-daily")
			require.Equal(t, media.RunSucceeded, rerun.State, rerun.Reason)
			assert.Equal(t, int64(7), rerun.Pieces[0].File)

			w.checkOnTape(juki, koseki, web, rerun)
			w.restore(koseki)
			w.restore(web)
			w.restore(rerun)
			// Nothing stale is left behind the last good run.
			d, err := drives.Open(w.image(tape))
			require.NoError(t, err)
			c, err := drives.ScanTrailers(w.ctx, d, 100)
			require.NoError(t, err)
			require.NoError(t, d.Close())
			// Four runs and, last, the catalog file the last run wrote.
			require.Len(t, c.Trailers, 5)
			assert.True(t, c.Trailers[4].IsCatalog())
			assert.Equal(t, strconv.FormatInt(rerun.ID, 10), c.Trailers[4].RunID)
			assert.Equal(t, 10, c.Files)
		})
	}
}

// TestAppendAfterADriveFault: a write error fails the second append of
// the night with its partial piece recorded; the re-run writes over it.
func TestAppendAfterADriveFault(t *testing.T) {
	w := newAppendWorld(t, "none")
	w.change("juki-daily", 1<<20)
	juki := w.run("juki-daily")
	require.Equal(t, media.RunSucceeded, juki.State, juki.Reason)
	w.change("koseki-daily", 3<<20)
	w.h.d.dev.drives["lto0"].virtual.FailWrite(5)
	bad := w.run("koseki-daily")
	require.Equal(t, media.RunFailed, bad.State)
	koseki := w.run("koseki-daily")
	require.Equal(t, media.RunSucceeded, koseki.State, koseki.Reason)
	assert.Equal(t, int64(3), koseki.Pieces[0].File)
	failed, err := w.h.d.cat.Run(w.ctx, bad.ID)
	require.NoError(t, err)
	for _, p := range failed.Pieces {
		assert.False(t, p.GoneAt.IsZero(), "the failed run's piece in file %d is recorded as overwritten", p.File)
	}
	w.checkOnTape(juki, koseki)
	w.restore(juki)
	w.restore(koseki)
}

// TestAppendRefusesATapeNotWhereTheCatalogSays: when the trailer before
// the append point is not the catalog's last good piece, the run fails
// with the reason and writes nothing.
func TestAppendRefusesATapeNotWhereTheCatalogSays(t *testing.T) {
	w := newAppendWorld(t, "checksum")
	w.change("juki-daily", 1<<20)
	juki := w.run("juki-daily")
	require.Equal(t, media.RunSucceeded, juki.State, juki.Reason)
	tape := juki.Pieces[0].Barcode

	// Someone wrote over the trailer outside tapewarden.
	d, err := drives.Open(w.image(tape))
	require.NoError(t, err)
	require.NoError(t, d.SpaceFiles(w.ctx, 2))
	_, err = d.Write([]byte("not a trailer"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(w.ctx, 1))
	require.NoError(t, d.Close())
	before := w.contents(tape)

	w.change("koseki-daily", 1<<20)
	koseki := w.run("koseki-daily")
	require.Equal(t, media.RunFailed, koseki.State)
	assert.Contains(t, koseki.Reason, "is not where the catalog says")
	assert.Contains(t, koseki.Reason, fmt.Sprintf("piece 1 of run %d in tape file 1 with its trailer in file 2", juki.ID))
	assert.Contains(t, koseki.Reason, "nothing was written")
	assert.Empty(t, koseki.Pieces)
	assert.Equal(t, before, w.contents(tape), "the cartridge is untouched")
}

// TestUnknownDataIsNeverOverwrittenSilently reproduces a catalog loss:
// the cartridges come back through the library's inventory as scratch,
// and the next run refuses to write over the runs on them, with a prompt;
// after 'media erase' the next run writes.
func TestUnknownDataIsNeverOverwrittenSilently(t *testing.T) {
	w := newAppendWorld(t, "none")
	var first media.Run
	for day := range 6 {
		w.clock.Set(time.Date(2026, 12, 1+day, 22, 0, 0, 0, w.h.cfg.Location))
		w.change("juki-daily", 256<<10)
		r := w.run("juki-daily")
		require.Equal(t, media.RunSucceeded, r.State, "day %d: %s", day+1, r.Reason)
		if day == 0 {
			first = r
		}
		if day == 5 {
			// Rotation's normal reuse: the first night's cartridge again,
			// its data known (and expired), written from file 1.
			assert.Equal(t, first.Pieces[0].Barcode, r.Pieces[0].Barcode)
			assert.Equal(t, int64(1), r.Pieces[0].File)
			assert.Contains(t, r.Log, "all of runs this catalog knows")
		}
	}
	// The catalog is lost; the daemon starts on an empty one, the
	// cartridges are added back as scratch ('media add --pool scratch')
	// and the library's inventory finds them where they are.
	cfg := w.h.cfg
	w.h.stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(cfg.CatalogPath() + suffix)
	}
	cfg.Libraries[0].AddUnknown = false
	w.h = startConfig(t, cfg, func(_ *config.Config, o *Options) { o.Clock = w.clock })
	images := map[string]drives.TapeContents{}
	for i := 1; i <= 5; i++ {
		b := fmt.Sprintf("DLY%03dL8", i)
		_, err := w.h.d.cat.AddCartridge(w.ctx, tester, media.NewCartridge{Barcode: b, Pool: "scratch", Location: media.LibrarySlot("honcho", "lib0", i)})
		require.NoError(t, err)
		images[b] = w.contents(b)
		require.NotEmpty(t, images[b].Trailers, "%s holds the lost catalog's runs", b)
	}
	reps, err := w.h.d.Inventory(w.ctx, tester, "lib0")
	require.NoError(t, err)
	require.Empty(t, reps[0].Problems)

	w.clock.Set(time.Date(2026, 12, 8, 22, 0, 0, 0, cfg.Location))
	refused := w.run("juki-daily")
	require.Equal(t, media.RunFailed, refused.State)
	assert.Contains(t, refused.Reason, "holds data this catalog does not know, so it was not written over")
	assert.Contains(t, refused.Reason, "job juki-daily run ")
	assert.Contains(t, refused.Reason, "a catalog file of catalog ", "the lost catalog's copy on the tape is not this catalog's either")
	assert.Contains(t, refused.Reason, "was not written by this catalog")
	assert.Contains(t, refused.Reason, "tapewarden catalog rebuild")
	assert.Contains(t, refused.Reason, "--confirm --reason TEXT")
	assert.Empty(t, refused.Pieces)
	for b, c := range images {
		assert.Equal(t, c, w.contents(b), "%s is untouched", b)
	}
	open, err := w.h.d.cat.Prompts(w.ctx, false)
	require.NoError(t, err)
	var prompt media.Prompt
	for _, p := range open {
		if p.Kind == promptUnknownData {
			prompt = p
		}
	}
	require.NotZero(t, prompt.ID, "a prompt says what the tape holds")
	victim := prompt.Barcode
	assert.Contains(t, prompt.Why, "job juki-daily run ")
	assert.Contains(t, prompt.Why, "generation daily/")
	assert.Contains(t, prompt.Action, "tapewarden media erase "+victim+" --confirm")

	// A second refusal does not pile up prompts.
	again := w.run("juki-daily")
	require.Equal(t, media.RunFailed, again.State)
	open, err = w.h.d.cat.Prompts(w.ctx, false)
	require.NoError(t, err)
	n := 0
	for _, p := range open {
		if p.Kind == promptUnknownData {
			n++
		}
	}
	assert.Equal(t, 1, n)

	// Releasing needs --confirm and a reason.
	_, err = w.h.d.EraseMedia(w.ctx, tester, victim, "old catalog's copies, kept elsewhere", false)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = w.h.d.EraseMedia(w.ctx, tester, victim, "", true)
	assert.ErrorIs(t, err, media.ErrBadInput)
	ev, err := w.h.d.EraseMedia(w.ctx, tester, victim, "old catalog's copies, kept elsewhere", true)
	require.NoError(t, err)
	assert.Equal(t, "erase", ev.Kind)
	assert.Equal(t, tester.Name, ev.Actor)
	p, err := w.h.d.cat.Prompt(w.ctx, prompt.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptDone, p.State)

	written := w.run("juki-daily")
	require.Equal(t, media.RunSucceeded, written.State, written.Reason)
	assert.Equal(t, victim, written.Pieces[0].Barcode)
	assert.Contains(t, written.Log, "was released for overwriting")
	at, err := w.h.d.cat.TapeDataReleased(w.ctx, victim)
	require.NoError(t, err)
	assert.True(t, at.IsZero(), "the release is used up by the write")
	w.restore(written)
	v, err := w.h.d.cat.Verify(w.ctx, "")
	require.NoError(t, err)
	assert.True(t, v.OK)
}

// TestAForeignLabelWithDataIsRefused: a cartridge whose label is not the
// one the catalog recorded, with runs on it, is not written from file 1
// even when rotation's turn for it has come; the prompt says whose label
// it carries.
func TestAForeignLabelWithDataIsRefused(t *testing.T) {
	w := newAppendWorld(t, "none")
	var first media.Run
	for day := range 5 {
		w.clock.Set(time.Date(2026, 12, 1+day, 22, 0, 0, 0, w.h.cfg.Location))
		w.change("juki-daily", 64<<10)
		r := w.run("juki-daily")
		require.Equal(t, media.RunSucceeded, r.State, r.Reason)
		if day == 0 {
			first = r
		}
	}
	victim := first.Pieces[0].Barcode
	// The catalog recorded another label on it than the tape carries.
	other, err := drives.NewUUID()
	require.NoError(t, err)
	require.NoError(t, w.h.d.cat.SetLabelUUID(w.ctx, victim, other))
	before := w.contents(victim)

	w.clock.Set(time.Date(2026, 12, 6, 22, 0, 0, 0, w.h.cfg.Location))
	r := w.run("juki-daily")
	require.Equal(t, media.RunFailed, r.State)
	assert.Contains(t, r.Reason, victim+" holds data this catalog does not know")
	assert.Contains(t, r.Reason, "is not the one this catalog wrote (UUID "+other+")")
	assert.Contains(t, r.Reason, fmt.Sprintf("job juki-daily run %d generation %s", first.ID, first.Generation))
	assert.Equal(t, before, w.contents(victim), "%s is untouched", victim)
}
