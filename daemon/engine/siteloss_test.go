package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/recovery"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// TestSiteLoss backs up two systems over six nights (the last one spans
// two cartridges) with the courier taking cartridges offsite, then loses
// the machine room: the state directory and the configuration are gone,
// only the cartridges at the annex remain. The catalog is rebuilt from
// them alone and every system restored in priority order, byte for byte;
// the audit chain verifies against the head the tapes carry. Then the
// same with the newest tape's catalog file corrupt.
func TestSiteLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("six simulated nights and two rebuilds take a while")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "daemon", "nights.yaml"))
	require.NoError(t, err)
	// Both systems write the daily pool, which goes offsite: two runs a
	// night append to one cartridge, each ending with a catalog file the
	// next overwrites.
	text := strings.Replace(string(data), "    pool: dat\n", "    pool: daily\n", 1)
	text = strings.Replace(text, "offsite: {keep: 1,", "offsite: {keep: 2,", 1)
	dir := shortTempDir(t)
	cfgFile := filepath.Join(dir, "tapewarden.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(strings.ReplaceAll(text, "/var/lib/tapewarden", dir)), 0o640))
	cfg, err := config.LoadConfig(cfgFile)
	require.NoError(t, err)
	jst := cfg.Location
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, jst))
	h := startConfig(t, cfg, func(_ *config.Config, o *Options) { o.Clock = clock })
	h.d.maintEvery = 24 * time.Hour
	w := &world{t: t, h: h, clock: clock, ctx: context.Background(), snapshots: map[int]map[string]map[string][]byte{},
		dataDir: filepath.Join(cfg.StateDir, "data")}
	w.stock()
	ctx := w.ctx

	const nights = 6
	for day := 1; day <= nights; day++ {
		date := time.Date(2026, 12, day, 0, 0, 0, 0, jst)
		w.writeData(day)
		if day == nights {
			// The last night is larger than a cartridge: it spans.
			big := make([]byte, 56<<20)
			rand.Read(big)
			p := filepath.Join(w.dataDir, "juki", "scans.bin")
			require.NoError(t, os.WriteFile(p, big, 0o640))
			w.snapshots[day]["juki-nightly"][strings.TrimPrefix(p, "/")] = big
		}
		juki := w.runAt("juki-nightly", date.Add(22*time.Hour), nil)
		require.Equal(t, media.RunSucceeded, juki.State, "night %d: %s\n%s", day, juki.Reason, juki.Log)
		assert.Contains(t, juki.Log, "wrote the catalog file to", "night %d", day)
		web := w.runAt("website-nightly", date.Add(22*time.Hour+30*time.Minute), nil)
		require.Equal(t, media.RunSucceeded, web.State, "night %d: %s\n%s", day, web.Reason, web.Log)
		assert.Contains(t, web.Log, "appending to", "night %d: the website appends after juki, over juki's catalog file", day)
		if day == nights {
			require.Len(t, juki.Pieces, 2, "the last night spans two cartridges")
		}
		clock.Set(date.Add(33 * time.Hour))
		w.courier(false)
	}

	// The cartridges at the annex survive; the rest is lost.
	atAnnex, err := h.d.cat.Cartridges(ctx, media.Filter{})
	require.NoError(t, err)
	survivors := t.TempDir()
	var offsite []string
	for _, c := range atAnnex {
		if c.Location.Site != "annex" {
			continue
		}
		img, err := h.d.virtualImage(c.Barcode)
		require.NoError(t, err)
		b, err := os.ReadFile(img)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(survivors, c.Barcode+".vtape"), b, 0o640))
		offsite = append(offsite, c.Barcode)
	}
	require.GreaterOrEqual(t, len(offsite), 2, "the courier took cartridges to the annex")
	// Cartridges taken from scratch were labelled by this catalog: their
	// labels name it and the chain head of the time.
	id, err := h.d.cat.Identity(ctx)
	require.NoError(t, err)
	relabelled := 0
	for _, c := range atAnnex {
		if !strings.HasPrefix(c.Barcode, "SCR") || c.Pool != "daily" {
			continue
		}
		img, err := h.d.virtualImage(c.Barcode)
		require.NoError(t, err)
		d, err := drives.Open(img)
		require.NoError(t, err)
		l, err := drives.ReadLabel(ctx, d)
		d.Close()
		require.NoError(t, err)
		assert.Equal(t, id.UUID, l.CatalogUUID, c.Barcode)
		assert.NotZero(t, l.ChainHeadID, c.Barcode)
		relabelled++
	}
	require.NotZero(t, relabelled, "the spanning night took a scratch cartridge")
	h.stop()
	require.NoError(t, os.RemoveAll(cfg.StateDir))

	// The head the tapes carry: the newest catalog file's trailer.
	newest, tapeHead := newestCatalogTrailer(t, survivors)

	t.Run("rebuild and restore", func(t *testing.T) {
		state := t.TempDir()
		var progress bytes.Buffer
		rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: survivors}, StateDir: state, Progress: &progress,
			LabelPatterns: cfg.LabelPatterns()})
		require.NoError(t, err, progress.String())
		for _, b := range offsite {
			assert.Contains(t, progress.String(), b+": pool daily", "a progress line per cartridge")
		}
		assert.ElementsMatch(t, offsite, rep.Cartridges)
		assert.Contains(t, rep.CatalogFrom, newest.Barcode)
		assert.Empty(t, rep.Rejected)
		assert.Equal(t, tapeHead, rep.TapeHead)
		// The copy was written during the night's last run: the trailers
		// finish it.
		assert.NotEmpty(t, rep.RunsFinished)
		assert.NotEmpty(t, rep.Expected, "the cartridges left in the library are listed, not marked lost")
		assert.Empty(t, rep.Added)
		assert.Empty(t, rep.Conflicts)
		recovered, err := os.ReadFile(filepath.Join(state, recovery.RecoveredConfigName))
		require.NoError(t, err, "the configuration comes back from the tape")
		assert.Contains(t, string(recovered), "restore_priority: 1")
		require.Len(t, rep.Systems, 2)
		assert.Equal(t, "juki", rep.Systems[0].Name)
		verifyRebuilt(t, filepath.Join(state, recovery.CatalogFileName), tapeHead.Hash, cfg)

		restoreAll(t, w, survivors, "", nights)

		// The daemon comes back on the rebuilt catalog with the
		// configuration from the tape (its state directory moved), and
		// its audit chain passes through the head from the tapes.
		newCfg, err := config.ParseConfig("from-tape.yaml", bytes.ReplaceAll(recovered, []byte(dir), []byte(state)))
		require.NoError(t, err)
		back := startConfig(t, newCfg, func(_ *config.Config, o *Options) { o.Clock = newFakeClock(clock.Now()) })
		v, err := back.d.cat.Verify(ctx, tapeHead.Hash)
		require.NoError(t, err)
		assert.True(t, v.OK, v.Problem)
		runs, err := back.d.cat.Runs(ctx, media.RunFilter{Job: "website-nightly", Limit: 1})
		require.NoError(t, err)
		require.NotEmpty(t, runs)
		assert.Equal(t, media.RunSucceeded, runs[0].State, "the night's last run, finished from its trailers")
		back.stop()
	})

	t.Run("newest catalog file corrupt", func(t *testing.T) {
		damaged := t.TempDir()
		ents, err := os.ReadDir(survivors)
		require.NoError(t, err)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(survivors, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(damaged, e.Name()), b, 0o640))
		}
		corruptCatalogFile(t, filepath.Join(damaged, newest.Barcode+".vtape"), newest)
		state := t.TempDir()
		var progress bytes.Buffer
		rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: damaged}, StateDir: state, Progress: &progress,
			LabelPatterns: cfg.LabelPatterns()})
		require.NoError(t, err, progress.String())
		require.Len(t, rep.Rejected, 1, "%+v", rep)
		assert.Contains(t, rep.Rejected[0], newest.Barcode)
		assert.Contains(t, rep.Rejected[0], "not a readable catalog file")
		assert.NotContains(t, rep.CatalogFrom, newest.Barcode)
		require.NotEmpty(t, rep.CatalogFrom, "it falls back to the previous catalog file")
		assert.Less(t, rep.TapeHead.ID, tapeHead.ID)
		// The last night is not in the older copy: its runs come from the
		// trailers.
		var merged []string
		merged = append(append(merged, rep.RunsAdded...), rep.RunsFinished...)
		assert.GreaterOrEqual(t, len(merged), 2, "%+v", rep)
		cat := verifyRebuilt(t, filepath.Join(state, recovery.CatalogFileName), rep.TapeHead.Hash, cfg)
		_ = cat
		restoreAll(t, w, damaged, "juki", nights)
	})

	t.Run("cartridges without catalog files", func(t *testing.T) {
		// As written before catalog files existed: labels and trailers
		// only.
		old := t.TempDir()
		ents, err := os.ReadDir(survivors)
		require.NoError(t, err)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(survivors, e.Name()))
			require.NoError(t, err)
			p := filepath.Join(old, e.Name())
			require.NoError(t, os.WriteFile(p, b, 0o640))
			d, err := drives.Open(p)
			require.NoError(t, err)
			c, err := recovery.ReadCartridge(ctx, d)
			require.NoError(t, err)
			if len(c.Catalogs) > 0 {
				require.NoError(t, d.Rewind(ctx))
				require.NoError(t, d.SpaceFiles(ctx, int(c.Catalogs[0].DataFile)))
				require.NoError(t, d.WriteFilemarks(ctx, 1))
			}
			require.NoError(t, d.Close())
		}
		state := t.TempDir()
		var progress bytes.Buffer
		rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: old}, StateDir: state, Progress: &progress,
			LabelPatterns: cfg.LabelPatterns()})
		require.NoError(t, err, progress.String())
		assert.Contains(t, progress.String(), "no catalog file")
		assert.Empty(t, rep.CatalogFrom)
		assert.ElementsMatch(t, offsite, rep.Added, "every cartridge comes from its label")
		assert.GreaterOrEqual(t, len(rep.RunsAdded), 4, "two systems, at least the two generations kept offsite: %+v", rep)
		assert.NotEqual(t, tapeHead.Hash, rep.Head.Hash)
		verifyRebuilt(t, filepath.Join(state, recovery.CatalogFileName), rep.Head.Hash, cfg)
		restoreAll(t, w, old, "", nights)
	})

	t.Run("an existing catalog is never replaced", func(t *testing.T) {
		state := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(state, recovery.CatalogFileName), []byte("keep me"), 0o640))
		_, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: survivors}, StateDir: state})
		require.ErrorIs(t, err, recovery.ErrCatalogExists)
		b, _ := os.ReadFile(filepath.Join(state, recovery.CatalogFileName))
		assert.Equal(t, "keep me", string(b))
	})

	t.Run("an interrupted rebuild leaves nothing", func(t *testing.T) {
		state := t.TempDir()
		cctx, cancel := context.WithCancel(ctx)
		lines := 0
		_, err := recovery.Rebuild(cctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: survivors}, StateDir: state,
			Progress: writerFunc(func(p []byte) { lines++; cancel() })})
		require.ErrorIs(t, err, context.Canceled)
		ents, err := os.ReadDir(state)
		require.NoError(t, err)
		assert.Empty(t, ents, "no catalog, no temporary file")
	})
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// newestCatalogTrailer reads the images' trailers directly and returns
// the newest catalog file's trailer and the chain head it names.
func newestCatalogTrailer(t *testing.T, dir string) (drives.Trailer, media.ChainHead) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var newest drives.Trailer
	for _, e := range ents {
		d, err := drives.Open(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		c, err := drives.ScanTrailers(context.Background(), d, 1000)
		d.Close()
		require.NoError(t, err)
		for _, tr := range c.Trailers {
			require.NotEmpty(t, tr.CatalogUUID, "every trailer names its catalog")
			if tr.IsCatalog() && tr.ChainHeadID > newest.ChainHeadID {
				newest = tr
			}
		}
	}
	require.NotZero(t, newest.ChainHeadID, "a catalog file is on the tapes")
	return newest, media.ChainHead{ID: newest.ChainHeadID, Hash: newest.ChainHeadHash}
}

