package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
