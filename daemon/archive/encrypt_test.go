//go:build unix

package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	return id
}

// piecesReader reads the pieces of tapes in order.
func piecesReader(t *testing.T, tapes []*tape) *Reader {
	return NewReader(t.Context(), func(_ context.Context, n int) (BlockReader, error) {
		if n > len(tapes) {
			return nil, io.EOF
		}
		tapes[n-1].readPos = 0
		return tapes[n-1], nil
	}, 16<<10)
}

// encryptedSpan writes an encrypted backup of src over volumes of the
// given capacities (0: unlimited).
func encryptedSpan(t *testing.T, src string, recipients []string, capacity ...int) (Result, []*tape) {
	t.Helper()
	tapes := []*tape{{capacity: capacity[0]}}
	b := &Backup{
		Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10, IsEndOfMedium: isEOM,
		Recipients: recipients,
		NextVolume: func(ctx context.Context, done Piece) (BlockWriter, error) {
			tp := &tape{capacity: capacity[len(tapes)]}
			tapes = append(tapes, tp)
			return tp, nil
		},
	}
	res, err := b.Run(t.Context(), tapes[0])
	require.NoError(t, err)
	return res, tapes
}

func TestEncryptedBackupRoundTrip(t *testing.T) {
	defer checkNoLeaks(t)()
	src := sampleTree(t)
	plain, err := (&Backup{Paths: []string{src}, BlockSize: 16 << 10}).Run(t.Context(), &tape{})
	require.NoError(t, err)

	ict, escrow := newIdentity(t), newIdentity(t)
	recipients := []string{ict.Recipient().String(), " " + escrow.Recipient().String() + "\n"}
	res, tapes := encryptedSpan(t, src, recipients, 40<<10, 30<<10, 0)
	require.Len(t, res.Pieces, 3, "the stream spans three volumes")

	assert.Equal(t, "age", res.Encryption)
	assert.Equal(t, []string{Fingerprint(ict.Recipient().String()), Fingerprint(escrow.Recipient().String())}, res.RecipientFingerprints)
	assert.Equal(t, plain.SHA256, res.SHA256, "SHA256 is the tar stream's")
	assert.Equal(t, plain.Bytes, res.Bytes)
	var onTape []byte
	for i, tp := range tapes {
		onTape = append(onTape, tp.data()...)
		assert.Equal(t, sum(tp.data()), res.Pieces[i].SHA256, "piece %d is hashed as written", i+1)
	}
	assert.True(t, bytes.HasPrefix(onTape, []byte("age-encryption.org/v1\n")), "the tape holds an age file")
	assert.False(t, bytes.Contains(onTape, pattern(1, 64)), "no plaintext on tape")
	assert.Equal(t, sum(onTape), res.TapeSHA256)
	assert.EqualValues(t, len(onTape), res.TapeBytes)
	assert.Greater(t, res.TapeBytes, res.Bytes)

	// Verify needs no key: the pieces' checksums are of the bytes on tape.
	for i, tp := range tapes {
		tp.readPos = 0
		n, got, err := Verify(t.Context(), tp, 0)
		require.NoError(t, err)
		assert.Equal(t, res.Pieces[i].Bytes, n)
		assert.Equal(t, res.Pieces[i].SHA256, got)
	}

	// Either identity restores it, byte for byte.
	for _, id := range []*age.X25519Identity{ict, escrow} {
		r := piecesReader(t, tapes)
		d, err := NewDecrypter(r, NewIdentities(id), res.RecipientFingerprints)
		require.NoError(t, err)
		dst := t.TempDir()
		opts := ExtractOptions{AllowDevices: os.Geteuid() == 0}
		var skip []string
		if !opts.AllowDevices {
			opts.TolerateRefused = true
			skip = append(skip, "fifo")
		}
		_, err = ExtractStaged(t.Context(), d, dst, opts)
		require.NoError(t, err)
		require.NoError(t, d.Close())
		compareTrees(t, src, filepath.Join(dst, memberName(src)), false, skip...)
		assert.Equal(t, res.SHA256, d.SHA256(), "plaintext checksum")
		assert.Equal(t, res.Bytes, d.Bytes())
		assert.Equal(t, res.TapeSHA256, r.SHA256(), "the reader hashed the bytes on tape")
		assert.Equal(t, res.Pieces, r.Pieces())
	}
}

