package daemon

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// sheetNights runs the registry's and the family register's daily backups
// on the nights of 1 and 2 December 2026 with the courier taking the first
// night's generation to the annex in between, and leaves the clock on the
// morning of the 3rd: the newest generation is in the library, spanning
// two cartridges (DLY002L8 and DLY003L8 hold 6 MiB each), the one before it
// at the annex.
func sheetNights(t *testing.T, mods ...func(*config.Config, *Options)) (*harness, *stillClock) {
	t.Helper()
	clock := &stillClock{now: jst(2026, 12, 1, 20, 0)}
	h := startDaemon(t, append([]func(*config.Config, *Options){withDemoWorld, withNightlySchedules, withClock(clock)}, mods...)...)
	for _, barcode := range []string{"DLY002L8", "DLY003L8"} {
		shrinkCartridge(t, filepath.Join(h.cfg.StateDir, "libraries", "lib0", "cartridges", barcode+".vtape"), 6<<20)
	}
	runJobAt(t, h, clock, "juki-daily", jst(2026, 12, 1, 22, 0))
	runJobAt(t, h, clock, "koseki-daily", jst(2026, 12, 1, 22, 30))
	courierTrip(t, h, clock, jst(2026, 12, 2, 9, 0))
	runJobAt(t, h, clock, "juki-daily", jst(2026, 12, 2, 22, 0))
	runJobAt(t, h, clock, "koseki-daily", jst(2026, 12, 2, 22, 30))
	clock.Set(jst(2026, 12, 3, 8, 30))
	return h, clock
}

// shrinkCartridge gives a cartridge image that holds no data yet a
// smaller capacity, by rewriting its header (drives/doc.go): the runs then
// span cartridges.
func shrinkCartridge(t *testing.T, path string, capacity int64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	end := bytes.Index(raw[:4096], []byte("\n\n"))
	require.Positive(t, end, "%s has no header", path)
	var lines []string
	for _, l := range strings.Split(string(raw[:end]), "\n") {
		switch {
		case strings.HasPrefix(l, "capacity: "):
			l = fmt.Sprintf("capacity: %d", capacity)
		case strings.HasPrefix(l, "early-warning: "):
			l = "early-warning: 0"
		}
		lines = append(lines, l)
	}
	header := make([]byte, 4096)
	copy(header, strings.Join(lines, "\n")+"\n\n")
	require.NoError(t, os.WriteFile(path, append(header, raw[4096:]...), 0o600))
}

// tapeReader plays the drive of the sheet's manual commands on virtual
// cartridge images, read as drives/doc.go describes them and nothing
// more: a 4096-byte header, then records of a 4-byte tag (BLK, FMK, EOD)
// and a little-endian 32-bit length.
type tapeReader struct {
	t      *testing.T
	images string // the state directory, where the images are
	device string
	image  string // the cartridge in the drive; "" when empty
	file   int    // the tape file the head is at
}

// find is the image of a cartridge, in the library or on a shelf.
func (tr *tapeReader) find(barcode string) string {
	var found string
	require.NoError(tr.t, filepath.WalkDir(tr.images, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == barcode+".vtape" {
			found = p
		}
		return err
	}))
	require.NotEmpty(tr.t, found, "no image of %s under %s", barcode, tr.images)
	return found
}

// read is dd of the tape file under the head with a buffer of bs bytes:
// one block per read, to the filemark, which it passes.
func (tr *tapeReader) read(bs int) []byte {
	require.NotEmpty(tr.t, tr.image, "dd with no cartridge in the drive")
	raw, err := os.ReadFile(tr.image)
	require.NoError(tr.t, err)
	var out bytes.Buffer
	file := 0
	for off := 4096; off+8 <= len(raw); {
		tag, n := string(raw[off:off+4]), int(binary.LittleEndian.Uint32(raw[off+4:off+8]))
		switch tag {
		case "FMK\x00":
			file++
		case "EOD\x00":
			off = len(raw)
			continue
		case "BLK\x00":
			if file == tr.file {
				require.LessOrEqual(tr.t, n, bs, "a block of %d bytes does not fit dd's bs=%d (the real drive says 'Cannot allocate memory')", n, bs)
				out.Write(raw[off+8 : off+8+n])
			}
		default:
			tr.t.Fatalf("%s: bad record tag %q at %d", tr.image, tag, off)
		}
		off += 8 + n
	}
	tr.file++
	return out.Bytes()
}

