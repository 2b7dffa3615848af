package drives

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The files under testdata/drives/rig are what the real kernel st, sg and
// ch drivers, mt, mtx and sg_logs printed on the test rig (Debian bookworm,
// kernel 6.1, an emulated STK L700 with two IBM LTO-8 drives; see its
// README.md). These tests hold the decoders and the virtual devices to
// them. Every capture of a kind must have an expectation here, so a new
// capture cannot be skipped silently.

func rigFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "drives", "rig", name))
	require.NoError(t, err)
	return string(b)
}

// rigFiles lists the captures matching pattern, without .stderr.txt files.
func rigFiles(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("..", "testdata", "drives", "rig", pattern))
	require.NoError(t, err)
	var out []string
	for _, f := range m {
		if !strings.HasSuffix(f, ".stderr.txt") {
			out = append(out, filepath.Base(f))
		}
	}
	require.NotEmpty(t, out, "no captures match %s", pattern)
	return out
}

var (
	reMTFile    = regexp.MustCompile(`^File number=(-?\d+), block number=(-?\d+), partition=(\d+)\.$`)
	reMTBlock   = regexp.MustCompile(`^Tape block size (\d+) bytes\. Density code 0x([0-9a-fA-F]+) `)
	reMTGeneral = regexp.MustCompile(`^General status bits on \(([0-9a-fA-F]+)\):$`)
)

// parseMTStatus reads the numbers mt-st prints from MTIOCGET back into the
// mtget they came from.
func parseMTStatus(t *testing.T, text string) (RawStatus, string) {
	t.Helper()
	var r RawStatus
	var flags string
	found := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if m := reMTFile.FindStringSubmatch(line); m != nil {
			f, _ := strconv.ParseInt(m[1], 10, 32)
			b, _ := strconv.ParseInt(m[2], 10, 32)
			p, _ := strconv.ParseInt(m[3], 10, 64)
			r.FileNo, r.BlkNo, r.Resid = int32(f), int32(b), p
			found++
		}
		if m := reMTBlock.FindStringSubmatch(line); m != nil {
			bs, _ := strconv.ParseInt(m[1], 10, 64)
			d, _ := strconv.ParseInt(m[2], 16, 64)
			r.DsReg = d<<dsregDensityShift | bs
			found++
		}
		if m := reMTGeneral.FindStringSubmatch(line); m != nil {
			g, _ := strconv.ParseUint(m[1], 16, 64)
			r.GStat = int64(g)
			found++
			if sc.Scan() {
				flags = strings.TrimSpace(sc.Text())
			}
		}
	}
	require.Equal(t, 3, found, "mt status output with file, block size and status lines")
	r.Type = 0x72
	return r, flags
}

// TestRigMTStatus feeds the numbers of every captured `mt status` through
// DecodeStatus and checks the decoded state, and that mt-st's own flag
// names agree with the decoded flags.
func TestRigMTStatus(t *testing.T) {
	want := map[string]string{
		"mt-status-after-2-files.txt":      "file=-1 block=0 partition=0 blocksize=0 density=0x5e EOF ONLINE",
		"mt-status-after-bsf.txt":          "file=3 block=-1 partition=0 blocksize=0 density=0x5e ONLINE",
		"mt-status-after-write.txt":        "file=-1 block=0 partition=0 blocksize=0 density=0x5e EOF ONLINE",
		"mt-status-blank-after-read.txt":   "file=0 block=-1 partition=0 blocksize=0 density=0x5e ONLINE",
		"mt-status-blank-bot.txt":          "file=0 block=0 partition=0 blocksize=0 density=0x5e BOT ONLINE",
		"mt-status-eod.txt":                "file=4 block=-1 partition=0 blocksize=0 density=0x5e EOD ONLINE",
		"mt-status-file1.txt":              "file=1 block=0 partition=0 blocksize=0 density=0x5e EOF ONLINE",
		"mt-status-fixed-512.txt":          "file=3 block=-1 partition=0 blocksize=512 density=0x5e ONLINE",
		"mt-status-nst0-after-load.txt":    "file=-1 block=-1 partition=0 blocksize=0 density=0x00 DR_OPEN",
		"mt-status-nst0-after-offline.txt": "file=-1 block=-1 partition=0 blocksize=0 density=0x00 DR_OPEN",
		"mt-status-nst0-after-unload.txt":  "file=-1 block=-1 partition=0 blocksize=0 density=0x00 DR_OPEN",
		"mt-status-nst0-cleaning.txt":      "file=-1 block=-1 partition=0 blocksize=0 density=0x00 ",
		"mt-status-nst0-empty.txt":         "file=-1 block=-1 partition=0 blocksize=0 density=0x00 DR_OPEN",
		"mt-status-nst0-loaded-bot.txt":    "file=-1 block=-1 partition=0 blocksize=0 density=0x5e ONLINE",
		"mt-status-nst1-after-load-0.txt":  "file=-1 block=-1 partition=0 blocksize=0 density=0x00 DR_OPEN",
		"mt-status-nst1-empty.txt":         "file=-1 block=-1 partition=0 blocksize=0 density=0x00 DR_OPEN",
		"mt-status-rewound.txt":            "file=0 block=0 partition=0 blocksize=0 density=0x5e BOT ONLINE",
	}
	for _, name := range rigFiles(t, "mt-status-*.txt") {
		t.Run(name, func(t *testing.T) {
			exp, ok := want[name]
			require.True(t, ok, "no expectation for capture %s: add one", name)
			raw, mtFlags := parseMTStatus(t, rigFile(t, name))
			s := DecodeStatus(raw)
			assert.Equal(t, exp, s.String())
			// mt-st names the same bits (plus IM_REP_EN, which Status
			// does not carry).
			var names []string
			for _, f := range strings.Fields(mtFlags) {
				if f != "IM_REP_EN" {
					names = append(names, f)
				}
			}
			assert.Equal(t, strings.Join(names, " "), strings.TrimSpace(strings.SplitN(s.String(), "density=", 2)[1][4:]))
			// Encoding the decoded state gives back st's numbers.
			assert.Equal(t, raw.GStat, EncodeStatus(s).GStat)
			assert.Equal(t, raw.DsReg, EncodeStatus(s).DsReg)
			assert.Equal(t, name == "mt-status-blank-after-read.txt", IsBlankReadState(s), "only a failed read of a blank tape leaves file 0, block -1 online")
		})
	}
}

