//go:build unix

package archive

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkNoLeaks returns a function that fails the test if a goroutine
// started by this package is still running (after a grace period for
// goroutines that are already returning). Defer it at the start of a test:
// deferred calls run before t.Context is cancelled, which would end a
// leaked goroutine that waits on it and hide the leak.
func checkNoLeaks(t *testing.T) func() {
	t.Helper()
	return func() {
		var left []string
		for range 200 {
			left = ourGoroutines()
			if len(left) == 0 {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Errorf("%d goroutines of package archive still running:\n%s", len(left), strings.Join(left, "\n\n"))
	}
}

// ourGoroutines returns the stacks of goroutines running this package's
// non-test code, other than the tests' own goroutines. Goroutines started
// with sync.WaitGroup.Go name sync as their creator, so the frames are
// what counts.
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var ours []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		_, creator, _ := strings.Cut(g, "\ncreated by ")
		if strings.HasPrefix(creator, "testing.") {
			continue
		}
		for line := range strings.SplitSeq(g, "\n") {
			file, _, _ := strings.Cut(strings.TrimSpace(line), ":")
			if strings.Contains(file, "/daemon/archive/") && strings.HasSuffix(file, ".go") && !strings.HasSuffix(file, "_test.go") {
				ours = append(ours, g)
				break
			}
		}
	}
	return ours
}

// errEOM is the end-of-medium error of the test tapes.
var errEOM = errors.New("test: end of medium")

func isEOM(err error) bool { return errors.Is(err, errEOM) }

// tape is a BlockWriter and BlockReader that keeps blocks in memory, like a
// tape file in variable-block mode. With capacity > 0 it behaves like st
// near the end of a cartridge: the first Write that would pass capacity
// fails with errEOM having written nothing.
type tape struct {
	mu       sync.Mutex
	blocks   [][]byte
	bytes    int
	capacity int
	failAt   int   // with failErr: fail the Write of this block number (1-based)
	failErr  error // error for failAt
	short    bool  // at capacity, accept what fits before failing (physical end)
	onWrite  func(n int)
	readPos  int
}

func (tp *tape) Write(p []byte) (int, error) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.onWrite != nil {
		tp.onWrite(len(tp.blocks))
	}
	if tp.failErr != nil && len(tp.blocks)+1 == tp.failAt {
		return 0, tp.failErr
	}
	if tp.capacity > 0 && tp.bytes+len(p) > tp.capacity {
		room := tp.capacity - tp.bytes
		if !tp.short || room <= 0 {
			return 0, errEOM
		}
		tp.blocks = append(tp.blocks, bytes.Clone(p[:room]))
		tp.bytes += room
		return room, errEOM
	}
	tp.blocks = append(tp.blocks, bytes.Clone(p))
	tp.bytes += len(p)
	return len(p), nil
}

// Read returns the next block, then 0, nil at the end (the filemark).
func (tp *tape) Read(p []byte) (int, error) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.readPos >= len(tp.blocks) {
		return 0, nil
	}
	b := tp.blocks[tp.readPos]
	if len(p) < len(b) {
		return 0, syscall.ENOMEM
	}
	tp.readPos++
	return copy(p, b), nil
}

func (tp *tape) data() []byte {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return bytes.Join(tp.blocks, nil)
}

// tree describes a source tree for tests.
type tree struct{ root string }

// write creates a file with content and mode, and its parents.
func (tr tree) write(t *testing.T, name string, content []byte, mode fs.FileMode) string {
	t.Helper()
	p := filepath.Join(tr.root, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, content, 0o600))
	require.NoError(t, os.Chmod(p, mode))
	return p
}