var (
	loadLine = regexp.MustCompile(`^# cartridge (\S+) \(piece \d+ of \d+\), now (at \S+|in transit to \S+): put it into the drive$`)
	mtLine   = regexp.MustCompile(`^mt -f (\S+) (rewind|offline|fsf (\d+))$`)
	ddLine   = regexp.MustCompile(`^dd if=(\S+) bs=(\d+) of=(\S+)$`)
)

// run follows one command of the sheet in dir: the drive's (mt, dd and
// the comment that says which cartridge to load) on the images, every
// other one with sh.
func (tr *tapeReader) run(dir, line string) {
	t := tr.t
	if m := loadLine.FindStringSubmatch(line); m != nil {
		tr.image, tr.file = tr.find(m[1]), 0
		return
	}
	if strings.HasPrefix(line, "#") {
		return
	}
	if m := mtLine.FindStringSubmatch(line); m != nil {
		require.Equal(t, tr.device, m[1], line)
		switch {
		case m[2] == "rewind":
			tr.file = 0
		case m[2] == "offline":
			tr.image, tr.file = "", 0
		default:
			n, _ := strconv.Atoi(m[3])
			tr.file += n
		}
		return
	}
	if m := ddLine.FindStringSubmatch(line); m != nil {
		require.Equal(t, tr.device, m[1], line)
		bs, _ := strconv.Atoi(m[2])
		require.NoError(t, os.WriteFile(filepath.Join(dir, m[3]), tr.read(bs), 0o600))
		return
	}
	require.False(t, strings.HasPrefix(line, "mt ") || strings.HasPrefix(line, "dd "), "a drive command the test does not know: %s", line)
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", line, out)
	if strings.Contains(line, "sha256sum -c") {
		assert.Regexp(t, `: OK\n$`, string(out), line)
	}
}

// manualBlocks are the command blocks printed under "With mt, dd, tar
// and sha256sum", with the job they belong to, from the sheet's text.
func manualBlocks(text string) map[string][][]string {
	out := map[string][][]string{}
	lines := strings.Split(text, "\n")
	job := ""
	heading := regexp.MustCompile(`^(\S+): generation \S+ \(run \d+, `)
	for i := 0; i < len(lines); i++ {
		if m := heading.FindStringSubmatch(lines[i]); m != nil {
			job = m[1]
		}
		if !strings.HasPrefix(lines[i], "With mt, dd, tar and sha256sum") {
			continue
		}
		i++ // the blank line after the paragraph
		var block []string
		for i++; i < len(lines) && strings.HasPrefix(lines[i], "    "); i++ {
			block = append(block, strings.TrimPrefix(lines[i], "    "))
		}
		out[job] = append(out[job], block)
	}
	return out
}

// followSheet runs every manual block of the sheet in a directory of its
// own and returns the directories by job, in the order printed.
func followSheet(t *testing.T, h *harness, text string, prepare func(dir string)) map[string][]string {
	t.Helper()
	for _, tool := range []string{"sh", "tar", "sha256sum", "cat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed; the sheet's manual commands were not followed", tool)
		}
	}
	tr := &tapeReader{t: t, images: h.cfg.StateDir, device: "/dev/nst0"}
	dirs := map[string][]string{}
	for job, blocks := range manualBlocks(text) {
		for _, block := range blocks {
			require.NotEmpty(t, block, "the manual commands of %s", job)
			dir := t.TempDir()
			if prepare != nil {
				prepare(dir)
			}
			for _, line := range block {
				tr.run(dir, line)
			}
			assert.Empty(t, tr.image, "the last command of %s leaves the drive empty", job)
			dirs[job] = append(dirs[job], dir)
		}
	}
	return dirs
}