// TestRigMTXStatus parses every captured `mtx status` and checks the
// decoded inventory.
func TestRigMTXStatus(t *testing.T) {
	type drive struct {
		full    bool
		source  int
		barcode string
	}
	type exp struct {
		drives   []drive
		empty    []int // empty slots
		barcodes bool
		slot21   string
	}
	want := map[string]exp{
		"mtx-status-initial.txt":             {drives: []drive{{}, {}}, empty: []int{17, 18, 19, 21, 22}, barcodes: true},
		"mtx-status-drive0-loaded.txt":       {drives: []drive{{true, 1, "E01001L8"}, {}}, empty: []int{1, 17, 18, 19, 21, 22}, barcodes: true},
		"mtx-status-after-offline.txt":       {drives: []drive{{true, 1, "E01001L8"}, {}}, empty: []int{1, 17, 18, 19, 21, 22}, barcodes: true},
		"mtx-status-after-cleaning-load.txt": {drives: []drive{{true, 20, "CLN101L8"}, {}}, empty: []int{17, 18, 19, 20, 21, 22}, barcodes: true},
		"mtx-status-ie-full.txt":             {drives: []drive{{}, {}}, empty: []int{1, 17, 18, 19, 22}, barcodes: true, slot21: "E01001L8"},
		"mtx-status-final.txt":               {drives: []drive{{}, {}}, empty: []int{17, 18, 19, 21, 22}, barcodes: true},
		"mtx-nobarcode-status.txt":           {drives: []drive{{}, {}}, empty: []int{17, 18, 19, 21, 22}},
	}
	files := append(rigFiles(t, "mtx-status-*.txt"), "mtx-nobarcode-status.txt")
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			e, ok := want[name]
			require.True(t, ok, "no expectation for capture %s: add one", name)
			inv, err := ParseMTXStatus(rigFile(t, name))
			require.NoError(t, err)
			assert.Equal(t, "/dev/sg3", inv.Device)
			require.Len(t, inv.Drives, len(e.drives))
			for i, d := range e.drives {
				got := inv.Drives[i]
				assert.Equal(t, d, drive{got.Full, got.SourceSlot, got.Barcode}, "drive %d", i)
			}
			require.Len(t, inv.Slots, 22)
			assert.Equal(t, 2, inv.ImportExportCount())
			var empty []int
			for _, s := range inv.Slots {
				if !s.Full {
					empty = append(empty, s.Number)
				}
				if s.Full && e.barcodes {
					assert.NotEmpty(t, s.Barcode, "slot %d", s.Number)
				}
			}
			assert.Equal(t, e.empty, empty)
			assert.Equal(t, e.barcodes, inv.HasBarcodes())
			s21, _ := inv.Slot(21)
			assert.True(t, s21.ImportExport)
			assert.Equal(t, e.slot21, s21.Barcode)
		})
	}
}

