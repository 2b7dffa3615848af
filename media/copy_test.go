package media

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCopyTo(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", Storage("honcho", "shelf"), "daily")
	_, err := f.cat.Move(f.ctx, operator, "DLY001L8", Storage("honcho", "safe"), MoveOptions{})
	require.NoError(t, err)
	dst := filepath.Join(t.TempDir(), "copy.db")
	res, err := f.cat.CopyTo(f.ctx, dst)
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.EqualValues(t, 2, res.Events)
	live, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.Equal(t, live.HeadHash, res.HeadHash)

	// The copy opens as a catalog of its own.
	copyCat, err := Open(context.Background(), dst, Options{})
	require.NoError(t, err)
	defer copyCat.Close()
	c, err := copyCat.Cartridge(f.ctx, "DLY001L8")
	require.NoError(t, err)
	assert.Equal(t, "honcho/safe", c.Location.String())

	_, err = f.cat.CopyTo(f.ctx, "relative.db")
	assert.ErrorIs(t, err, ErrBadInput)
}

// TestCopyToPathsWithPercent checks that a '%' in the catalog's path or the
// copy's is a character of the name, not the start of a URI escape.
func TestCopyToPathsWithPercent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "100%25 tapes")
	require.NoError(t, os.Mkdir(dir, 0o755))
	ctx := context.Background()
	cat, err := Open(ctx, filepath.Join(dir, "catalog.db"), Options{})
	require.NoError(t, err)
	defer cat.Close()
	_, err = cat.SyncTopology(ctx, testTopology())
	require.NoError(t, err)
	dst := filepath.Join(dir, "copy%20.db")
	res, err := cat.CopyTo(ctx, dst)
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.FileExists(t, dst)
	assert.NoFileExists(t, filepath.Join(dir, "copy .db"))
}
