package daemon

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/report"
)

// procedureGolden compares the procedure document's text, with the
// catalog's identity and the state directory written as placeholders,
// with testdata/procedure/name, or rewrites it with -update.
func procedureGolden(t *testing.T, h *harness, name string, doc report.Document) {
	t.Helper()
	id, err := h.d.Catalog().Identity(context.Background())
	require.NoError(t, err)
	// Replaced in the cells, before the columns are laid out.
	r := strings.NewReplacer(id.UUID, "CATALOG-UUID", h.cfg.StateDir, "STATE_DIR")
	for i, l := range doc.Lines {
		doc.Lines[i] = r.Replace(l)
	}
	for _, s := range doc.Sections {
		for j := range s.Blocks {
			b := &s.Blocks[j]
			b.Text = r.Replace(b.Text)
			if b.Table != nil {
				for _, row := range b.Table.Rows {
					for i := range row {
						row[i] = r.Replace(row[i])
					}
				}
			}
		}
	}
	got := doc.Text()
	path := filepath.Join("..", "testdata", "procedure", name)
	if *updatePolicy {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file; run 'go test ./daemon -run %s -update'", t.Name())
	assert.Equal(t, string(want), got, "differs from %s; if the change is right, refresh it with -update", path)
}

// TestProcedureDocument: the demo's procedure document after two nights
// and a courier trip, whole and for one system, against golden files;
// its sections are the standard's table 33's, in its order.
func TestProcedureDocument(t *testing.T) {
	h, _ := sheetNights(t)
	var doc report.Document
	h.ok("GET", "/v1/reports/procedure", nil, &doc)
	procedureGolden(t, h, "demo.golden.txt", doc)

	var headings []string
	for _, s := range doc.Sections {
		headings = append(headings, s.Heading)
	}
	assert.Equal(t, []string{
		"1 用語の定義 / Terms",
		"2 機器構成 / Equipment",
		"3 バックアップ領域 / Backup areas",
		"4 バックアップ管理 / Backup management",
		"4-1 バックアップ処理の流れ / The flow of a backup",
		"1日のスケジュール / The day's schedule",
		"4-2 バックアップスケジュールと世代数 / The weekly schedule and generations",
		"5 バックアップ方式 / Backup methods",
		"5-1 Windowsバックアップ / Windows backup",
		"5-2 ハードディスク間(DDR)バックアップ / Disk-to-disk (DDR) backup",
		"5-3 一次バックアップ / Primary backups (daily)",
		"二次バックアップ / Secondary backups (monthly and others)",
		"システムバックアップ / System backups (at each release)",
		"バックアップ容量 / Size of a generation",
		"6 媒体管理方式 / Media management",
		"6-1 バックアップ装置の媒体配置図 / The slot map",
		"6-2 媒体管理(一次、二次、システム) / Media per generation (primary, secondary, system)",
		"6-3 媒体本数 / Number of media",
		"6-4 媒体交換 / Exchanging media",
		"7 クリーニング管理方式 / Drive cleaning",
		"8 リストア手順 / Restore: order and procedure",
		"9 訓練と点検 / Drills and inspections",
	}, headings)
	text := doc.Text()
	assert.Contains(t, text, "DLY001L8   hill-annex/safe", "where each generation is kept")
	assert.Contains(t, text, "hill-annex  other-building  3 km")

	var juki report.Document
	h.ok("GET", "/v1/reports/procedure?system=juki", nil, &juki)
	procedureGolden(t, h, "demo-juki.golden.txt", juki)
	assert.NotContains(t, juki.Text(), "dat0", "the DAT drive backs up the website, not the registry")
	assert.NotContains(t, juki.Text(), "koseki-daily")

	status, body := h.call("GET", "/v1/reports/procedure?system=nosuch", nil)
	assert.Equal(t, 404, status)
	assert.Contains(t, string(body), `no system \"nosuch\" is configured; the systems are juki, koseki, website, zeimu`)

	var html, pdf bytes.Buffer
	require.NoError(t, doc.Write(&html, report.FormatHTML))
	assert.Contains(t, html.String(), "<h3>6-1 バックアップ装置の媒体配置図 / The slot map</h3>")
	require.NoError(t, doc.Write(&pdf, report.FormatPDF))
	assert.Contains(t, pdf.String(), "(6-1 The slot map)")
	assert.Contains(t, pdf.String(), "(slot 2       DLY002L8")
}

// The procedure document in Japanese: the standard's section names
// alone, every table and paragraph in Japanese (against a golden file),
// the commands those of the English document, and a PDF in the Japanese
// font whose text holds the headings and the barcodes.
func TestProcedureDocumentInJapanese(t *testing.T) {
	h, _ := sheetNights(t)
	var en, ja report.Document
	// The drive's call for cleaning after the nights may come a moment
	// after the run ends: wait for it, as the English golden file has it.
	require.Eventually(t, func() bool {
		en = report.Document{}
		h.ok("GET", "/v1/reports/procedure", nil, &en)
		return regexp.MustCompile(`(?m)^  lto0 .* now$`).MatchString(en.Text())
	}, time.Minute, 200*time.Millisecond, "lto0 asks for cleaning")
	h.ok("GET", "/v1/reports/procedure?lang=ja", nil, &ja)
	assert.Equal(t, "ja", ja.Lang)
	assert.Equal(t, codeBlocks(en), codeBlocks(ja), "the commands are the same in both languages")
	require.Len(t, ja.Sections, len(en.Sections))
	for i, s := range ja.Sections {
		// "6-1 バックアップ装置の媒体配置図 / The slot map" is
		// "6-1 バックアップ装置の媒体配置図" in Japanese.
		want, _, _ := strings.Cut(en.Sections[i].Heading, " / ")
		assert.True(t, strings.HasPrefix(s.Heading, want), "%q is the Japanese half of %q", s.Heading, en.Sections[i].Heading)
		assert.NotContains(t, s.Heading, " / ")
	}
	procedureGolden(t, h, "demo-ja.golden.txt", ja)

	status, body := h.call("GET", "/v1/reports/procedure?lang=de", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, string(body), `lang \"de\"`)

	var html bytes.Buffer
	require.NoError(t, ja.Write(&html, report.FormatHTML))
	assert.Contains(t, html.String(), `<html lang="ja">`)
	assert.Contains(t, html.String(), "<h3>6-1 バックアップ装置の媒体配置図</h3>")

	japaneseFont(t)
	file := filepath.Join(t.TempDir(), "procedure.pdf")
	var pdf bytes.Buffer
	require.NoError(t, ja.Write(&pdf, report.FormatPDF))
	require.NoError(t, os.WriteFile(file, pdf.Bytes(), 0o600))
	out, err := exec.Command("pdftotext", file, "-").Output()
	require.NoError(t, err)
	for _, want := range []string{"バックアップ手順書", "1 用語の定義", "6-1 バックアップ装置の媒体配置図", "9 訓練と点検", "スロット 2", "DLY001L8", "DLY002L8", "hill-annex"} {
		assert.Contains(t, string(out), want)
	}
}