// TestRigMTXErrors classifies every refusal mtx printed on the rig.
func TestRigMTXErrors(t *testing.T) {
	want := map[string]struct {
		err error
		msg string
	}{
		"mtx-err-load-from-empty-slot":  {ErrSourceEmpty, "Source Element Address 1016 is Empty"},
		"mtx-err-load-into-full-drive":  {ErrDriveFull, "Drive 0 Full (Storage Element 1 loaded)"},
		"mtx-err-load-no-such-drive":    {ErrNoSuchElement, "illegal <drive-number> argument '5' to 'load' command"},
		"mtx-err-load-no-such-slot":     {ErrNoSuchElement, "Invalid <storage-element-number> argument '99' to 'load' command"},
		"mtx-err-no-such-device":        {ErrOffline, "cannot open SCSI device '/dev/sg99' - No such file or directory"},
		"mtx-err-status-on-drive-sg":    {ErrChangerFailed, "READ ELEMENT STATUS Command Failed"},
		"mtx-err-transfer-from-empty":   {ErrSourceEmpty, "Source Element Address 1016 is Empty"},
		"mtx-err-transfer-no-such-slot": {ErrNoSuchElement, "Invalid destination"},
		"mtx-err-transfer-to-full":      {ErrDestinationFull, "Destination Element Address 1002 is Already Full"},
		"mtx-err-unload-empty-drive":    {ErrDriveEmpty, "Data Transfer Element 0 is Empty"},
		"mtx-err-unload-to-full-slot":   {ErrDestinationFull, "Storage Element 2 is Already Full"},
	}
	for _, name := range rigFiles(t, "mtx-err-*.txt") {
		base := strings.TrimSuffix(name, ".txt")
		t.Run(base, func(t *testing.T) {
			e, ok := want[base]
			require.True(t, ok, "no expectation for capture %s: add one", name)
			ce := parseMTXFailure(rigFile(t, base+".stderr.txt"))
			assert.Equal(t, e.msg, ce.Message)
			assert.ErrorIs(t, ce.Err, e.err)
			assert.False(t, ce.retryable(), "a refused move is not retried")
			if e.err == ErrDestinationFull || e.err == ErrSourceEmpty {
				assert.NotErrorIs(t, ce.Err, ErrDriveFull)
			}
		})
	}
	// The Illegal Request sense of status on a drive's sg node is decoded.
	ce := parseMTXFailure(rigFile(t, "mtx-err-status-on-drive-sg.stderr.txt"))
	assert.Equal(t, "Illegal Request", ce.SenseKey)
	assert.Equal(t, 0x20, ce.ASC)
	assert.Equal(t, 0x00, ce.ASCQ)
}

// parseSGLogsHex reads the page bytes of `sg_logs -H` output.
func parseSGLogsHex(t *testing.T, text string) []byte {
	t.Helper()
	var page []byte
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if _, err := strconv.ParseUint(f[0], 16, 32); err != nil || len(f[1]) != 2 {
			continue
		}
		b, err := hex.DecodeString(strings.Join(f[1:], ""))
		require.NoError(t, err, "hex line %q", line)
		page = append(page, b...)
	}
	return page
}

// parseSGLogsTapeAlert reads the decoded TapeAlert page sg_logs prints:
// one "name: value" line per parameter, in parameter-code order 1…64.
func parseSGLogsTapeAlert(t *testing.T, text string) (TapeAlertFlags, []string) {
	t.Helper()
	var f TapeAlertFlags
	var names []string
	n := 0
	in := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Tape alert page") {
			in = true
			continue
		}
		if !in || !strings.HasPrefix(line, "  ") {
			continue
		}
		i := strings.LastIndex(line, ": ")
		require.Positive(t, i, "line %q", line)
		n++
		if strings.TrimSpace(line[i+2:]) == "1" {
			f = f.With(n)
			names = append(names, strings.TrimSpace(line[:i]))
		}
	}
	if in {
		require.Equal(t, 64, n, "64 drive TapeAlert parameters")
	}
	return f, names
}