func TestEncryptedBackupWithoutPlaintextChecksum(t *testing.T) {
	defer checkNoLeaks(t)()
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "big"), pattern(3, 900<<10), 0o644))
	id := newIdentity(t)
	tp := &tape{}
	res, err := (&Backup{Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10,
		Recipients: []string{id.Recipient().String()}, SkipPlaintextSHA256: true}).Run(t.Context(), tp)
	require.NoError(t, err)
	assert.Empty(t, res.SHA256)
	assert.Equal(t, sum(tp.data()), res.TapeSHA256)
	assert.Greater(t, res.Bytes, int64(900<<10))

	d, err := NewDecrypter(bytes.NewReader(tp.data()), NewIdentities(id), nil)
	require.NoError(t, err)
	defer d.Close()
	plain := readAll(t, d)
	assert.EqualValues(t, res.Bytes, len(plain))
	dst := t.TempDir()
	_, err = Extract(t.Context(), bytes.NewReader(plain), dst, ExtractOptions{})
	require.NoError(t, err)
	compareTrees(t, src, filepath.Join(dst, memberName(src)), false)
}

func TestEncryptedRestoreWrongIdentity(t *testing.T) {
	defer checkNoLeaks(t)()
	src := sampleTree(t)
	a, b := newIdentity(t), newIdentity(t)
	res, tapes := encryptedSpan(t, src, []string{a.Recipient().String(), b.Recipient().String()}, 0)

	wrong := newIdentity(t)
	_, err := NewDecrypter(piecesReader(t, tapes), NewIdentities(wrong), res.RecipientFingerprints)
	require.ErrorIs(t, err, ErrWrongIdentity)
	for _, fp := range res.RecipientFingerprints {
		assert.Contains(t, err.Error(), fp, "the error names the recipients the file was written for")
	}
	assert.Contains(t, err.Error(), Fingerprint(wrong.Recipient().String()))
	assert.NotContains(t, err.Error(), wrong.String(), "never the secret")
}

func TestEncryptedRestoreTamperedOrTruncated(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "big"), pattern(7, 600<<10), 0o644))
	id := newIdentity(t)
	res, tapes := encryptedSpan(t, src, []string{id.Recipient().String()}, 0)
	data := tapes[0].data()
	hdr, err := age.ExtractHeader(bytes.NewReader(data))
	require.NoError(t, err)
	hdrLen := len(hdr)

	for _, tc := range []struct {
		name string
		data func() []byte
	}{
		// After the header and the payload's 16-byte nonce come chunks of
		// 64 KiB and a 16-byte tag; only the last one is marked as last.
		{"truncated at a chunk boundary", func() []byte { return data[:hdrLen+16+3*(64<<10+16)] }},
		{"truncated", func() []byte { return data[:len(data)-100] }},
		{"one byte changed", func() []byte {
			d := bytes.Clone(data)
			d[len(d)/2] ^= 1
			return d
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer checkNoLeaks(t)()
			d, err := NewDecrypter(bytes.NewReader(tc.data()), NewIdentities(id), res.RecipientFingerprints)
			require.NoError(t, err)
			defer d.Close()
			dst := t.TempDir()
			_, err = ExtractStaged(t.Context(), d, dst, ExtractOptions{})
			require.ErrorIs(t, err, ErrNotAuthentic)
			left, rerr := os.ReadDir(dst)
			require.NoError(t, rerr)
			assert.Empty(t, left, "nothing unauthenticated is left in the target")
			assert.Empty(t, d.SHA256())
		})
	}
}

