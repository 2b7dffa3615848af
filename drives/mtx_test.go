package drives

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeResp is one scripted run of the fake mtx.
type fakeResp struct {
	out, err string
	code     int
	sleep    string // seconds; the fake then just sleeps (for timeouts)
}

// fakeMTX writes a fake mtx executable into a temporary directory. Run n
// answers with resps[n-1], later runs with the last response. Every run
// appends its arguments to the log file, and a run that overlaps another
// writes OVERLAP.
func fakeMTX(t *testing.T, resps ...fakeResp) (bin, logPath string) {
	t.Helper()
	dir := t.TempDir()
	for i, r := range resps {
		name := fmt.Sprintf("r%d", i+1)
		if i == len(resps)-1 {
			name = "rlast"
		}
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p+".out", []byte(r.out), 0o644))
		require.NoError(t, os.WriteFile(p+".err", []byte(r.err), 0o644))
		require.NoError(t, os.WriteFile(p+".code", []byte(fmt.Sprint(r.code)), 0o644))
		if r.sleep != "" {
			require.NoError(t, os.WriteFile(p+".sleep", []byte(r.sleep), 0o644))
		}
	}
	script := `#!/bin/sh
d=$(dirname "$0")
mkdir "$d/busy" 2>/dev/null || echo OVERLAP >> "$d/log"
n=$(( $(cat "$d/count" 2>/dev/null || echo 0) + 1 ))
echo $n > "$d/count"
echo "$*" >> "$d/log"
r="$d/r$n"; [ -e "$r.code" ] || r="$d/rlast"
if [ -e "$r.sleep" ]; then rmdir "$d/busy"; exec sleep "$(cat "$r.sleep")"; fi
sleep 0.02
cat "$r.out"
cat "$r.err" >&2
rmdir "$d/busy"
exit "$(cat "$r.code")"
`
	bin = filepath.Join(dir, "mtx")
	require.NoError(t, os.WriteFile(bin, []byte(script), 0o755))
	return bin, filepath.Join(dir, "log")
}

func readLog(t *testing.T, p string) []string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func sample(t *testing.T, name string) string {
	t.Helper()
	return string(readFixture(t, "mtx", name))
}

const senseNotReady = `mtx: Request Sense: Long Report=yes
mtx: Request Sense: Sense Key=Not Ready
mtx: Request Sense: Additional Sense Code = 04
mtx: Request Sense: Additional Sense Qualifier = 01
mtx: READ ELEMENT STATUS Command Failed
`

func TestMTXChangerInventory(t *testing.T) {
	ctx := context.Background()
	bin, log := fakeMTX(t, fakeResp{out: sample(t, "sample5-hera-lto9-two-drives.txt")})
	c := NewMTXChanger("/dev/sg25", WithMTXBinary(bin), WithMTXRetry(3, time.Millisecond))
	inv, err := c.Inventory(ctx)
	require.NoError(t, err)
	assert.Len(t, inv.Drives, 2)
	assert.Len(t, inv.Slots, 24)
	assert.Equal(t, []string{"-f /dev/sg25 status"}, readLog(t, log))
}

func TestMTXChangerMoves(t *testing.T) {
	ctx := context.Background()
	bin, log := fakeMTX(t, fakeResp{out: "Loading media from Storage Element 3 into drive 1...done\n"})
	c := NewMTXChanger("/dev/sg5", WithMTXBinary(bin), WithMTXRetry(3, time.Millisecond))
	require.NoError(t, c.Load(ctx, 3, 1))
	require.NoError(t, c.Unload(ctx, 1, 3))
	require.NoError(t, c.Transfer(ctx, 24, 8))
	assert.Equal(t, []string{"-f /dev/sg5 load 3 1", "-f /dev/sg5 unload 3 1", "-f /dev/sg5 transfer 24 8"}, readLog(t, log))
	assert.ErrorIs(t, c.Load(ctx, 0, 0), ErrNoSuchElement, "slots count from 1")
	assert.ErrorIs(t, c.Unload(ctx, -1, 2), ErrNoSuchElement)
}

func TestMTXChangerFailures(t *testing.T) {
	tests := []struct {
		name    string
		stderr  string
		want    error
		message string
	}{
		{"slot already full", "mtx: Storage Element 3 is Already Full\n", ErrDestinationFull, "drives: changer /dev/sg5: load 3 0: Storage Element 3 is Already Full"},
		{"drive full", "mtx: Drive 0 Full (Storage Element 5 loaded)\n", ErrDriveFull, "drives: changer /dev/sg5: load 3 0: Drive 0 Full (Storage Element 5 loaded)"},
		{"drive empty", "mtx: Data Transfer Element 0 is Empty\n", ErrDriveEmpty, "Data Transfer Element 0 is Empty"},
		{"source empty with sense", "mtx: Request Sense: Sense Key=Illegal Request\nmtx: Request Sense: Additional Sense Code = 3B\nmtx: Request Sense: Additional Sense Qualifier = 0E\nmtx: MOVE MEDIUM from Element Address 4098 to 256 Failed\n", ErrSourceEmpty, "MOVE MEDIUM from Element Address 4098 to 256 Failed (sense Illegal Request, ASC/ASCQ 3B/0E)"},
		{"drive needs offline", "mtx: Request Sense: Sense Key=Not Ready\nmtx: Request Sense: Additional Sense Code = 3A\nmtx: Request Sense: Additional Sense Qualifier = 00\nmtx: Drive needs offline before move\n", ErrDriveNotEjected, "Drive needs offline before move (sense Not Ready, ASC/ASCQ 3A/00)"},
		{"cleaning cartridge", "mtx: Cleaning Cartridge Installed and Ejected\n", ErrCleaningCartridge, "Cleaning Cartridge Installed and Ejected"},
		{"bad slot argument", "mtx: Invalid <storage-element-number> argument '99' to 'load' command\n", ErrNoSuchElement, "Invalid <storage-element-number> argument '99'"},
		{"no such device (Debian mtx prints no prefix)", "cannot open SCSI device '/dev/sg5' - No such file or directory", ErrOffline, "cannot open SCSI device '/dev/sg5' - No such file or directory"},
		{"anything else", "mtx: something odd\n", ErrChangerFailed, "something odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, log := fakeMTX(t, fakeResp{err: tt.stderr, code: 1})
			c := NewMTXChanger("/dev/sg5", WithMTXBinary(bin), WithMTXRetry(3, time.Millisecond))
			err := c.Load(context.Background(), 3, 0)
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorContains(t, err, tt.message)
			var ce *ChangerError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, 1, ce.ExitCode)
			assert.Len(t, readLog(t, log), 1, "not retried")
		})
	}
}

