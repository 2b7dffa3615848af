//go:build unix

package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// members lists the names, types and sizes of a tar stream.
func members(t *testing.T, stream []byte) []string {
	t.Helper()
	var out []string
	tr := tar.NewReader(bytes.NewReader(stream))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%s %c %d", h.Name, h.Typeflag, h.Size))
	}
}

func TestBackupRoundTrip(t *testing.T) {
	defer checkNoLeaks(t)()
	src := sampleTree(t)
	tp := &tape{}
	b := &Backup{Paths: []string{src}, BlockSize: 64 << 10, RingSize: 4 * 64 << 10}
	res, err := b.Run(t.Context(), tp)
	require.NoError(t, err)
	stream := tp.data()

	assert.Equal(t, int64(len(stream)), res.Bytes)
	assert.Equal(t, sum(stream), res.SHA256)
	require.Len(t, res.Pieces, 1)
	assert.Equal(t, Piece{Index: 1, Bytes: res.Bytes, Blocks: int64(len(tp.blocks)), SHA256: res.SHA256}, res.Pieces[0])
	assert.Empty(t, res.Warnings)
	for i, blk := range tp.blocks[:len(tp.blocks)-1] {
		assert.Len(t, blk, 64<<10, "block %d", i)
	}
	assert.Zero(t, len(stream)%512, "the stream is whole tar blocks")
	assert.Equal(t, make([]byte, 1024), stream[len(stream)-1024:], "end-of-archive marker")

	list := members(t, stream)
	assert.EqualValues(t, len(list), res.Members)
	prefix := memberName(src)
	assert.Contains(t, list, prefix+"/links/second 1 0", "second name of a file is a hard link")
	assert.Contains(t, list, prefix+"/fifo 6 0")

	dst := t.TempDir()
	opts := ExtractOptions{AllowDevices: os.Geteuid() == 0}
	skip := []string{}
	if !opts.AllowDevices {
		opts.TolerateRefused = true
		skip = append(skip, "fifo")
	}
	xres, err := Extract(t.Context(), bytes.NewReader(stream), dst, opts)
	require.NoError(t, err)
	assert.Equal(t, res.Members-int64(len(skip)), xres.Members)
	compareTrees(t, src, filepath.Join(dst, prefix), false, skip...)
}

// TestBackupRingSizes checks rings from the smallest allowed up, with
// thresholds from "start at once" to "start when full".
func TestBackupRingSizes(t *testing.T) {
	src := t.TempDir()
	for i := range 5 {
		require.NoError(t, os.WriteFile(filepath.Join(src, fmt.Sprint(i)), pattern(i, i*10000+100), 0o644))
	}
	var want []byte
	for _, tc := range []struct {
		name      string
		slots     int
		threshold float64
	}{
		{"default threshold", 8, 0},
		{"two slots, start when full", 2, 1},
		{"two slots, start at once", 2, 0.01},
		{"three slots, start when full", 3, 1},
		{"many slots", 64, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer checkNoLeaks(t)()
			tp := &tape{}
			res, err := (&Backup{Paths: []string{src}, BlockSize: 4096, RingSize: tc.slots * 4096, StartThreshold: tc.threshold}).Run(t.Context(), tp)
			require.NoError(t, err)
			if want == nil {
				want = tp.data()
			}
			assert.True(t, bytes.Equal(want, tp.data()), "the stream does not depend on the ring")
			assert.Equal(t, sum(want), res.SHA256)
		})
	}
}

func TestBackupDeviceNodes(t *testing.T) {
	src := t.TempDir()
	dev := filepath.Join(src, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o640, 1<<8|3); err != nil {
		t.Skipf("cannot make a device node here (%v); run the tests as root with CAP_MKNOD to check them", err)
	}
	tp := &tape{}
	_, err := (&Backup{Paths: []string{dev}}).Run(t.Context(), tp)
	require.NoError(t, err)
	tr := tar.NewReader(bytes.NewReader(tp.data()))
	h, err := tr.Next()
	require.NoError(t, err)
	assert.Equal(t, byte(tar.TypeChar), h.Typeflag)
	assert.Equal(t, [2]int64{1, 3}, [2]int64{h.Devmajor, h.Devminor})

	dst := t.TempDir()
	_, err = Extract(t.Context(), bytes.NewReader(tp.data()), dst, ExtractOptions{AllowDevices: true})
	require.NoError(t, err)
	compareTrees(t, src, filepath.Join(dst, memberName(src)), false)
	var st syscall.Stat_t
	require.NoError(t, syscall.Lstat(filepath.Join(dst, memberName(dev)), &st))
	assert.Equal(t, uint64(1<<8|3), uint64(st.Rdev))
}