// corruptCatalogFile overwrites a catalog file with other bytes and puts
// its old trailer back after it, as a tape damaged in that file would read.
func corruptCatalogFile(t *testing.T, image string, tr drives.Trailer) {
	t.Helper()
	ctx := context.Background()
	d, err := drives.Open(image)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, int(tr.DataFile)))
	junk := make([]byte, 64<<10)
	rand.Read(junk)
	_, err = d.Write(junk)
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	require.NoError(t, drives.WriteTrailer(ctx, d, tr))
}

// verifyRebuilt opens the rebuilt catalog and checks its audit chain
// against the head from the tapes, and that it ends with a rebuilt event.
func verifyRebuilt(t *testing.T, path, head string, cfg *config.Config) *media.Catalog {
	t.Helper()
	cat, err := media.Open(context.Background(), path, media.Options{LabelPatterns: cfg.LabelPatterns()})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	v, err := cat.Verify(context.Background(), head)
	require.NoError(t, err)
	require.True(t, v.OK, v.Problem)
	evs, err := cat.Events(context.Background(), media.EventFilter{Limit: 1})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, "rebuilt", evs[0].Kind)
	runs, err := cat.Runs(context.Background(), media.RunFilter{Job: "juki-nightly", Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	assert.Equal(t, media.RunSucceeded, runs[0].State)
	return cat
}

// restoreAll restores from the images without any catalog and compares
// each system with the last night's data.
func restoreAll(t *testing.T, w *world, images, system string, night int) {
	t.Helper()
	to := t.TempDir()
	var progress bytes.Buffer
	res, err := recovery.RestoreFromTape(context.Background(), recovery.RestoreOptions{Source: &recovery.Images{Dir: images}, To: to, System: system, Progress: &progress})
	require.NoError(t, err, progress.String())
	want := []string{"juki-nightly", "website-nightly"} // restore priority 1, then 2
	if system != "" {
		want = want[:1]
	}
	require.Len(t, res, len(want), progress.String())
	for i, rj := range res {
		assert.Equal(t, want[i], rj.Job, "restore order")
		assert.True(t, rj.Verified)
		got := map[string][]byte{}
		require.NoError(t, filepath.WalkDir(rj.Dir, func(p string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(rj.Dir, p)
			got[rel] = b
			return err
		}))
		snap := w.snapshots[night][rj.Job]
		require.Equal(t, len(snap), len(got), "files of %s", rj.Job)
		for name, content := range snap {
			require.True(t, bytes.Equal(content, got[name]), "%s of %s differs", name, rj.Job)
		}
	}
	_ = io.Discard
	_ = fmt.Sprint
}
