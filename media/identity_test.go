package media

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestIdentityIsMadeOnceAndKept(t *testing.T) {
	f := newFixture(t)
	id, err := f.cat.Identity(f.ctx)
	require.NoError(t, err)
	assert.Regexp(t, uuidV4, id.UUID)
	assert.False(t, id.Since.IsZero())

	// Reopening keeps it; another catalog has another one.
	require.NoError(t, f.cat.Close())
	again, err := Open(f.ctx, f.path, Options{})
	require.NoError(t, err)
	defer again.Close()
	id2, err := again.Identity(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, id, id2)
	other := newFixture(t)
	id3, err := other.cat.Identity(other.ctx)
	require.NoError(t, err)
	assert.NotEqual(t, id.UUID, id3.UUID)

	// It cannot be changed with SQL.
	db, err := sql.Open("sqlite3", f.path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE catalog_identity SET uuid = 'x'`)
	assert.ErrorContains(t, err, "never changes")
	_, err = db.Exec(`DELETE FROM catalog_identity`)
	assert.ErrorContains(t, err, "never changes")
}

// A catalog made by an older tapewarden (schema version 5) gets its
// identity when it is migrated.
func TestIdentityAddedToOlderCatalog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	steps, err := migrations()
	require.NoError(t, err)
	for v, step := range steps[:5] {
		_, err := db.Exec(step)
		require.NoError(t, err, "step %d", v+1)
	}
	_, err = db.Exec("PRAGMA user_version = 5")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	cat, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	defer cat.Close()
	id, err := cat.Identity(ctx)
	require.NoError(t, err)
	assert.Regexp(t, uuidV4, id.UUID)
}

func TestChainHead(t *testing.T) {
	f := newFixture(t)
	h, err := f.cat.ChainHead(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, ChainHead{ID: 0, Hash: GenesisHash}, h)
	f.add(t, "AAA001L8", Storage("honcho", "shelf"), "daily")
	e, err := f.cat.Record(f.ctx, admin, "config-loaded", "test")
	require.NoError(t, err)
	h, err = f.cat.ChainHead(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, ChainHead{ID: e.ID, Hash: e.Hash}, h)
	res, err := f.cat.Verify(f.ctx, h.Hash)
	require.NoError(t, err)
	assert.True(t, res.OK)
}
