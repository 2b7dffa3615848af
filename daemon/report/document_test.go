package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A command too long for the page goes on with a backslash, a comment
// with a new "#", so that typing the printed lines does what the one line
// does; a line that fits is left alone.
func TestBreakLine(t *testing.T) {
	assert.Equal(t, []string{"mt -f /dev/nst0 rewind"}, breakLine("mt -f /dev/nst0 rewind", 30, true))
	assert.Equal(t, []string{
		"dd if=/dev/tape/by-id/x-nst \\",
		"    bs=262144 of=run12-1",
	}, breakLine("dd if=/dev/tape/by-id/x-nst bs=262144 of=run12-1", 30, true))
	assert.Equal(t, []string{
		"# cartridge DLY001L8 (piece 1",
		"#   of 2), now at",
		"#   hill-annex/safe",
	}, breakLine("# cartridge DLY001L8 (piece 1 of 2), now at hill-annex/safe", 30, true))
	assert.Equal(t, []string{
		"1  juki  juki-daily",
		"    daily/2026-12-01",
	}, breakLine("1  juki  juki-daily  daily/2026-12-01", 22, false))
}

// Japanese is left out of the PDF's built-in fonts; a heading keeps its
// number and its English half.
func TestPDFText(t *testing.T) {
	assert.Equal(t, "4-1 The flow of a backup", pdfText("4-1 バックアップ処理の流れ / The flow of a backup"))
	assert.Equal(t, "Signatures", pdfText("確認 / Signatures"))
	assert.Equal(t, "(resident registry)", pdfText("住民基本台帳 (resident registry)"))
	assert.Equal(t, "4. juki - (resident registry)", pdfText("4. juki — 住民基本台帳 (resident registry)"))
	assert.Equal(t, "Its sections follow table 33; it is new.", pdfText("Its sections follow 表-33 バックアップ手順書の構成と内容例; it is new."))
	assert.Equal(t, "in this order, as the standard asks:", pdfText("in this order, as the standard asks (第2節 3(2)オ):"))
	assert.Equal(t, "a pool rotated daily (table 33 5-3)", pdfText("a pool rotated daily (表-33 5-3)"))
}

// The text form breaks a Japanese paragraph between characters, never
// before a closing mark nor after an opening one, and English at spaces
// as before.
func TestWrapJapanese(t *testing.T) {
	assert.Equal(t, []string{"あいうえお", "かきくけこ"}, wrap("あいうえおかきくけこ", 10))
	assert.Equal(t, []string{"あいうえ", "お。かき"}, wrap("あいうえお。かき", 10), "。 does not begin a line")
	assert.Equal(t, []string{"あいうえ", "(おか)"}, wrap("あいうえ(おか)", 10), "( does not end a line")
	assert.Equal(t, []string{"the quick", "brown fox"}, wrap("the quick brown fox", 10))
	assert.Equal(t, []string{"a", "verylongword", "b"}, wrap("a verylongword b", 5), "a word wider than the line stays whole")
}

// A Japanese PDF without a Japanese font is refused with the package to
// install and the way to print meanwhile; a font that cannot be embedded
// or lacks a character is passed over.
func TestJapanesePDFWithoutFont(t *testing.T) {
	dir := t.TempDir()
	cff := filepath.Join(dir, "cff.otf")
	ttc := filepath.Join(dir, "collection.ttc")
	require.NoError(t, os.WriteFile(cff, []byte("OTTO\x00\x00\x00\x00\x00\x00\x00\x00"), 0o600))
	require.NoError(t, os.WriteFile(ttc, []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x00"), 0o600))
	saved := JapaneseFonts
	t.Cleanup(func() { JapaneseFonts = saved })

	doc := Document{Title: "復旧シート", Lang: "ja", Sections: []*Section{{Heading: "1. 最初に", Level: 1, Blocks: []Block{{Text: "媒体"}}}}}
	JapaneseFonts = []string{filepath.Join(dir, "absent.ttf")}
	var out bytes.Buffer
	err := doc.Write(&out, FormatPDF)
	require.ErrorIs(t, err, ErrNoJapaneseFont)
	assert.Contains(t, err.Error(), "install the Debian package fonts-ipafont-gothic")
	assert.Contains(t, err.Error(), "--format html")
	assert.Zero(t, out.Len(), "nothing printed")

	JapaneseFonts = []string{cff, ttc}
	err = doc.Write(&out, FormatPDF)
	require.ErrorIs(t, err, ErrNoJapaneseFont)
	assert.Contains(t, err.Error(), "CFF outlines")
	assert.Contains(t, err.Error(), "font collection (TTC)")

	// English needs no font of the system.
	doc.Lang = "en"
	require.NoError(t, doc.Write(&out, FormatPDF))

	// A real font: it has the document's characters, not an emoji.
	JapaneseFonts = saved
	data, err := japaneseFont("復旧シート 媒体 DLY001L8")
	if errors.Is(err, ErrNoJapaneseFont) {
		t.Skipf("no Japanese font installed (%v)", err)
	}
	require.NoError(t, err)
	missing, err := lacks(data, "媒体 \U0001F600")
	require.NoError(t, err)
	assert.Equal(t, "\U0001F600", missing)
}
