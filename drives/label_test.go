package drives

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleLabel = "TAPEWARDEN VOLUME LABEL 1\n" +
	"barcode: DAILY3L8\n" +
	"pool: daily\n" +
	"media-type: LTO-8\n" +
	"label-time: 2026-11-28T01:00:00Z\n" +
	"label-uuid: 0b6f3c9e-2f0a-4c1e-9d8b-5a7e6f1c2d3b\n" +
	"tapewarden-version: 0.1.0\n"

func TestParseLabel(t *testing.T) {
	l, err := ParseLabel([]byte(sampleLabel))
	require.NoError(t, err)
	assert.Equal(t, Label{
		Barcode: "DAILY3L8", Pool: "daily", MediaType: LTO8,
		LabelTime: time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC),
		UUID:      "0b6f3c9e-2f0a-4c1e-9d8b-5a7e6f1c2d3b", Version: "0.1.0",
	}, l)
	out, err := l.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, sampleLabel, string(out))

	tests := []struct {
		name  string
		block string
		want  error
	}{
		{"foreign data", "ustar\x00garbage", ErrNotLabelled},
		{"other magic version", strings.Replace(sampleLabel, "LABEL 1", "LABEL 2", 1), ErrNotLabelled},
		{"missing final newline", strings.TrimSuffix(sampleLabel, "\n"), ErrBadLabel},
		{"keys out of order", strings.Replace(strings.Replace(sampleLabel, "barcode: DAILY3L8\n", "", 1), "pool: daily\n", "pool: daily\nbarcode: DAILY3L8\n", 1), ErrBadLabel},
		{"unknown key", sampleLabel + "extra: x\n", ErrBadLabel},
		{"missing key", strings.Replace(sampleLabel, "pool: daily\n", "", 1), ErrBadLabel},
		{"local time", strings.Replace(sampleLabel, "01:00:00Z", "10:00:00+09:00", 1), ErrBadLabel},
		{"fractional seconds", strings.Replace(sampleLabel, "01:00:00Z", "01:00:00.5Z", 1), ErrBadLabel},
		{"not a v4 UUID", strings.Replace(sampleLabel, "-4c1e-", "-1c1e-", 1), ErrBadLabel},
		{"upper-case UUID", strings.Replace(sampleLabel, "0b6f3c9e", "0B6F3C9E", 1), ErrBadLabel},
		{"cleaning media type", strings.Replace(sampleLabel, "LTO-8", "LTO-CLN", 1), ErrBadLabel},
		{"unknown media type", strings.Replace(sampleLabel, "LTO-8", "LTO-X", 1), ErrBadLabel},
		{"barcode with space", strings.Replace(sampleLabel, "DAILY3L8", "DAILY 3", 1), ErrBadLabel},
		{"CRLF", strings.ReplaceAll(sampleLabel, "\n", "\r\n"), ErrNotLabelled},
		{"two spaces after colon", strings.Replace(sampleLabel, "pool: daily", "pool:  daily", 1), ErrBadLabel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLabel([]byte(tt.block))
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func FuzzParseLabel(f *testing.F) {
	f.Add([]byte(sampleLabel))
	f.Add([]byte(LabelMagic + "\n"))
	f.Add([]byte(strings.Replace(sampleLabel, "daily", "dä", 1)))
	f.Fuzz(func(t *testing.T, block []byte) {
		l, err := ParseLabel(block)
		if err != nil {
			return
		}
		out, err := l.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed label does not marshal: %v", err)
		}
		if string(out) != string(block) {
			t.Fatalf("round trip changed the label:\n%q\n%q", block, out)
		}
	})
}

func TestNewLabel(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 30, 15, 999, time.FixedZone("JST", 9*3600))
	l, err := NewLabel("MONTH1L9", "monthly", LTO9, "0.1.0", now)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 28, 1, 30, 15, 0, time.UTC), l.LabelTime)
	assert.Regexp(t, reUUID, l.UUID)
	l2, err := NewLabel("MONTH1L9", "monthly", LTO9, "0.1.0", now)
	require.NoError(t, err)
	assert.NotEqual(t, l.UUID, l2.UUID)
	_, err = NewLabel("", "monthly", LTO9, "0.1.0", now)
	assert.ErrorIs(t, err, ErrBadLabel)
}

