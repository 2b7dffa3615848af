//go:build unix

package archive

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needTar returns the path of tar or skips the test.
func needTar(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("tar (GNU tar) is not on PATH; the interoperability with GNU tar was not checked")
	}
	return p
}

func runTar(t *testing.T, tarPath string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tarPath, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "tar %s: %s", strings.Join(args, " "), stderr.String())
	assert.Empty(t, stderr.String(), "tar %s warned", strings.Join(args, " "))
	return string(out)
}

func TestGNUTarReadsOurStream(t *testing.T) {
	tarPath := needTar(t)
	src := sampleTree(t)
	tp := &tape{}
	res, err := (&Backup{Paths: []string{src}, BlockSize: 32 << 10, RingSize: 4 * 32 << 10}).Run(t.Context(), tp)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "backup.tar")
	require.NoError(t, os.WriteFile(file, tp.data(), 0o600))

	listing := runTar(t, tarPath, "-tvf", file)
	lines := strings.Split(strings.TrimSpace(listing), "\n")
	assert.EqualValues(t, res.Members, len(lines), "one line per member:\n%s", listing)
	prefix := memberName(src)
	assert.Contains(t, listing, prefix+"/links/second link to "+prefix+"/links/original")
	assert.Contains(t, listing, prefix+"/modes/rel-link -> ../files/fb")

	dst := t.TempDir()
	runTar(t, tarPath, "-xpf", file, "-C", dst)
	compareTrees(t, src, filepath.Join(dst, prefix), false)
}

func TestGNUTarReadsChunkedSource(t *testing.T) {
	tarPath := needTar(t)
	data := pattern(5, 25_000)
	tp := &tape{}
	_, err := (&Backup{Source: bytes.NewReader(data), SourceName: "db/dump.sql", ChunkSize: 10_000}).Run(t.Context(), tp)
	require.NoError(t, err)
	dir := t.TempDir()
	file := filepath.Join(dir, "backup.tar")
	require.NoError(t, os.WriteFile(file, tp.data(), 0o600))
	runTar(t, tarPath, "-xf", file, "-C", dir)
	// The documented way back without tapewarden.
	cmd := exec.Command("sh", "-c", "cat db/dump.sql.* > dump.sql")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	got, err := os.ReadFile(filepath.Join(dir, "dump.sql"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got), "cat NAME.* gives the source back")
}

func TestExtractGNUTarStream(t *testing.T) {
	tarPath := needTar(t)
	src := sampleTree(t)
	for _, format := range []string{"gnu", "posix", "oldgnu"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "gnu.tar")
			runTar(t, tarPath, "--format="+format, "-cf", file, "-C", src, ".")
			f, err := os.Open(file)
			require.NoError(t, err)
			defer f.Close()
			dst := t.TempDir()
			opts := ExtractOptions{AllowDevices: os.Geteuid() == 0}
			var skip []string
			if !opts.AllowDevices {
				opts.TolerateRefused = true
				skip = append(skip, "fifo")
			}
			res, err := Extract(t.Context(), f, dst, opts)
			require.NoError(t, err)
			if opts.AllowDevices {
				assert.Empty(t, res.Refused)
			}
			compareTrees(t, src, dst, format == "posix", skip...)
		})
	}
}