// assertRestored checks that what the commands extracted for the
// registry is the demo's data, byte for byte, and the family register's
// the export its command makes.
func assertRestored(t *testing.T, h *harness, dirs map[string][]string) {
	t.Helper()
	data := filepath.Join(h.cfg.StateDir, "demo-data")
	require.Len(t, dirs["juki-daily"], 2, "the newest generation and the newest away from the machine room")
	for _, dir := range dirs["juki-daily"] {
		n := 0
		root := filepath.Join(dir, "restore", "juki-daily")
		require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			got, err := os.ReadFile(p)
			require.NoError(t, err)
			want, err := os.ReadFile("/" + rel)
			require.NoError(t, err, "%s is not a file of the source", rel)
			assert.True(t, bytes.Equal(want, got), "%s differs from its source", rel)
			n++
			return nil
		}))
		assert.Equal(t, 4, n, "every file of %s/juki came back", data)
	}
	var export bytes.Buffer
	for _, f := range []string{"changes.csv", "register.csv"} {
		b, err := os.ReadFile(filepath.Join(data, "koseki", f))
		require.NoError(t, err)
		export.Write(b)
	}
	require.Len(t, dirs["koseki-daily"], 2)
	for _, dir := range dirs["koseki-daily"] {
		var files []string
		root := filepath.Join(dir, "restore", "koseki-daily")
		require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return err
		}))
		require.Len(t, files, 1, "the export alone")
		assert.Equal(t, "koseki-export.csv", filepath.Base(files[0]))
		got, err := os.ReadFile(files[0])
		require.NoError(t, err)
		assert.Equal(t, export.String(), string(got))
	}
}

// TestRecoverySheetManualCommands follows the sheet's commands for mt, dd,
// tar and sha256sum word for word against the cartridge images, for the
// newest generation (in the library) and the newest at the annex, and
// gets the data back byte for byte.
func TestRecoverySheetManualCommands(t *testing.T) {
	h, _ := sheetNights(t, plainPools)
	ctx := context.Background()
	var doc report.Document
	h.ok("GET", "/v1/reports/recovery-sheet", nil, &doc)
	text := doc.Text()
	head, err := h.d.Catalog().ChainHead(ctx)
	require.NoError(t, err)
	id, err := h.d.Catalog().Identity(ctx)
	require.NoError(t, err)
	assert.Contains(t, text, fmt.Sprintf("Audit chain head: %d %s", head.ID, head.Hash))
	assert.Contains(t, text, "from catalog "+id.UUID)
	assert.Contains(t, text, "Received and filed at hill-annex by")
	assert.Regexp(t, `(?m)^  1\s+juki\s+juki-daily\s.*DLY002L8 at honcho/lib0/slot/\d+, DLY003L8 at honcho/lib0/slot/\d+$`, text)
	assert.Regexp(t, `(?m)^  1\s+juki\s+juki-daily\s.*DLY001L8 at hill-annex/safe$`, text)
	assert.Less(t, strings.Index(text, "juki-daily"), strings.Index(text, "koseki-daily"), "the resident registry comes first")
	assert.Contains(t, text, "tapewarden restore --from-tape --device /dev/nst0 --system juki --to /srv/restore")

	assert.Regexp(t, `(?m)^    cat run\d+-1 run\d+-2 > run\d+\.tar$`, text, "the newest generation spans two cartridges")
	dirs := followSheet(t, h, text, nil)
	assertRestored(t, h, dirs)

	// The copy for the annex holds only what is there.
	var annex report.Document // a fresh one: decoding over doc would keep its fields that the new one leaves out
	h.ok("GET", "/v1/reports/recovery-sheet?site=hill-annex", nil, &annex)
	text = annex.Text()
	assert.Contains(t, text, "DLY001L8")
	assert.NotContains(t, text, "DLY002L8", text)
	assert.Regexp(t, `(?m)^  3\s+website\s+website-weekly\s+-\s+-\s+none: no succeeded run yet$`, text)

	status, body := h.call("GET", "/v1/reports/recovery-sheet?site=atlantis", nil)
	assert.Equal(t, 404, status)
	assert.Contains(t, string(body), `no site \"atlantis\" is configured; the sites are honcho, hill-annex, pref-dc`)
}