func TestBackupMemberNames(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/srv/data", "srv/data"},
		{"srv/data/", "srv/data"},
		{"./srv//data", "srv/data"},
		{"../../srv", "srv"},
		{"/", "."},
		{".", "."},
		{"..", "."},
	} {
		t.Run(tc.path, func(t *testing.T) {
			assert.Equal(t, tc.want, memberName(tc.path))
		})
	}
}

func TestBackupSourceChunks(t *testing.T) {
	const chunk = 10_000
	for _, tc := range []struct {
		name   string
		size   int
		chunks []int64
	}{
		{"empty", 0, []int64{0}},
		{"shorter than a chunk", 1234, []int64{1234}},
		{"exactly one chunk", chunk, []int64{chunk}},
		{"several and a short one", 3*chunk + 17, []int64{chunk, chunk, chunk, 17}},
		{"exact multiple", 2 * chunk, []int64{chunk, chunk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer checkNoLeaks(t)()
			data := pattern(tc.size, tc.size)
			tp := &tape{}
			b := &Backup{
				Source:     iotest.HalfReader(bytes.NewReader(data)),
				SourceName: "/juki/pg_dump.sql",
				ChunkSize:  chunk,
				BlockSize:  4096,
				RingSize:   4 * 4096,
			}
			res, err := b.Run(t.Context(), tp)
			require.NoError(t, err)
			stream := tp.data()
			var want []string
			for i, n := range tc.chunks {
				want = append(want, fmt.Sprintf("juki/pg_dump.sql.%06d 0 %d", i, n))
			}
			assert.Equal(t, want, members(t, stream))
			assert.EqualValues(t, len(tc.chunks), res.Members)

			var out bytes.Buffer
			n, err := Reassemble(t.Context(), bytes.NewReader(stream), "juki/pg_dump.sql", &out)
			require.NoError(t, err)
			assert.EqualValues(t, tc.size, n)
			assert.True(t, bytes.Equal(data, out.Bytes()), "reassembled output differs")

			dst := t.TempDir()
			xres, err := Extract(t.Context(), bytes.NewReader(stream), dst, ExtractOptions{Reassemble: true})
			require.NoError(t, err)
			assert.EqualValues(t, 1, xres.Members)
			got, err := os.ReadFile(filepath.Join(dst, "juki", "pg_dump.sql"))
			require.NoError(t, err)
			assert.True(t, bytes.Equal(data, got), "reassembled file differs")
		})
	}
}

func TestBackupPathsAndSource(t *testing.T) {
	defer checkNoLeaks(t)()
	src := filepath.Join(t.TempDir(), "etc")
	require.NoError(t, os.Mkdir(src, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "app.conf"), []byte("x=1\n"), 0o644))
	tp := &tape{}
	b := &Backup{Paths: []string{src}, Source: strings.NewReader("dump"), SourceName: "db.sql"}
	_, err := b.Run(t.Context(), tp)
	require.NoError(t, err)
	prefix := memberName(src)
	assert.Equal(t, []string{prefix + "/ 5 0", prefix + "/app.conf 0 4", "db.sql.000000 0 4"}, members(t, tp.data()))
}

func TestBackupChangingFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hook    func(t *testing.T, stage, path string)
		warning string
		want    func(orig []byte) []byte // the member's content; nil: no member
	}{
		{
			name: "vanished before it was read",
			hook: func(t *testing.T, stage, path string) {
				if stage == "listed" && filepath.Base(path) == "victim" {
					require.NoError(t, os.Remove(path))
				}
			},
			warning: "victim: file vanished before it was read; skipped",
		},
		{
			name: "shrank while read",
			hook: func(t *testing.T, stage, path string) {
				if stage == "opened" && filepath.Base(path) == "victim" {
					require.NoError(t, os.Truncate(path, 1000))
				}
			},
			warning: "victim: file shrank by 199000 bytes while being read; padded with zeros to 200000 bytes",
			want: func(orig []byte) []byte {
				return append(bytes.Clone(orig[:1000]), make([]byte, 199000)...)
			},
		},
		{
			name: "grew while read",
			hook: func(t *testing.T, stage, path string) {
				if stage == "opened" && filepath.Base(path) == "victim" {
					f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
					require.NoError(t, err)
					_, err = f.Write(make([]byte, 5000))
					require.NoError(t, err)
					require.NoError(t, f.Close())
				}
			},
			warning: "victim: file grew by 5000 bytes while being read; archived its first 200000 bytes",
			want:    func(orig []byte) []byte { return orig },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer checkNoLeaks(t)()
			src := t.TempDir()
			orig := pattern(7, 200000)
			require.NoError(t, os.WriteFile(filepath.Join(src, "victim"), orig, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(src, "zafter"), []byte("after"), 0o644))
			tp := &tape{}
			var warned []string
			b := &Backup{
				Paths:     []string{src},
				BlockSize: 4096, RingSize: 8 * 4096,
				Warn: func(m string) { warned = append(warned, m) },
				hook: func(stage, path string) { tc.hook(t, stage, path) },
			}
			res, err := b.Run(t.Context(), tp)
			require.NoError(t, err)
			require.Len(t, res.Warnings, 1)
			assert.True(t, strings.HasSuffix(res.Warnings[0], tc.warning), res.Warnings[0])
			assert.Equal(t, res.Warnings, warned)

			// The archive stays well-formed: every member reads back.
			found := map[string][]byte{}
			tr := tar.NewReader(bytes.NewReader(tp.data()))
			for {
				h, err := tr.Next()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				found[filepath.Base(h.Name)] = readAll(t, tr)
			}
			assert.Equal(t, []byte("after"), found["zafter"])
			if tc.want == nil {
				assert.NotContains(t, found, "victim")
			} else {
				assert.True(t, bytes.Equal(tc.want(orig), found["victim"]), "victim content")
			}
		})
	}
}

func TestBackupSkipsSockets(t *testing.T) {
	defer checkNoLeaks(t)()
	// Socket paths are limited to about 100 bytes; t.TempDir can be longer.
	dir, err := os.MkdirTemp("", "sock")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	l, err := net.Listen("unix", filepath.Join(dir, "s"))
	require.NoError(t, err)
	defer l.Close()
	tp := &tape{}
	res, err := (&Backup{Paths: []string{dir}}).Run(t.Context(), tp)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "s") + ": socket ignored"}, res.Warnings)
	assert.Equal(t, []string{memberName(dir) + "/ 5 0"}, members(t, tp.data()))
}

