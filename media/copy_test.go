package media

import (
	"context"
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