// pattern returns n bytes that differ from block to block and file to
// file, so that misplaced data shows.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// sampleTree builds a tree with every kind of member the backup stores:
// files of awkward sizes, modes, an empty directory, relative, absolute
// and dangling symbolic links, hard links within and across directories,
// a FIFO, a long name, and fixed modification times.
func sampleTree(t *testing.T) string {
	t.Helper()
	tr := tree{filepath.Join(t.TempDir(), "src")}
	require.NoError(t, os.MkdirAll(tr.root, 0o755))
	for i, size := range []int{0, 1, 511, 512, 513, 100_000, 3*64<<10 + 7} {
		tr.write(t, filepath.Join("files", "f"+string(rune('a'+i))), pattern(i, size), 0o644)
	}
	tr.write(t, "modes/exec", []byte("#!/bin/sh\n"), 0o755)
	tr.write(t, "modes/private", []byte("secret"), 0o600)
	tr.write(t, "modes/setgid", []byte("sg"), fs.ModeSetgid|0o750)
	tr.write(t, "modes/readonly", []byte("ro"), 0o444)
	long := strings.Repeat("long-directory-name/", 8) + strings.Repeat("x", 120)
	tr.write(t, long, []byte("long"), 0o644)
	require.NoError(t, os.MkdirAll(filepath.Join(tr.root, "empty"), 0o750))
	require.NoError(t, os.Symlink("../files/fb", filepath.Join(tr.root, "modes", "rel-link")))
	require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(tr.root, "abs-link")))
	require.NoError(t, os.Symlink("does-not-exist", filepath.Join(tr.root, "dangling")))
	hl := tr.write(t, "links/original", pattern(99, 5000), 0o640)
	require.NoError(t, os.Link(hl, filepath.Join(tr.root, "links", "second")))
	require.NoError(t, os.Link(hl, filepath.Join(tr.root, "modes", "third")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(tr.root, "fifo"), 0o640))
	if os.Geteuid() == 0 {
		require.NoError(t, os.Lchown(filepath.Join(tr.root, "modes", "private"), 1234, 5678))
	}
	// Fixed times, with a fraction that the archive drops.
	base := time.Date(2024, 4, 1, 9, 30, 15, 700_000_000, time.Local)
	i := 0
	require.NoError(t, filepath.WalkDir(tr.root, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		i++
		return os.Chtimes(p, base, base.Add(time.Duration(i)*time.Hour))
	}))
	// Parents last: creating children changed them.
	require.NoError(t, os.Chtimes(filepath.Join(tr.root, "files"), base, base.Add(-time.Hour)))
	return tr.root
}

// compareTrees checks that dst holds what src holds: every entry with its
// type, permissions, size, bytes, modification time (whole seconds),
// symbolic link target, owner (when root) and hard link identity; with
// exactTimes the times must match to the nanosecond (PAX archives keep
// fractions). skip lists src entries that are expected to be missing.
func compareTrees(t *testing.T, src, dst string, exactTimes bool, skip ...string) {
	t.Helper()
	type key struct{ dev, ino uint64 }
	groups := map[key][]string{}
	require.NoError(t, filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(src, p)
		for _, s := range skip {
			if rel == s {
				return nil
			}
		}
		sfi, err := os.Lstat(p)
		require.NoError(t, err)
		dfi, err := os.Lstat(filepath.Join(dst, rel))
		if !assert.NoError(t, err, "%s missing", rel) {
			return nil
		}
		assert.Equal(t, sfi.Mode().Type(), dfi.Mode().Type(), "%s type", rel)
		if sfi.Mode()&fs.ModeSymlink != 0 {
			st, _ := os.Readlink(p)
			dt, _ := os.Readlink(filepath.Join(dst, rel))
			assert.Equal(t, st, dt, "%s link target", rel)
			return nil
		}
		if rel != "." {
			assert.Equal(t, sfi.Mode(), dfi.Mode(), "%s mode", rel)
			want := sfi.ModTime()
			if !exactTimes {
				want = want.Truncate(time.Second)
			}
			assert.Equal(t, want, dfi.ModTime(), "%s mtime", rel)
		}
		ss := sfi.Sys().(*syscall.Stat_t)
		ds := dfi.Sys().(*syscall.Stat_t)
		if os.Geteuid() == 0 {
			assert.Equal(t, ss.Uid, ds.Uid, "%s uid", rel)
			assert.Equal(t, ss.Gid, ds.Gid, "%s gid", rel)
		}
		if sfi.Mode().IsRegular() {
			sb, err := os.ReadFile(p)
			require.NoError(t, err)
			db, err := os.ReadFile(filepath.Join(dst, rel))
			require.NoError(t, err)
			assert.True(t, bytes.Equal(sb, db), "%s content differs", rel)
			if ss.Nlink > 1 {
				k := key{uint64(ss.Dev), uint64(ss.Ino)}
				groups[k] = append(groups[k], rel)
			}
		}
		return nil
	}))
	for _, names := range groups {
		first, err := os.Stat(filepath.Join(dst, names[0]))
		require.NoError(t, err)
		for _, n := range names[1:] {
			other, err := os.Stat(filepath.Join(dst, n))
			require.NoError(t, err)
			assert.True(t, os.SameFile(first, other), "%s and %s should be one file", names[0], n)
		}
	}
}

// readAll drains r; for tests.
func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}