func TestBackupErrors(t *testing.T) {
	boom := errors.New("boom")
	big := func(t *testing.T) string {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "big"), pattern(1, 1<<20), 0o644))
		return dir
	}
	for _, tc := range []struct {
		name   string
		backup func(t *testing.T) (*Backup, *tape, context.Context)
		want   string
		is     error
	}{
		{
			name: "missing path",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{Paths: []string{filepath.Join(t.TempDir(), "nope")}}, &tape{}, t.Context()
			},
			want: "stat ", is: os.ErrNotExist,
		},
		{
			name: "blocks too large for the default ring",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{Paths: []string{big(t)}, BlockSize: DefaultRingSize}, &tape{}, t.Context()
			},
			want: fmt.Sprintf("ring size %d is smaller than two %d-byte blocks", DefaultRingSize, DefaultRingSize),
		},
		{
			name: "source fails",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				src := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))
				return &Backup{Source: src, SourceName: "dump"}, &tape{}, t.Context()
			},
			want: "read dump: boom", is: boom,
		},
		{
			name: "writer fails",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{Paths: []string{big(t)}, BlockSize: 4096, RingSize: 4 * 4096}, &tape{failAt: 3, failErr: boom}, t.Context()
			},
			want: "write block 2: boom", is: boom,
		},
		{
			name: "end of medium without a next volume",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{Paths: []string{big(t)}, BlockSize: 4096, RingSize: 4 * 4096, IsEndOfMedium: isEOM},
					&tape{capacity: 3 * 4096}, t.Context()
			},
			want: "write block 3: test: end of medium (no next volume to continue on)", is: errEOM,
		},
		{
			name: "end of medium that is not classified",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{Paths: []string{big(t)}, BlockSize: 4096, RingSize: 4 * 4096}, &tape{capacity: 4096}, t.Context()
			},
			want: "write block 1: test: end of medium", is: errEOM,
		},
		{
			name: "next volume fails",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{
					Paths: []string{big(t)}, BlockSize: 4096, RingSize: 4 * 4096, IsEndOfMedium: isEOM,
					NextVolume: func(context.Context, Piece) (BlockWriter, error) { return nil, boom },
				}, &tape{capacity: 4096}, t.Context()
			},
			want: "next volume for piece 2: boom", is: boom,
		},
		{
			name: "next volume is full at once",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{
					Paths: []string{big(t)}, BlockSize: 4096, RingSize: 4 * 4096, IsEndOfMedium: isEOM,
					NextVolume: func(context.Context, Piece) (BlockWriter, error) { return &tape{capacity: 100}, nil },
				}, &tape{capacity: 4096}, t.Context()
			},
			want: "write block 1: test: end of medium at the start of piece 2", is: errEOM,
		},
		{
			name: "cancelled while writing",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				ctx, cancel := context.WithCancel(t.Context())
				return &Backup{Paths: []string{big(t)}, BlockSize: 4096, RingSize: 4 * 4096},
					&tape{onWrite: func(n int) {
						if n == 2 {
							cancel()
							time.Sleep(10 * time.Millisecond)
						}
					}}, ctx
			},
			want: "backup interrupted: context canceled", is: context.Canceled,
		},
		{
			name: "cancelled before the start",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return &Backup{Paths: []string{big(t)}}, &tape{}, ctx
			},
			want: "backup interrupted: context canceled", is: context.Canceled,
		},
		{
			name: "bad block size",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{Paths: []string{"."}, BlockSize: 1000}, &tape{}, t.Context()
			},
			want: "archive: block size 1000 is not a positive multiple of 512",
		},
		{
			name: "nothing to back up",
			backup: func(t *testing.T) (*Backup, *tape, context.Context) {
				return &Backup{}, &tape{}, t.Context()
			},
			want: "archive: nothing to back up: no paths and no source",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer checkNoLeaks(t)()
			b, tp, ctx := tc.backup(t)
			res, err := b.Run(ctx, tp)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Empty(t, res.SHA256)
			assert.EqualValues(t, tp.bytes, res.Bytes, "the result counts what was written")
		})
	}
}