func TestEncryptedBackupFailures(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "big"), pattern(5, 2<<20), 0o644))
	id := newIdentity(t)
	recipients := []string{id.Recipient().String()}
	driveErr := errors.New("test: medium error")

	t.Run("drive fails", func(t *testing.T) {
		defer checkNoLeaks(t)()
		tp := &tape{failAt: 3, failErr: driveErr}
		res, err := (&Backup{Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10, Recipients: recipients}).Run(t.Context(), tp)
		require.ErrorIs(t, err, driveErr)
		assert.Contains(t, err.Error(), "write block 2")
		assert.Empty(t, res.SHA256)
		assert.Empty(t, res.TapeSHA256)
		assert.EqualValues(t, 2*16<<10, res.TapeBytes)
	})
	t.Run("source fails", func(t *testing.T) {
		defer checkNoLeaks(t)()
		srcErr := errors.New("test: pg_dump died")
		tp := &tape{}
		_, err := (&Backup{Source: io.MultiReader(bytes.NewReader(pattern(6, 300<<10)), iotestErr{srcErr}), SourceName: "db.sql",
			BlockSize: 16 << 10, RingSize: 64 << 10, Recipients: recipients}).Run(t.Context(), tp)
		require.ErrorIs(t, err, srcErr)
		assert.Contains(t, err.Error(), "read db.sql")
	})
	t.Run("cancelled", func(t *testing.T) {
		defer checkNoLeaks(t)()
		ctx, cancel := context.WithCancel(t.Context())
		tp := &tape{onWrite: func(n int) {
			if n == 2 {
				cancel()
			}
		}}
		_, err := (&Backup{Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10, Recipients: recipients}).Run(ctx, tp)
		require.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "backup interrupted")
	})
	t.Run("not an age file", func(t *testing.T) {
		tp := &tape{}
		_, err := (&Backup{Paths: []string{src}, BlockSize: 16 << 10}).Run(t.Context(), tp)
		require.NoError(t, err)
		_, err = NewDecrypter(bytes.NewReader(tp.data()), NewIdentities(id), nil)
		require.ErrorIs(t, err, ErrNotAuthentic)
		assert.Contains(t, err.Error(), "without encryption")
	})
	t.Run("read after close", func(t *testing.T) {
		defer checkNoLeaks(t)()
		_, tapes := encryptedSpan(t, src, recipients, 0)
		d, err := NewDecrypter(bytes.NewReader(tapes[0].data()), NewIdentities(id), nil)
		require.NoError(t, err)
		buf := make([]byte, 1000)
		_, err = io.ReadFull(d, buf)
		require.NoError(t, err)
		require.NoError(t, d.Close())
		_, err = io.ReadAll(d)
		require.Error(t, err)
		assert.Empty(t, d.SHA256())
	})
}

// iotestErr is a reader that fails.
type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

// TestExtractStagedMerges: an authenticated restore merges into a
// directory that already holds the tree: existing files are refused
// without --overwrite (named in the result, the target untouched, the
// staging directory gone) and replaced with it; new files are added.
func TestExtractStagedMerges(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(src, "d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "d", "f"), []byte("new"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "d", "g"), []byte("added"), 0o644))
	tp := &tape{}
	_, err := (&Backup{Paths: []string{filepath.Join(src, "d")}, BlockSize: 16 << 10}).Run(t.Context(), tp)
	require.NoError(t, err)
	stream := func() io.Reader { return bytes.NewReader(tp.data()) }
	member := memberName(src) + "/d/f"

	dst := t.TempDir()
	old := filepath.Join(dst, filepath.FromSlash(member))
	require.NoError(t, os.MkdirAll(filepath.Dir(old), 0o755))
	require.NoError(t, os.WriteFile(old, []byte("old"), 0o644))
	res, err := ExtractStaged(t.Context(), stream(), dst, ExtractOptions{})
	var re *RefusedError
	require.ErrorAs(t, err, &re)
	want := []Refusal{{Name: member, Reason: "already exists in the restore directory (restore with --overwrite to replace it)"}}
	assert.Equal(t, want, re.Refused)
	assert.Equal(t, want, res.Refused)
	got, err := os.ReadFile(old)
	require.NoError(t, err)
	assert.Equal(t, "old", string(got), "not replaced without --overwrite")
	added, err := os.ReadFile(filepath.Join(filepath.Dir(old), "g"))
	require.NoError(t, err)
	assert.Equal(t, "added", string(added))
	entries, _ := os.ReadDir(dst)
	require.Len(t, entries, 1, "no staging directory is left")

	res, err = ExtractStaged(t.Context(), stream(), dst, ExtractOptions{TolerateRefused: true})
	require.NoError(t, err)
	assert.Len(t, res.Refused, 2, "both files exist now")

	_, err = ExtractStaged(t.Context(), stream(), dst, ExtractOptions{Overwrite: true})
	require.NoError(t, err)
	got, err = os.ReadFile(old)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))

	// A directory in the way of a file is refused even with --overwrite.
	require.NoError(t, os.Remove(old))
	require.NoError(t, os.Mkdir(old, 0o755))
	res, err = ExtractStaged(t.Context(), stream(), dst, ExtractOptions{Overwrite: true, TolerateRefused: true})
	require.NoError(t, err)
	assert.Equal(t, []Refusal{{Name: member, Reason: "a directory is in the way"}}, res.Refused)
}