func TestMTXChangerRetriesNotReady(t *testing.T) {
	ctx := context.Background()
	bin, log := fakeMTX(t,
		fakeResp{err: senseNotReady, code: 1},
		fakeResp{err: strings.ReplaceAll(senseNotReady, "Not Ready", "Unit Attention"), code: 1},
		fakeResp{out: sample(t, "sample3-quantum-superloader3.txt")},
	)
	c := NewMTXChanger("/dev/sg8", WithMTXBinary(bin), WithMTXRetry(5, time.Millisecond))
	inv, err := c.Inventory(ctx)
	require.NoError(t, err)
	assert.Equal(t, "NDD312L3", inv.Slots[7].Barcode)
	assert.Len(t, readLog(t, log), 3)

	bin, log = fakeMTX(t, fakeResp{err: senseNotReady, code: 1})
	c = NewMTXChanger("/dev/sg8", WithMTXBinary(bin), WithMTXRetry(3, time.Millisecond))
	err = c.Load(ctx, 1, 0)
	assert.ErrorIs(t, err, ErrChangerNotReady)
	assert.ErrorContains(t, err, "READ ELEMENT STATUS Command Failed (sense Not Ready, ASC/ASCQ 04/01)")
	assert.Len(t, readLog(t, log), 3)
}

func TestMTXChangerRereadsVanishedBarcodes(t *testing.T) {
	ctx := context.Background()
	withTags := "  Storage Changer /dev/sg5:1 Drives, 3 Slots ( 0 Import/Export )\nData Transfer Element 0:Full (Storage Element 2 Loaded):VolumeTag = AAA002L8\n      Storage Element 1:Full :VolumeTag=AAA001L8\n      Storage Element 2:Empty\n      Storage Element 3:Full :VolumeTag=AAA003L8\n"
	bin, log := fakeMTX(t,
		fakeResp{out: withTags},
		fakeResp{out: sample(t, "synthetic-barcodes-vanished.txt")},
		fakeResp{out: withTags},
	)
	c := NewMTXChanger("/dev/sg5", WithMTXBinary(bin), WithMTXRetry(4, time.Millisecond))
	_, err := c.Inventory(ctx)
	require.NoError(t, err)
	inv, err := c.Inventory(ctx)
	require.NoError(t, err)
	assert.True(t, inv.HasBarcodes(), "status read again after the barcodes vanished")
	assert.Len(t, readLog(t, log), 3)
}

func TestMTXChangerTimeout(t *testing.T) {
	bin, _ := fakeMTX(t, fakeResp{sleep: "30"})
	c := NewMTXChanger("/dev/sg5", WithMTXBinary(bin), WithMTXTimeout(300*time.Millisecond), WithMTXRetry(3, time.Millisecond))
	start := time.Now()
	err := c.Transfer(context.Background(), 1, 2)
	assert.ErrorIs(t, err, ErrChangerFailed)
	assert.ErrorContains(t, err, "mtx did not finish within 300ms")
	assert.Less(t, time.Since(start), 10*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = c.Transfer(ctx, 1, 2)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestMTXChangerSerialises(t *testing.T) {
	bin, log := fakeMTX(t, fakeResp{})
	c := NewMTXChanger("/dev/sg5", WithMTXBinary(bin), WithMTXRetry(1, time.Millisecond))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, c.Transfer(context.Background(), i+1, 9))
		}()
	}
	wg.Wait()
	lines := readLog(t, log)
	assert.Len(t, lines, 4)
	assert.NotContains(t, lines, "OVERLAP")
}

// TestMTXRealBinary runs the real mtx against a regular file, which must
// fail with a clear error.
func TestMTXRealBinary(t *testing.T) {
	bin, err := exec.LookPath("mtx")
	if err != nil {
		t.Skip("mtx is not installed (Debian package mtx); CI installs it")
	}
	f := filepath.Join(t.TempDir(), "not-a-changer")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	c := NewMTXChanger(f, WithMTXBinary(bin), WithMTXRetry(1, time.Millisecond), WithMTXTimeout(30*time.Second))
	_, err = c.Inventory(context.Background())
	require.Error(t, err)
	assert.ErrorContains(t, err, "is not an sg device")
	var ce *ChangerError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1, ce.ExitCode)

	c = NewMTXChanger(filepath.Join(t.TempDir(), "missing"), WithMTXBinary(bin), WithMTXRetry(1, time.Millisecond))
	_, err = c.Inventory(context.Background())
	assert.ErrorIs(t, err, ErrOffline)
	assert.ErrorContains(t, err, "cannot open SCSI device")
}
