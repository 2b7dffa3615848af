package recovery

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

func testCatalog(t *testing.T) *media.Catalog {
	t.Helper()
	cat, err := media.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"), media.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	_, err = cat.SyncTopology(context.Background(), media.Topology{Sites: []media.Site{{Name: "honcho", Kind: "machine-room", Places: []media.Place{{Name: "shelf", Kind: "shelf"}}}},
		Pools: []media.Pool{{Name: "daily", MediaType: "LTO-8"}}})
	require.NoError(t, err)
	_, err = cat.AddCartridge(context.Background(), media.Actor{Name: "tester", Role: "operator"},
		media.NewCartridge{Barcode: "CAT001L8", Pool: "daily", Location: media.Storage("honcho", "shelf")})
	require.NoError(t, err)
	return cat
}

func TestCatalogFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	cat := testCatalog(t)
	b, err := BuildCatalogFile(ctx, cat, []byte("state_dir: /x\n"), Manifest{Barcode: "CAT001L8", Pool: "daily", Run: 7,
		Systems: []SystemInfo{{Name: "juki", RestorePriority: 1, Jobs: []string{"juki-nightly"}}}}, t.TempDir())
	require.NoError(t, err)
	defer b.Remove()
	head, err := cat.ChainHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, head, b.Manifest.ChainHead)

	img := filepath.Join(t.TempDir(), "CAT001L8.vtape")
	label, err := drives.NewLabel("CAT001L8", "daily", drives.LTO8, "test", time.Now())
	require.NoError(t, err)
	require.NoError(t, drives.CreateLabelledCartridge(img, drives.CartridgeSpec{Barcode: "CAT001L8", MediaType: drives.LTO8}, &label))
	d, err := drives.Open(img)
	require.NoError(t, err)
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	tr, err := WriteCatalogFile(ctx, d, b, 64<<10, drives.Trailer{RunID: "7", Pool: "daily", Barcode: "CAT001L8", DataFile: 1, Start: time.Now().UTC()})
	require.NoError(t, err)
	assert.True(t, tr.IsCatalog())
	assert.Zero(t, tr.Bytes%(64<<10), "whole blocks")
	require.NoError(t, d.Close())

	d, err = drives.Open(img)
	require.NoError(t, err)
	c, err := ReadCartridge(ctx, d)
	require.NoError(t, err)
	require.Len(t, c.Catalogs, 1)
	assert.Empty(t, c.Trailers)
	dest := filepath.Join(t.TempDir(), "copy.db")
	cf, err := ReadCatalogFile(ctx, d, c.Catalogs[0], dest)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	assert.Equal(t, "state_dir: /x\n", string(cf.Config))
	assert.Equal(t, "juki", cf.Manifest.Systems[0].Name)
	copyCat, err := media.Open(ctx, dest, media.Options{})
	require.NoError(t, err)
	defer copyCat.Close()
	got, err := copyCat.Cartridge(ctx, "CAT001L8")
	require.NoError(t, err)
	assert.Equal(t, "daily", got.Pool)

	// A trailer that does not match the file is caught, and nothing is
	// left at dest.
	d, err = drives.Open(img)
	require.NoError(t, err)
	defer d.Close()
	bad := c.Catalogs[0]
	bad.SHA256 = strings.Repeat("0", 64)
	dest2 := filepath.Join(t.TempDir(), "copy.db")
	_, err = ReadCatalogFile(ctx, d, bad, dest2)
	require.ErrorIs(t, err, ErrBadCatalogFile)
	assert.NoFileExists(t, dest2)
}

func trailer(run string, piece int, barcode string, continued bool, bytes int64, total string) drives.Trailer {
	t := drives.Trailer{Format: drives.TrailerFormat, Version: drives.TrailerVersion, Job: "juki-nightly", System: "juki", RunID: run, Pool: "daily",
		Generation: "daily/2026-12-0" + run, Bytes: bytes, SHA256: strings.Repeat("a", 64), Piece: piece, Continued: continued, Barcode: barcode,
		DataFile: 1, Start: time.Date(2026, 12, int(run[0]-'0'), 22, 0, 0, 0, time.UTC), End: time.Date(2026, 12, int(run[0]-'0'), 23, 0, 0, 0, time.UTC)}
	if !continued {
		t.TotalBytes, t.TotalSHA256 = total2(bytes, total)
	}
	return t
}

func total2(b int64, s string) (int64, string) { return b, s }

func TestRunsAndPlan(t *testing.T) {
	full := strings.Repeat("f", 64)
	carts := []Cartridge{
		{Label: drives.Label{Barcode: "A"}, Trailers: []drives.Trailer{trailer("1", 1, "A", false, 10, full)}},
		// Run 2 spans A2 and B; B was not seen for run 3.
		{Label: drives.Label{Barcode: "A2"}, Trailers: []drives.Trailer{trailer("2", 1, "A2", true, 10, ""), trailer("3", 1, "A2", true, 10, "")}},
		{Label: drives.Label{Barcode: "B"}, Trailers: []drives.Trailer{trailer("2", 2, "B", false, 30, full)}},
	}
	carts[2].Trailers[0].TotalBytes = 40
	runs := Runs(carts)
	require.Len(t, runs, 3)
	byID := map[string]TapeRun{}
	for _, r := range runs {
		byID[r.RunID] = r
	}
	assert.True(t, byID["1"].Complete)
	assert.True(t, byID["2"].Complete, byID["2"].Missing)
	assert.Equal(t, []string{"A2", "B"}, byID["2"].Barcodes())
	assert.False(t, byID["3"].Complete)
	assert.Contains(t, byID["3"].Missing, "after piece 1")

	web := trailer("9", 1, "A", false, 5, full)
	web.Job, web.System = "website-nightly", "website"
	runs = append(runs, TapeRun{Job: web.Job, System: web.System, RunID: "9", Complete: true, End: web.End, Pieces: []drives.Trailer{web}})
	plan := Plan(runs, []SystemInfo{{Name: "website", RestorePriority: 2, Jobs: []string{"website-nightly"}}, {Name: "juki", RestorePriority: 1, Jobs: []string{"juki-nightly"}}})
	require.Len(t, plan.Systems, 2)
	assert.Equal(t, "website", plan.Systems[0].Name, "the order given is kept (Systems sorts it)")
	sys := []SystemInfo{{Name: "website", RestorePriority: 2}, {Name: "none", RestorePriority: 0}, {Name: "juki", RestorePriority: 1}}
	SortSystems(sys)
	assert.Equal(t, []string{"juki", "website", "none"}, []string{sys[0].Name, sys[1].Name, sys[2].Name})
	// Without a configuration, systems come from the trailers by name.
	plan = Plan(runs, nil)
	require.Len(t, plan.Systems, 2)
	assert.Equal(t, "juki", plan.Systems[0].Name)
	require.Len(t, plan.Systems[0].Runs, 1)
	assert.Equal(t, "2", plan.Systems[0].Runs[0].RunID, "the newest complete run")
}

func TestImagesSourceSaysWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o640))
	err := (&Images{Dir: dir}).Each(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "holds no virtual cartridge images")
}