func TestBackupRefusesBadRecipient(t *testing.T) {
	src := sampleTree(t)
	id := newIdentity(t)
	for _, bad := range []string{"age1nope", id.String(), ""} {
		tp := &tape{}
		_, err := (&Backup{Paths: []string{src}, Recipients: []string{id.Recipient().String(), bad}}).Run(t.Context(), tp)
		require.ErrorIs(t, err, ErrBadRecipient)
		assert.Contains(t, err.Error(), "recipient 2")
		assert.NotContains(t, err.Error(), id.String()[15:], "an identity given by mistake is not repeated")
		assert.Empty(t, tp.blocks, "nothing written")
	}
	_, err := (&Backup{Paths: []string{src}, Recipients: []string{id.Recipient().String(), id.Recipient().String()}}).Run(t.Context(), &tape{})
	require.ErrorIs(t, err, ErrBadRecipient)
}

func TestReadIdentityFile(t *testing.T) {
	id := newIdentity(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(p, []byte("# created: now\n# public key: "+id.Recipient().String()+"\n"+id.String()+"\n"), 0o600))
	ids, err := ReadIdentityFile(p)
	require.NoError(t, err)
	assert.Equal(t, []string{Fingerprint(id.Recipient().String())}, ids.Fingerprints)
	assert.NotContains(t, ids.String(), id.String())

	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("restore", "identities", ids)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("restore", "identities", ids)
	shown := fmt.Sprintf("%v %+v %#v %s %v", ids, ids, ids, ids, &ids) + logged.String()
	assert.Contains(t, shown, ids.Fingerprints[0])
	secretPart := strings.TrimPrefix(id.String(), "AGE-SECRET-KEY-1")
	assert.NotContains(t, strings.ToUpper(shown), secretPart, "the secret is never printed")
	assert.NotContains(t, shown, "secretKey")

	require.NoError(t, os.Chmod(p, 0o644))
	_, err = ReadIdentityFile(p)
	require.ErrorIs(t, err, ErrBadIdentity)
	assert.Contains(t, err.Error(), "chmod 600")

	garbage := filepath.Join(dir, "garbage")
	require.NoError(t, os.WriteFile(garbage, []byte("AGE-SECRET-KEY-1NOTAKEY\n"), 0o600))
	_, err = ReadIdentityFile(garbage)
	require.ErrorIs(t, err, ErrBadIdentity)
	assert.NotContains(t, err.Error(), "NOTAKEY")
}

// TestDebianAgeAndGNUTarReadEncryptedStream decrypts a stream the cipher
// stage wrote with Debian's age binary and extracts it with GNU tar: the
// recovery with standard tools.
func TestDebianAgeAndGNUTarReadEncryptedStream(t *testing.T) {
	tarPath := needTar(t)
	agePath, err := exec.LookPath("age")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("age is not on PATH; .ci/run installs Debian's age package")
		}
		t.Skip("age (Debian package age) is not on PATH; decryption with standard tools was not checked")
	}
	src := sampleTree(t)
	id := newIdentity(t)
	res, tapes := encryptedSpan(t, src, []string{id.Recipient().String()}, 0)
	dir := t.TempDir()
	file := filepath.Join(dir, "file1.age")
	require.NoError(t, os.WriteFile(file, tapes[0].data(), 0o600))
	key := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(key, []byte(id.String()+"\n"), 0o600))

	cmd := exec.Command(agePath, "-d", "-i", key, file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	plain, err := cmd.Output()
	require.NoError(t, err, "age -d: %s", stderr.String())
	assert.Equal(t, res.SHA256, sum(plain), "age -d gives the tar stream")
	tarFile := filepath.Join(dir, "backup.tar")
	require.NoError(t, os.WriteFile(tarFile, plain, 0o600))
	dst := t.TempDir()
	runTar(t, tarPath, "-xpf", tarFile, "-C", dst)
	compareTrees(t, src, filepath.Join(dst, memberName(src)), false)

	// And a file age wrote is one our decrypt stage reads.
	cmd = exec.Command(agePath, "-r", id.Recipient().String())
	cmd.Stdin = bytes.NewReader(plain)
	enc, err := cmd.Output()
	require.NoError(t, err)
	d, err := NewDecrypter(bytes.NewReader(enc), NewIdentities(id), nil)
	require.NoError(t, err)
	defer d.Close()
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(plain, got))
	assert.Equal(t, res.SHA256, d.SHA256())
}