// plainPools writes the demo's pools without encryption (the demo
// encrypts the registry's), for the sheet's plain commands.
func plainPools(cfg *config.Config, _ *Options) {
	for i := range cfg.Pools {
		p := &cfg.Pools[i]
		p.Encryption = "none"
		p.Recipients = nil
		p.RestoreIdentityFile = ""
	}
}

// TestRecoverySheetManualCommandsEncrypted: in a pool with encryption:
// age the sheet's commands decrypt with age and the identity file, and
// check the bytes on tape and the tar stream each against its SHA-256.
func TestRecoverySheetManualCommandsEncrypted(t *testing.T) {
	if _, err := exec.LookPath("age"); err != nil {
		t.Skip("age is not installed (Debian: apt-get install age); the encrypted sheet was not followed")
	}
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	encrypt := func(cfg *config.Config, _ *Options) {
		p := cfg.Pool("daily")
		p.Encryption = "age"
		p.Recipients = []config.Recipient{{Value: id.Recipient().String()}}
	}
	h, _ := sheetNights(t, encrypt)
	var doc report.Document
	h.ok("GET", "/v1/reports/recovery-sheet", nil, &doc)
	text := doc.Text()
	assert.Contains(t, text, "tapewarden restore --system juki --to /srv/restore --identity key.txt")
	assert.Contains(t, text, "age -d -i key.txt -o run1.tar run1.tar.age")
	assert.Regexp(t, `(?m)^    cat run\d+-1 run\d+-2 > run\d+\.tar\.age$`, text, "the newest generation spans two cartridges")
	dirs := followSheet(t, h, text, func(dir string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "key.txt"), []byte(id.String()+"\n"), 0o600))
	})
	assertRestored(t, h, dirs)
}

// The sheet prints as HTML without scripts and as a PDF whose text can be
// searched, with the commands as they are typed.
func TestRecoverySheetPrints(t *testing.T) {
	h, _ := sheetNights(t)
	doc, err := h.d.report.RecoverySheet(context.Background(), "", i18n.English)
	require.NoError(t, err)
	var html, pdf bytes.Buffer
	require.NoError(t, doc.Write(&html, report.FormatHTML))
	assert.Contains(t, html.String(), "@page { size: A4;")
	assert.NotContains(t, strings.ToLower(html.String()), "<script")
	assert.Contains(t, html.String(), "<h2>4. juki — 住民基本台帳 (resident registry) (restore priority 1)</h2>")
	assert.Contains(t, html.String(), "mt -f /dev/nst0 fsf 1\n")
	require.NoError(t, doc.Write(&pdf, report.FormatPDF))
	assert.True(t, bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")))
	assert.Contains(t, pdf.String(), `(4. juki - \(resident registry\) \(restore priority 1\))`)
	assert.Contains(t, pdf.String(), "(mt -f /dev/nst0 fsf 1)")

	// The daemon's own copy: written at start (when no run is in
	// progress; here the nights may still have been running), and again
	// by WriteRecoverySheet, as a PDF by default, replacing the old one.
	fresh := startDaemon(t)
	freshPath := filepath.Join(fresh.cfg.StateDir, "recovery-sheet.pdf")
	require.Eventually(t, func() bool { _, err := os.Stat(freshPath); return err == nil }, 10*time.Second, 20*time.Millisecond, "the sheet written at start")
	path := filepath.Join(h.cfg.StateDir, "recovery-sheet.pdf")
	require.NoError(t, h.d.WriteRecoverySheet(context.Background()))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(got), "(mt -f /dev/nst0 fsf 1)")
	assert.Contains(t, string(got), "(Audit chain head: ")
	leftovers, err := filepath.Glob(filepath.Join(h.cfg.StateDir, ".recovery-sheet-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers)
}

// The daemon rewrites the sheet once runs have ended since it last wrote
// it, and not otherwise; a sheet it cannot write is logged and retried.
func TestRecoverySheetAfterTheNight(t *testing.T) {
	clock := &stillClock{now: jst(2026, 12, 1, 20, 0)}
	h := startDaemon(t, withDemoWorld, withNightlySchedules, withClock(clock))
	ctx := context.Background()
	path := h.cfg.RecoverySheetPath()

	last, wrote := h.d.refreshRecoverySheet(ctx, -1)
	require.True(t, wrote, "never written: written")
	_, wrote = h.d.refreshRecoverySheet(ctx, last)
	assert.False(t, wrote, "no run ended since: not written again")

	r := runJobAt(t, h, clock, "juki-daily", jst(2026, 12, 1, 22, 0))
	last, wrote = h.d.refreshRecoverySheet(ctx, last)
	require.True(t, wrote, "a run ended: written")
	assert.Equal(t, r.ID, last)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(got), fmt.Sprintf("(juki-daily: generation daily/2026-12-01 \\(run %d, the newest", r.ID))

	// A directory where the file should be: logged, not written, and
	// tried again next time.
	runJobAt(t, h, clock, "koseki-daily", jst(2026, 12, 1, 22, 30))
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Mkdir(path, 0o755))
	again, wrote := h.d.refreshRecoverySheet(ctx, last)
	assert.False(t, wrote)
	assert.Equal(t, last, again)
	assert.Contains(t, h.log.String(), "recovery sheet not written")
	require.NoError(t, os.Remove(path))
	_, wrote = h.d.refreshRecoverySheet(ctx, again)
	assert.True(t, wrote)
}