func TestReadWriteLabel(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	img := filepath.Join(dir, "LBL001L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "LBL001L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(t, err)
	defer d.Close()

	_, err = ReadLabel(ctx, d)
	assert.ErrorIs(t, err, ErrBlankTape)

	l, err := NewLabel("LBL001L8", "daily", LTO8, "0.1.0", time.Now())
	require.NoError(t, err)
	require.NoError(t, WriteLabel(ctx, d, l, false))
	got, err := ReadLabel(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, l, got)
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.BOT, "ReadLabel leaves the tape rewound")

	l2, err := NewLabel("LBL001L8", "weekly", LTO8, "0.1.0", time.Now())
	require.NoError(t, err)
	err = WriteLabel(ctx, d, l2, false)
	assert.ErrorIs(t, err, ErrAlreadyLabelled)
	assert.ErrorContains(t, err, "carries label LBL001L8 (pool daily")
	require.NoError(t, WriteLabel(ctx, d, l2, true))
	got, err = ReadLabel(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, "weekly", got.Pool)

	_, err = VerifyLabel(ctx, d, "LBL001L8")
	require.NoError(t, err)
	_, err = VerifyLabel(ctx, d, "OTHER1L8")
	assert.ErrorIs(t, err, ErrWrongBarcode)
	assert.ErrorContains(t, err, "the tape's label says LBL001L8, expected OTHER1L8")

	t.Run("foreign data is refused", func(t *testing.T) {
		require.NoError(t, d.Rewind(ctx))
		_, err := d.Write([]byte("ustar foreign tar data"))
		require.NoError(t, err)
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		_, err = ReadLabel(ctx, d)
		assert.ErrorIs(t, err, ErrNotLabelled)
		assert.ErrorIs(t, WriteLabel(ctx, d, l, false), ErrNotBlank)
	})
	t.Run("a tape starting with a filemark is foreign", func(t *testing.T) {
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		_, err := ReadLabel(ctx, d)
		assert.ErrorIs(t, err, ErrNotLabelled)
	})
	t.Run("a first block larger than a label is foreign", func(t *testing.T) {
		require.NoError(t, d.Rewind(ctx))
		_, err := d.Write(make([]byte, 128<<10))
		require.NoError(t, err)
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		_, err = ReadLabel(ctx, d)
		assert.ErrorIs(t, err, ErrNotLabelled)
	})
	t.Run("write-protected cartridge is refused before writing", func(t *testing.T) {
		require.NoError(t, d.Close())
		require.NoError(t, SetWriteProtect(img, true))
		d, err = Open(img)
		require.NoError(t, err)
		assert.ErrorIs(t, WriteLabel(ctx, d, l, true), ErrWriteProtected)
	})
}

func validTrailer() Trailer {
	return Trailer{
		Format: TrailerFormat, Version: TrailerVersion,
		Job: "juki-daily", RunID: "r-20261128-0100", System: "juki", Pool: "daily", Generation: "daily/2026-11-28",
		Bytes: 1 << 20, SHA256: strings.Repeat("ab", 32), Piece: 1, Barcode: "DAILY3L8", DataFile: 1,
		Start: time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 28, 1, 5, 0, 0, time.UTC),
		TapewardenVersion: "0.1.0",
	}
}

func TestTrailer(t *testing.T) {
	ctx := context.Background()
	tr := validTrailer()
	block, err := tr.MarshalBinary()
	require.NoError(t, err)
	got, err := ParseTrailer(block)
	require.NoError(t, err)
	assert.Equal(t, tr, got)

	tests := []struct {
		name  string
		block string
	}{
		{"unknown field", strings.Replace(string(block), `"job"`, `"jobb"`, 1)},
		{"trailing data", string(block) + "{}"},
		{"future version", strings.Replace(string(block), `"version": 1`, `"version": 2`, 1)},
		{"other format", strings.Replace(string(block), TrailerFormat, "other", 1)},
		{"bad checksum", strings.Replace(string(block), strings.Repeat("ab", 32), "xyz", 1)},
		{"piece zero", strings.Replace(string(block), `"piece": 1`, `"piece": 0`, 1)},
		{"data in file 0", strings.Replace(string(block), `"data_file": 1`, `"data_file": 0`, 1)},
		{"not JSON", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTrailer([]byte(tt.block))
			assert.ErrorIs(t, err, ErrBadLabel)
		})
	}

	img := filepath.Join(t.TempDir(), "TRL001L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "TRL001L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, WriteTrailer(ctx, d, tr))
	require.NoError(t, WriteTrailer(ctx, d, tr))
	require.NoError(t, d.Rewind(ctx))
	got, err = ReadTrailer(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, tr, got)
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), s.File, "after the trailer's filemark")
}

func FuzzParseTrailer(f *testing.F) {
	b, _ := validTrailer().MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, block []byte) {
		tr, err := ParseTrailer(block)
		if err != nil {
			return
		}
		out, err := tr.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed trailer does not marshal: %v", err)
		}
		back, err := ParseTrailer(out)
		if err != nil || !back.Start.Equal(tr.Start) || back.SHA256 != tr.SHA256 {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// An encrypted piece's trailer names age, the recipients' fingerprints and
// the plaintext checksum; a trailer written before encryption existed (no
// such fields) still reads, as unencrypted.
func TestTrailerEncryption(t *testing.T) {
	old, err := validTrailer().MarshalBinary()
	require.NoError(t, err)
	require.NotContains(t, string(old), "encryption")
	got, err := ParseTrailer(old)
	require.NoError(t, err)
	assert.Empty(t, got.Encryption)

	tr := validTrailer()
	tr.Encryption, tr.Recipients = "age", []string{"0123456789abcdef", "fedcba9876543210"}
	tr.PlainBytes, tr.PlainSHA256 = 1000, strings.Repeat("cd", 32)
	block, err := tr.MarshalBinary()
	require.NoError(t, err)
	assert.Contains(t, string(block), `"encryption": "age"`)
	got, err = ParseTrailer(block)
	require.NoError(t, err)
	assert.Equal(t, tr, got)

	for name, b := range map[string]string{
		"unknown cipher":         strings.Replace(string(block), `"encryption": "age"`, `"encryption": "rot13"`, 1),
		"no encryption, keys":    strings.Replace(string(block), `"encryption": "age",`, ``, 1),
		"bad fingerprint":        strings.Replace(string(block), "0123456789abcdef", "AGE-SECRET-KEY-1", 1),
		"bad plaintext checksum": strings.Replace(string(block), strings.Repeat("cd", 32), "cd", 1),
	} {
		_, err := ParseTrailer([]byte(b))
		assert.ErrorIs(t, err, ErrBadLabel, name)
	}
	tr.Recipients = nil
	_, err = tr.MarshalBinary()
	assert.ErrorIs(t, err, ErrBadLabel, "encrypted without recipients")
}
