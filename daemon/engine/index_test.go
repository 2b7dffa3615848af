package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// TestFileIndexListFindAndRestoreByGlob: a run records its members in the
// file index as it writes them; restore --list and find answer from it
// without the stored prefix; --path takes a glob or a bare file name.
func TestFileIndexListFindAndRestoreByGlob(t *testing.T) {
	cfg := withMonthlyJob(t)
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 10, 0, 0, cfg.Location))
	h, w := hourly(t, cfg, clock, true)
	ctx := context.Background()
	run := nightlyRun(t, h)
	require.Len(t, run.Pieces, 1)
	files := w.snapshots[1]["juki-nightly"]

	// Every member is in the index, with its tape file.
	all, err := h.d.cat.Members(ctx, media.MemberQuery{Run: run.ID})
	require.NoError(t, err)
	assert.EqualValues(t, run.Files, len(all), "one index row per member written")
	for name, content := range files {
		found := false
		for _, m := range all {
			if m.Path == name {
				found = true
				assert.Equal(t, media.MemberFile, m.Type)
				assert.EqualValues(t, len(content), m.Size)
				assert.Equal(t, 1, m.Piece)
				assert.Equal(t, run.Pieces[0].File, m.File)
			}
		}
		assert.True(t, found, "%s is in the index", name)
	}
	assert.Contains(t, h.log.String()+runLogOf(t, h, run.ID), "file index:")

	// restore --list: a bare name and a glob, without the stored prefix.
	res, err := h.d.ListMembers(ctx, ListRequest{System: "juki", Pattern: "residents.csv"})
	require.NoError(t, err)
	require.Len(t, res.Runs, 1)
	require.Len(t, res.Runs[0].Members, 1)
	assert.True(t, strings.HasSuffix(res.Runs[0].Members[0].Path, "/data/juki/residents.csv"))
	assert.Equal(t, []MissingJob{{Job: "juki-monthly", Reason: "has no succeeded run yet; see 'tapewarden job history juki-monthly'"}}, res.Missing)
	res, err = h.d.ListMembers(ctx, ListRequest{Job: "juki-nightly", Pattern: "records/*.bin"})
	require.NoError(t, err)
	require.Len(t, res.Runs[0].Members, 1)
	assert.True(t, strings.HasSuffix(res.Runs[0].Members[0].Path, "records/day-01.bin"))
	res, err = h.d.ListMembers(ctx, ListRequest{Job: "juki-nightly", Pattern: "/residents.csv"})
	require.NoError(t, err)
	assert.Empty(t, res.Runs[0].Members, "a leading / anchors at the top")
	res, err = h.d.ListMembers(ctx, ListRequest{Job: "juki-nightly", Limit: 2})
	require.NoError(t, err)
	assert.Len(t, res.Runs[0].Members, 2)
	assert.True(t, res.Runs[0].More)

	// find: which run and cartridge hold it.
	held, err := h.d.Find(ctx, "residents.csv", 0)
	require.NoError(t, err)
	require.Len(t, held, 1)
	assert.Equal(t, run.ID, held[0].Run)
	assert.Equal(t, run.Generation, held[0].Generation)
	assert.Equal(t, []string{run.Pieces[0].Barcode}, held[0].Cartridges)
	held, err = h.d.Find(ctx, "no-such-file", 0)
	require.NoError(t, err)
	assert.Empty(t, held)
	_, err = h.d.Find(ctx, " ", 0)
	require.ErrorIs(t, err, ErrInvalid)

	// --path with a glob restores the matching files only.
	dir := t.TempDir()
	rr, err := h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-nightly", Paths: []string{"*.csv"}, To: dir})
	require.NoError(t, err)
	require.True(t, rr.Complete, "%v", rr.Err())
	var got []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, rel)
		}
		return err
	}))
	require.Len(t, got, 1)
	assert.True(t, strings.HasSuffix(got[0], "data/juki/residents.csv"))
	assert.True(t, rr.Jobs[0].Verified)

	// A bare name, and one that matches nothing.
	dir = t.TempDir()
	rr, err = h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-nightly", Paths: []string{"day-01.bin", "nothing-*"}, To: dir})
	require.NoError(t, err)
	assert.False(t, rr.Complete)
	assert.Equal(t, []string{"nothing-*"}, rr.Unmatched)
	assert.EqualValues(t, 1, rr.Jobs[0].Members)
}

// runLogOf returns a run's log as the catalog keeps it.
func runLogOf(t *testing.T, h *harness, id int64) string {
	t.Helper()
	r, err := h.d.cat.Run(context.Background(), id)
	require.NoError(t, err)
	return string(r.Log)
}