// japaneseFont finds the Japanese font of the PDF and pdftotext. Without
// them the test skips, unless CI is set: there it fails.
func japaneseFont(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath("pdftotext"); err != nil {
		missing = append(missing, "poppler-utils")
	}
	found := false
	for _, f := range report.JapaneseFonts {
		if _, err := os.Stat(f); err == nil {
			found = true
		}
	}
	if !found {
		missing = append(missing, report.JapaneseFontPackage)
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the Japanese PDF cannot be read, and CI is set: install %s", strings.Join(missing, " "))
	}
	t.Skipf("the Japanese PDF was not read (apt-get install %s to read it)", strings.Join(missing, " "))
}

// codeBlocks are a document's commands, block by block.
func codeBlocks(doc report.Document) [][]string {
	var out [][]string
	for _, s := range doc.Sections {
		for _, b := range s.Blocks {
			if b.Code != nil {
				out = append(out, b.Code)
			}
		}
	}
	return out
}

// The sheet in Japanese: the headings, tables, dates and places to sign
// in Japanese, the commands word for word those of the English sheet
// (which TestRecoverySheetManualCommands follows), and a PDF whose text
// holds the Japanese and the barcodes.
func TestRecoverySheetInJapanese(t *testing.T) {
	h, _ := sheetNights(t, plainPools)
	ctx := context.Background()
	var en, ja report.Document
	h.ok("GET", "/v1/reports/recovery-sheet?lang=en", nil, &en)
	h.ok("GET", "/v1/reports/recovery-sheet?lang=ja", nil, &ja)
	assert.Equal(t, "en", en.Lang)
	assert.Equal(t, "ja", ja.Lang)
	require.NotEmpty(t, codeBlocks(en))
	assert.Equal(t, codeBlocks(en), codeBlocks(ja), "the commands are the same in both languages")

	head, err := h.d.Catalog().ChainHead(ctx)
	require.NoError(t, err)
	text := ja.Text()
	for _, want := range []string{
		"復旧シート: サーバ室が使えなくなったとき\n",
		"作成 2026年12月3日 08:30、カタログ ",
		fmt.Sprintf("監査チェーンの先頭: %d %s\n", head.ID, head.Hash),
		"\n1. 最初に\n", "\n2. 復旧の順序\n", "\n3. 取り寄せる媒体\n",
		"\n4. juki — 住民基本台帳 (resident registry) (復旧優先順位 1)\n",
		"juki-monthly には復旧できる世代がありません: 成功した実行がまだありません。",
		"\n8. 確認\n", "印刷・確認者 (情報システム担当課)\n", "hill-annex での受領・保管者\n",
		"  氏名: ____________________  署名: ____________________  日付: __________\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.Regexp(t, `(?m)^  1\s+juki\s+juki-daily\s+daily/2026-12-02\s+2026年12月2日 22:00\s+DLY002L8 honcho/lib0/slot/\d+ にあり, DLY003L8 honcho/lib0/slot/\d+ にあり$`, text)
	assert.Regexp(t, `(?m)^juki-daily: 世代 daily/2026-12-01 \(実行 \d+、サーバ室に媒体のない最新\)$`, text)
	assert.Regexp(t, `(?m)^  1\s+DLY001L8\s+hill-annex/safe\s+1\s+\d+$`, text)
	for _, english := range []string{"Restore order", "Cartridges to fetch", "Signatures", "restore priority", "generation daily/", "Received and filed", "name: ___"} {
		assert.NotContains(t, text, english)
	}
	// A Japanese paragraph is broken between characters into lines of 78
	// columns (a kanji or kana takes two), not left as one long line.
	_, body, _ := strings.Cut(text, "\n1. 最初に\n")
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") {
			continue // tables, commands, underlines
		}
		cols := 0
		for _, r := range l {
			cols++
			if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xff60) {
				cols++
			}
		}
		assert.LessOrEqual(t, cols, 78, "a line of the text form is too wide: %s", l)
	}

	var html bytes.Buffer
	require.NoError(t, ja.Write(&html, report.FormatHTML))
	assert.Contains(t, html.String(), `<html lang="ja">`)
	assert.Contains(t, html.String(), "<h2>2. 復旧の順序</h2>")
	assert.Contains(t, html.String(), "氏名 <span></span> 署名 <span></span> 日付 <span></span>")

	japaneseFont(t)
	file := filepath.Join(t.TempDir(), "sheet.pdf")
	var pdf bytes.Buffer
	require.NoError(t, ja.Write(&pdf, report.FormatPDF))
	require.NoError(t, os.WriteFile(file, pdf.Bytes(), 0o600))
	out, err := exec.Command("pdftotext", file, "-").Output()
	require.NoError(t, err)
	got := string(out)
	for _, want := range []string{"復旧シート: サーバ室が使えなくなったとき", "1. 最初に", "2. 復旧の順序", "3. 取り寄せる媒体",
		"8. 確認", "hill-annex での受領・保管者", "氏名:", "2026年12月2日 22:00", "DLY001L8", "DLY002L8", "DLY003L8",
		"mt -f /dev/nst0 fsf 1", fmt.Sprintf("監査チェーンの先頭: %d %s", head.ID, head.Hash)} {
		assert.Contains(t, got, want)
	}
}