// TestRigSGLogs decodes every captured sg_logs output: the raised flags
// of drive and changer, read through the same decoders as SG_IO's pages.
func TestRigSGLogs(t *testing.T) {
	type exp struct {
		drive   []int
		changer []int
		pages   bool // a list of supported pages, which must include 2Eh
	}
	want := map[string]exp{
		"sg_logs-drive0-pages.txt":                 {pages: true},
		"sg_logs-changer-pages.txt":                {pages: true},
		"sg_logs-tapealert-drive0.txt":             {drive: nil},
		"sg_logs-tapealert-drive0-hex.txt":         {drive: nil},
		"sg_logs-tapealert-drive0-flag20-hex.txt":  {drive: []int{20}},
		"sg_logs-tapealert-drive0-flags3-4.txt":    {drive: []int{3, 4}},
		"sg_logs-tapealert-drive0-cleaning.txt":    {drive: []int{11}},
		"sg_logs-tapealert-changer.txt":            {changer: nil},
		"sg_logs-tapealert-changer-hex.txt":        {changer: nil},
		"sg_logs-tapealert-changer-flag16.txt":     {changer: []int{16}},
		"sg_logs-tapealert-changer-flag16-hex.txt": {changer: []int{16}},
	}
	flagsOf := func(as []TapeAlert) []int {
		var out []int
		for _, a := range as {
			out = append(out, a.Flag)
		}
		return out
	}
	for _, name := range rigFiles(t, "sg_logs-*.txt") {
		t.Run(name, func(t *testing.T) {
			e, ok := want[name]
			require.True(t, ok, "no expectation for capture %s: add one", name)
			text := rigFile(t, name)
			changer := strings.Contains(name, "changer")
			switch {
			case e.pages:
				assert.Regexp(t, `(?m)^\s+0x2e\b`, text, "TapeAlert (2Eh) is a supported page")
			case strings.HasSuffix(name, "-hex.txt") || strings.Contains(text, "here is hex"):
				page := parseSGLogsHex(t, text)
				if strings.Contains(text, "truncated after") {
					// sg_logs without -H shows the first 64 bytes only;
					// the full page is in the matching -hex capture.
					assert.Len(t, page, 64)
					full := parseSGLogsHex(t, rigFile(t, strings.TrimSuffix(name, ".txt")+"-hex.txt"))
					assert.Equal(t, full[:64], page)
					page = full
				}
				require.Len(t, page, 4+64*5, "64 parameters of 5 bytes")
				if changer {
					f, err := DecodeChangerAlertPage(page)
					require.NoError(t, err)
					assert.Equal(t, e.changer, flagsOf(f.Alerts()))
					if len(e.changer) > 0 {
						assert.True(t, f.NeedsOperator(), "library door (16) needs the operator")
					}
				} else {
					f, err := DecodeTapeAlertPage(page)
					require.NoError(t, err)
					assert.Equal(t, e.drive, flagsOf(f.Alerts()))
					assert.Equal(t, f.Has(AlertCleanNow), f.CleaningRequested())
				}
			default:
				f, names := parseSGLogsTapeAlert(t, text)
				assert.Equal(t, e.drive, flagsOf(f.Alerts()))
				// Our flag names are sg_logs' names.
				for i, a := range f.Alerts() {
					assert.Equal(t, names[i], a.Name, "flag %d", a.Flag)
				}
			}
		})
	}
}

// TestRigReadBufferSizes replays st-read-buffer-sizes.txt on the virtual
// tape: a 1000-byte block read with each captured buffer size fails or
// succeeds exactly as on the real driver.
func TestRigReadBufferSizes(t *testing.T) {
	ctx := t.Context()
	text := rigFile(t, "st-read-buffer-sizes.txt")
	re := regexp.MustCompile(`(?m)^== read buffer (\d+) bytes\n((?:.*\n)*?)dd exit (\d+), read (\d+) bytes`)
	cases := re.FindAllStringSubmatch(text, -1)
	require.Len(t, cases, 9)
	assert.Contains(t, rigFile(t, "st-limits.txt"), fmt.Sprintf("Block limits %d - %d bytes.", VirtualMinBlock, VirtualMaxBlock))
	assert.Contains(t, rigFile(t, "st-limits.txt"), "sg_tablesize: 128")

	v, dir := newTestTape(t, LTO8)
	require.NoError(t, v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "BUF001L8", MediaType: LTO8})))
	d := openTape(t, v)
	_, err := d.Write(make([]byte, 1000))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	for _, c := range cases {
		size, _ := strconv.Atoi(c[1])
		t.Run(c[1], func(t *testing.T) {
			require.NoError(t, d.Rewind(ctx))
			n, err := d.Read(make([]byte, size))
			switch {
			case c[3] == "0":
				require.NoError(t, err)
				assert.Equal(t, c[4], strconv.Itoa(n))
			case strings.Contains(c[2], "Device or resource busy"):
				assert.ErrorIs(t, err, ErrBusy)
			case strings.Contains(c[2], "Invalid argument"):
				assert.ErrorIs(t, err, ErrInvalidBlockSize)
			default:
				t.Fatalf("unexpected capture %q", c[0])
			}
		})
	}
}