func TestBackupSpanning(t *testing.T) {
	for _, tc := range []struct {
		name     string
		capacity []int // of each volume, in bytes
		short    bool  // volumes take part of the last block (physical end)
	}{
		{"two volumes", []int{300 << 10, 0}, false},
		{"four volumes", []int{100 << 10, 100 << 10, 100 << 10, 0}, false},
		{"short writes at the end", []int{100<<10 + 1000, 90<<10 + 3, 0}, true},
		// The hasher runs ahead of the writer; pieces that end within the
		// slot where the previous one ended must still get their own bytes.
		{"pieces within one block", []int{100<<10 + 1000, 700, 5000, 3, 0}, true},
		{"pieces of one block", []int{16 << 10, 16 << 10, 32 << 10, 0}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer checkNoLeaks(t)()
			src := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(src, "a"), pattern(1, 250<<10), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(src, "b"), pattern(2, 120<<10), 0o644))

			// The same stream on one volume.
			whole := &tape{}
			single, err := (&Backup{Paths: []string{src}, BlockSize: 16 << 10}).Run(t.Context(), whole)
			require.NoError(t, err)

			tapes := []*tape{{capacity: tc.capacity[0], short: tc.short}}
			var calls []Piece
			b := &Backup{
				Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10, IsEndOfMedium: isEOM,
				NextVolume: func(ctx context.Context, done Piece) (BlockWriter, error) {
					calls = append(calls, done)
					tp := &tape{capacity: tc.capacity[len(tapes)], short: tc.short}
					tapes = append(tapes, tp)
					return tp, nil
				},
			}
			res, err := b.Run(t.Context(), tapes[0])
			require.NoError(t, err)
			require.Len(t, res.Pieces, len(tc.capacity))
			assert.Equal(t, calls, res.Pieces[:len(res.Pieces)-1], "NextVolume saw each finished piece")

			var joined []byte
			for i, tp := range tapes {
				data := tp.data()
				joined = append(joined, data...)
				p := res.Pieces[i]
				assert.Equal(t, i+1, p.Index)
				assert.EqualValues(t, len(data), p.Bytes, "piece %d bytes", i+1)
				assert.EqualValues(t, len(tp.blocks), p.Blocks, "piece %d blocks", i+1)
				assert.Equal(t, sum(data), p.SHA256, "piece %d checksum", i+1)
				if tc.capacity[i] > 0 {
					assert.LessOrEqual(t, len(data), tc.capacity[i])
				}
			}
			assert.True(t, bytes.Equal(whole.data(), joined), "the pieces make up the stream")
			assert.Equal(t, single.SHA256, res.SHA256)
			assert.EqualValues(t, len(joined), res.Bytes)

			// Reading the pieces back gives the stream and the same checksums.
			r := NewReader(t.Context(), func(_ context.Context, n int) (BlockReader, error) {
				if n > len(tapes) {
					return nil, io.EOF
				}
				return tapes[n-1], nil
			}, 16<<10)
			got := readAll(t, r)
			assert.True(t, bytes.Equal(joined, got))
			assert.Equal(t, res.SHA256, r.SHA256())
			assert.Equal(t, res.Pieces, r.Pieces())
		})
	}
}

// TestBackupReportsMembersWithTheirPieces: OnMembers hears of every
// member once, in stream order, with the offset of its header and the
// piece that header is on, across volumes.
func TestBackupReportsMembersWithTheirPieces(t *testing.T) {
	defer checkNoLeaks(t)()
	src := t.TempDir()
	for i := range 120 {
		require.NoError(t, os.WriteFile(filepath.Join(src, fmt.Sprintf("f%03d", i)), pattern(i, 3000+i*37), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.Symlink("f001", filepath.Join(src, "sub", "link")))
	tapes := []*tape{{capacity: 100 << 10}}
	var got []Member
	b := &Backup{
		Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10, IsEndOfMedium: isEOM,
		NextVolume: func(ctx context.Context, done Piece) (BlockWriter, error) {
			tp := &tape{capacity: 100 << 10}
			tapes = append(tapes, tp)
			return tp, nil
		},
		OnMembers: func(batch []Member) { got = append(got, batch...) },
	}
	res, err := b.Run(t.Context(), tapes[0])
	require.NoError(t, err)
	require.Greater(t, len(res.Pieces), 2)
	require.EqualValues(t, res.Members, len(got))

	var joined []byte
	var ends []int64
	for _, tp := range tapes {
		joined = append(joined, tp.data()...)
		ends = append(ends, int64(len(joined)))
	}
	want := members(t, joined)
	for i, m := range got {
		assert.EqualValues(t, i, m.Seq)
		assert.Equal(t, want[i], fmt.Sprintf("%s %c %d", m.Name, m.Type, m.Size))
		h, err := tar.NewReader(bytes.NewReader(joined[m.Offset:])).Next()
		require.NoError(t, err, "member %s at offset %d", m.Name, m.Offset)
		assert.Equal(t, m.Name, h.Name)
		start := int64(0)
		if m.Piece > 1 {
			start = ends[m.Piece-2]
		}
		assert.True(t, m.Offset >= start && m.Offset < ends[m.Piece-1], "member %s at %d is on piece %d (%d-%d)", m.Name, m.Offset, m.Piece, start, ends[m.Piece-1])
	}
	assert.Equal(t, len(res.Pieces), got[len(got)-1].Piece)
}