// Without lang the sheet speaks the configured language, and so does
// the file the daemon writes; a language it does not speak is refused.
func TestRecoverySheetConfiguredLanguage(t *testing.T) {
	h := startDaemon(t, func(cfg *config.Config, _ *Options) {
		cfg.Language = "ja"
		cfg.Catalog.RecoverySheet = filepath.Join(cfg.StateDir, "recovery-sheet.html")
	})
	var doc report.Document
	h.ok("GET", "/v1/reports/recovery-sheet", nil, &doc)
	assert.Equal(t, "ja", doc.Lang)
	assert.Equal(t, "復旧シート: サーバ室が使えなくなったとき", doc.Title)
	var en report.Document
	h.ok("GET", "/v1/reports/recovery-sheet?lang=en", nil, &en)
	assert.Equal(t, "復旧シート / Recovery sheet: the machine room is gone", en.Title)

	status, body := h.call("GET", "/v1/reports/recovery-sheet?lang=fr", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, string(body), `lang \"fr\": tapewarden writes en (English) and ja (Japanese)`)

	require.NoError(t, h.d.WriteRecoverySheet(context.Background()))
	got, err := os.ReadFile(h.cfg.RecoverySheetPath())
	require.NoError(t, err)
	assert.Contains(t, string(got), `<html lang="ja">`)
	assert.Contains(t, string(got), "<h1>復旧シート: サーバ室が使えなくなったとき</h1>")
}
