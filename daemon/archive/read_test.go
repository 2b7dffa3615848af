//go:build unix

package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	blocks := func(sizes ...int) *tape {
		tp := &tape{}
		for i, n := range sizes {
			tp.blocks = append(tp.blocks, pattern(i, n))
		}
		return tp
	}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		r       BlockReader
		bufSize int
		bytes   int64
		err     string
	}{
		{"blocks up to the filemark", blocks(4096, 4096, 100), 4096, 8292, ""},
		{"empty tape file", blocks(), 0, 0, ""},
		{"a plain file ends with io.EOF", iotest.HalfReader(bytes.NewReader(pattern(0, 10000))), 4096, 10000, ""},
		{"block larger than the buffer", blocks(4096, 8192), 4096, 4096, "read block 1: " + syscall.ENOMEM.Error()},
		{"read error", io.MultiReader(bytes.NewReader(make([]byte, 10)), iotest.ErrReader(boom)), 4096, 10, "read block 1: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []byte
			if tp, ok := tc.r.(*tape); ok {
				want = tp.data()
			}
			n, sha, err := Verify(t.Context(), tc.r, tc.bufSize)
			assert.Equal(t, tc.bytes, n)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				assert.Empty(t, sha)
				return
			}
			require.NoError(t, err)
			if want != nil {
				assert.Equal(t, sum(want), sha)
			}
		})
	}
}

func TestVerifyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := Verify(ctx, &tape{blocks: [][]byte{{1}}}, 0)
	require.ErrorIs(t, err, context.Canceled)
}

func TestReaderErrors(t *testing.T) {
	boom := errors.New("boom")
	one := func() *tape { return &tape{blocks: [][]byte{[]byte("abc"), []byte("def")}} }
	for _, tc := range []struct {
		name string
		next NextPieceFunc
		data string
		err  string
	}{
		{
			name: "no first piece",
			next: func(context.Context, int) (BlockReader, error) { return nil, io.EOF },
			err:  "archive: the stream has no first piece",
		},
		{
			name: "loading a piece fails",
			next: func(_ context.Context, n int) (BlockReader, error) {
				if n == 2 {
					return nil, boom
				}
				return one(), nil
			},
			data: "abcdef", err: "load piece 2: boom",
		},
		{
			name: "reading a block fails",
			next: func(_ context.Context, n int) (BlockReader, error) {
				return io.MultiReader(bytes.NewReader([]byte("xyz")), iotest.ErrReader(boom)), nil
			},
			data: "xyz", err: "read piece 1 block 1: boom",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(t.Context(), tc.next, 16)
			got, err := io.ReadAll(r)
			assert.Equal(t, tc.data, string(got))
			require.EqualError(t, err, tc.err)
			_, err = r.Read(make([]byte, 1))
			require.EqualError(t, err, tc.err, "errors stick")
		})
	}
}

// TestReaderExtract restores a spanned backup from its pieces, as the job
// runner does: Extract reads the joined stream and drains it, so that the
// Reader's checksums cover the pieces entirely.
func TestReaderExtract(t *testing.T) {
	defer checkNoLeaks(t)()
	src := sampleTree(t)
	tapes := []*tape{{capacity: 64 << 10}}
	res, err := (&Backup{
		Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10, IsEndOfMedium: isEOM,
		NextVolume: func(context.Context, Piece) (BlockWriter, error) {
			tp := &tape{capacity: 64 << 10}
			tapes = append(tapes, tp)
			return tp, nil
		},
	}).Run(t.Context(), tapes[0])
	require.NoError(t, err)
	require.Greater(t, len(res.Pieces), 3)

	r := NewReader(t.Context(), func(_ context.Context, n int) (BlockReader, error) {
		if n > len(tapes) {
			return nil, io.EOF
		}
		return tapes[n-1], nil
	}, 0)
	dst := t.TempDir()
	_, err = Extract(t.Context(), r, dst, ExtractOptions{AllowDevices: os.Geteuid() == 0, TolerateRefused: true})
	require.NoError(t, err)
	assert.Equal(t, res.SHA256, r.SHA256())
	assert.Equal(t, res.Pieces, r.Pieces())
	assert.Equal(t, res.Bytes, r.Bytes())
	skip := []string{}
	if os.Geteuid() != 0 {
		skip = append(skip, "fifo")
	}
	compareTrees(t, src, filepath.Join(dst, memberName(src)), false, skip...)
}
