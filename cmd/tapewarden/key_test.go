package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skip2/go-qrcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/archive"
)

// memTape is one tape file in memory.
type memTape struct {
	blocks [][]byte
	pos    int
}

func (m *memTape) Write(p []byte) (int, error) {
	m.blocks = append(m.blocks, bytes.Clone(p))
	return len(p), nil
}

func (m *memTape) Read(p []byte) (int, error) {
	if m.pos == len(m.blocks) {
		return 0, nil
	}
	m.pos++
	return copy(p, m.blocks[m.pos-1]), nil
}

// typedFromPaper returns what a person types from a text paper key: the
// lines of groups under the identity's prefix, as printed.
func typedFromPaper(t *testing.T, paper string) string {
	t.Helper()
	_, after, ok := strings.Cut(paper, "\nAGE-SECRET-KEY-1\n")
	require.True(t, ok, "the paper key prints the prefix on its own line:\n%s", paper)
	groups, _, ok := strings.Cut(after, "\n\n")
	require.True(t, ok)
	return strings.ToLower(groups) + "\n\n"
}

func TestKeyGenerateEscrowImportDecrypt(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "ict.key")
	out, errOut, code := runCLI(t, nil, "", "key", "generate", "--out", key)
	require.Equal(t, 0, code, errOut)
	fi, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	ids, err := archive.ReadIdentityFile(key)
	require.NoError(t, err)
	secret := ids.X25519()[0].String()
	recipient := ids.X25519()[0].Recipient().String()
	assert.Contains(t, out, "recipient:   "+recipient)
	assert.Contains(t, out, "fingerprint: "+archive.Fingerprint(recipient))
	assert.NotContains(t, out+errOut, secret)

	// Never overwritten.
	before, _ := os.ReadFile(key)
	_, errOut, code = runCLI(t, nil, "", "key", "generate", "--out", key)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "already exists")
	after, _ := os.ReadFile(key)
	assert.Equal(t, before, after)

	// A backup encrypted to the recipient.
	src := filepath.Join(dir, "src")
	require.NoError(t, os.MkdirAll(src, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "juki.csv"), bytes.Repeat([]byte("住民,1\n"), 5000), 0o644))
	tp := &memTape{}
	res, err := (&archive.Backup{Paths: []string{src}, Recipients: []string{recipient}}).Run(t.Context(), tp)
	require.NoError(t, err)

	// The paper key, typed back, decrypts it.
	paper, errOut, code := runCLI(t, nil, "", "key", "escrow", "--identity", key, "--format", "text")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, paper, recipient)
	qr, err := qrcode.New(secret, qrcode.Medium)
	require.NoError(t, err)
	assert.Contains(t, paper, qr.ToSmallString(false), "the QR code holds the identity")
	imported := filepath.Join(dir, "imported.key")
	out, errOut, code = runCLI(t, nil, typedFromPaper(t, paper), "key", "import", "--out", imported)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, archive.Fingerprint(recipient))
	fi, err = os.Stat(imported)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	back, err := archive.ReadIdentityFile(imported)
	require.NoError(t, err)
	r := archive.NewReader(t.Context(), func(_ context.Context, n int) (archive.BlockReader, error) {
		if n > 1 {
			return nil, io.EOF
		}
		return tp, nil
	}, 0)
	d, err := archive.NewDecrypter(r, back, res.RecipientFingerprints)
	require.NoError(t, err)
	defer d.Close()
	dst := t.TempDir()
	_, err = archive.ExtractStaged(t.Context(), d, dst, archive.ExtractOptions{})
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dst, strings.TrimPrefix(src, "/"), "juki.csv"))
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte("住民,1\n"), 5000), got)
	assert.Equal(t, res.SHA256, d.SHA256())
}

func TestKeyEscrowPDF(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "escrow.key")
	_, errOut, code := runCLI(t, nil, "", "key", "generate", "--out", key)
	require.Equal(t, 0, code, errOut)
	ids, err := archive.ReadIdentityFile(key)
	require.NoError(t, err)
	secret := ids.X25519()[0].String()

	pdf := filepath.Join(dir, "paper.pdf")
	out, errOut, code := runCLI(t, nil, "", "key", "escrow", "--identity", key, "--format", "pdf", "--out", pdf)
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, out+errOut, secret)
	data, err := os.ReadFile(pdf)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(data, []byte("%PDF-")))
	for _, line := range paperGroups(secret) {
		assert.Contains(t, string(data), line, "the identity's groups are on the page")
	}
	fi, err := os.Stat(pdf)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	_, errOut, code = runCLI(t, nil, "", "key", "escrow", "--identity", key, "--format", "pdf")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "needs --out")
}

func TestKeyBadInput(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	_, errOut, code := runCLI(t, nil, "", "key", "generate", "--out", key)
	require.Equal(t, 0, code, errOut)
	ids, err := archive.ReadIdentityFile(key)
	require.NoError(t, err)
	secret := ids.X25519()[0].String()

	// The key itself where a path belongs is refused without echoing it.
	_, errOut, code = runCLI(t, nil, "", "key", "escrow", "--identity", secret)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "never the key itself")
	assert.NotContains(t, errOut, secret[16:])

	// A key file others can read.
	require.NoError(t, os.Chmod(key, 0o640))
	_, errOut, code = runCLI(t, nil, "", "key", "escrow", "--identity", key)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "chmod 600")

	// A typo on import: refused, nothing written, nothing echoed.
	groups := paperGroups(secret)
	typo := []byte(strings.Join(groups, "\n"))
	typo[5] = map[bool]byte{true: 'Q', false: 'P'}[typo[5] != 'Q']
	out := filepath.Join(dir, "typo.key")
	_, errOut, code = runCLI(t, nil, string(typo)+"\n\n", "key", "import", "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "checksum")
	assert.NotContains(t, errOut, groups[1])
	_, err = os.Stat(out)
	assert.ErrorIs(t, err, os.ErrNotExist)

	_, errOut, code = runCLI(t, nil, "", "key", "import", "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "nothing was typed")
}
