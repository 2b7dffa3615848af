package archive

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRawFileReadsAndStatsLikeOS: a source file opened without the
// runtime's poller reads the same bytes and describes itself as os.Stat
// does, so the tar header built from it is the same, special mode bits
// included; a symbolic link and a missing file fail as before.
func TestRawFileReadsAndStatsLikeOS(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		mode os.FileMode
	}{
		{"plain", 0o640},
		{"setuid", 0o755 | os.ModeSetuid},
		{"setgid-sticky", 0o700 | os.ModeSetgid | os.ModeSticky},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			content := []byte("contents of " + tc.name)
			require.NoError(t, os.WriteFile(p, content, 0o600))
			require.NoError(t, os.Chmod(p, tc.mode))
			f, err := openFile(p)
			require.NoError(t, err)
			defer f.Close()
			got, err := io.ReadAll(f)
			require.NoError(t, err)
			assert.Equal(t, content, got)

			st, err := f.Stat()
			require.NoError(t, err)
			want, err := os.Stat(p)
			require.NoError(t, err)
			assert.Equal(t, want.Name(), st.Name())
			assert.Equal(t, want.Size(), st.Size())
			assert.Equal(t, want.Mode(), st.Mode())
			assert.True(t, want.ModTime().Equal(st.ModTime()), "%v != %v", want.ModTime(), st.ModTime())
			assert.False(t, st.IsDir())
			wid, wn := identity(want)
			gid, gn := identity(st)
			assert.Equal(t, wid, gid)
			assert.Equal(t, wn, gn)

			wh, err := tar.FileInfoHeader(want, "")
			require.NoError(t, err)
			gh, err := tar.FileInfoHeader(st, "")
			require.NoError(t, err)
			assert.Equal(t, wh, gh)
		})
	}

	d, err := openFile(dir)
	require.NoError(t, err)
	st, err := d.Stat()
	require.NoError(t, err)
	assert.True(t, st.IsDir())
	want, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, want.Mode(), st.Mode())
	require.NoError(t, d.Close())

	require.NoError(t, os.Symlink(filepath.Join(dir, "plain"), filepath.Join(dir, "link")))
	_, err = openFile(filepath.Join(dir, "link"))
	assert.ErrorIs(t, err, syscall.ELOOP)
	_, err = openFile(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
