package drives

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/drives")

func TestParseMTXStatusGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "drives", "mtx", "*.txt"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 5)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			inv, err := ParseMTXStatus(string(in))
			require.NoError(t, err)
			got, err := json.MarshalIndent(inv, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".txt") + ".golden.json"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create the golden file")
			assert.Equal(t, string(want), string(got))
			// Rendering and parsing again gives the same inventory.
			again, err := ParseMTXStatus(FormatMTXStatus(inv))
			require.NoError(t, err)
			assert.Equal(t, inv, again)
		})
	}
}

func TestParseMTXStatusSamples(t *testing.T) {
	read := func(name string) Inventory {
		t.Helper()
		in, err := os.ReadFile(filepath.Join("..", "testdata", "drives", "mtx", name))
		require.NoError(t, err)
		inv, err := ParseMTXStatus(string(in))
		require.NoError(t, err)
		return inv
	}
	t.Run("sense noise skipped, tags right-trimmed", func(t *testing.T) {
		inv := read("sample1-tandberg-storageloader-unit-attention.txt")
		assert.Equal(t, "/dev/sg5", inv.Device)
		require.Len(t, inv.Slots, 7)
		assert.Equal(t, "000711L4", inv.Slots[0].Barcode)
		assert.True(t, inv.HasBarcodes())
	})
	t.Run("import/export slots counted among slots", func(t *testing.T) {
		inv := read("sample2-spectra-t120.txt")
		assert.Len(t, inv.Slots, 38)
		assert.Equal(t, 8, inv.ImportExportCount())
		s30, ok := inv.Slot(30)
		require.True(t, ok)
		assert.True(t, s30.Full)
		assert.Empty(t, s30.Barcode)
		s31, _ := inv.Slot(31)
		assert.True(t, s31.ImportExport)
		assert.Equal(t, []int{25, 26, 27, 28, 29}, inv.EmptySlots())
	})
	t.Run("loaded drive names its source slot", func(t *testing.T) {
		inv := read("sample3-quantum-superloader3.txt")
		d, ok := inv.Drive(0)
		require.True(t, ok)
		assert.True(t, d.Full)
		assert.Equal(t, 6, d.SourceSlot)
		assert.Equal(t, "NDD311L3", d.Barcode)
		loc, ok := inv.Find("ndd311l3")
		require.True(t, ok)
		assert.Equal(t, Location{InDrive: true, Number: 0}, loc)
	})
	t.Run("no barcode reader", func(t *testing.T) {
		for _, f := range []string{"sample4-transtec-no-barcode.txt", "sample4-transtec-forum-copy.txt"} {
			inv := read(f)
			s1, _ := inv.Slot(1)
			assert.True(t, s1.Full)
			assert.False(t, inv.HasBarcodes())
		}
	})
	t.Run("two drives claim the same source slot", func(t *testing.T) {
		inv := read("sample5-hera-lto9-two-drives.txt")
		assert.Equal(t, 8, inv.Drives[0].SourceSlot)
		assert.Equal(t, 8, inv.Drives[1].SourceSlot)
		s24, _ := inv.Slot(24)
		assert.True(t, s24.ImportExport)
		assert.Equal(t, "HER003L9", s24.Barcode)
		loc, ok := inv.Find("CLN003L1")
		require.True(t, ok)
		assert.Equal(t, Location{Number: 12}, loc)
	})
	t.Run("fork forms and device names with colons", func(t *testing.T) {
		inv := read("synthetic-fork-absolute-addressing.txt")
		assert.Equal(t, "/dev/tape/by-path/pci-0000:82:00.0-sas-phy0-lun-1-changer", inv.Device)
		assert.Equal(t, DriveElement{Number: 256, Full: true, Barcode: "ABC001L8", AltBarcode: "ALT001"}, inv.Drives[0])
		assert.Equal(t, SlotElement{Number: 4096, Full: true, Barcode: "ABC002L8"}, inv.Slots[0])
		assert.Equal(t, SlotElement{Number: 4097, Barcode: "GHOST1L8"}, inv.Slots[1])
		assert.Equal(t, SlotElement{Number: 4098, Full: true, Barcode: "CLN001CU", AltBarcode: "ALT002"}, inv.Slots[2])
		assert.Equal(t, SlotElement{Number: 4099, Full: true, ImportExport: true}, inv.Slots[3])
	})
}

func TestParseMTXStatusErrors(t *testing.T) {
	tests := []struct {
		name, out, want string
	}{
		{"empty", "", "no \"Storage Changer\" header"},
		{"stderr only", "mtx: cannot open SCSI device '/dev/sg9' - No such file or directory\n", "no \"Storage Changer\" header"},
		{"truncated", "  Storage Changer /dev/sg0:1 Drives, 3 Slots ( 0 Import/Export )\nData Transfer Element 0:Empty\n      Storage Element 1:Empty\n", "announces 3 slots, output lists 1"},
		{"missing drive", "  Storage Changer /dev/sg0:2 Drives, 0 Slots ( 0 Import/Export )\nData Transfer Element 0:Empty\n", "announces 2 drives"},
		{"repeated slot", "  Storage Changer /dev/sg0:0 Drives, 2 Slots ( 0 Import/Export )\n      Storage Element 1:Empty\n      Storage Element 1:Empty\n", "repeated slot"},
		{"wrong import/export count", "  Storage Changer /dev/sg0:0 Drives, 1 Slots ( 1 Import/Export )\n      Storage Element 1:Empty\n", "import/export"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMTXStatus(tt.out)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// FuzzParseMTXStatus checks that the parser never panics and that what it
// accepts is consistent: counts match, tags are trimmed, and rendering and
// parsing again gives the same inventory.
func FuzzParseMTXStatus(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "drives", "mtx", "*.txt"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("  Storage Changer x:1 Drives, 1 Slots ( 1 Import/Export )\nData Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag = A:AlternateVolumeTag = B\n      Storage Element 1 IMPORT/EXPORT:Empty\n")
	f.Fuzz(func(t *testing.T, out string) {
		inv, err := ParseMTXStatus(out)
		if err != nil {
			return
		}
		for _, d := range inv.Drives {
			if strings.TrimRight(d.Barcode, " \t") != d.Barcode || strings.TrimRight(d.AltBarcode, " \t") != d.AltBarcode {
				t.Fatalf("untrimmed drive tag %q", d.Barcode)
			}
			if !d.Full && d.SourceSlot != 0 {
				t.Fatalf("empty drive with a source slot")
			}
		}
		for _, s := range inv.Slots {
			if strings.TrimRight(s.Barcode, " \t") != s.Barcode {
				t.Fatalf("untrimmed slot tag %q", s.Barcode)
			}
		}
		again, err := ParseMTXStatus(FormatMTXStatus(inv))
		if err != nil {
			t.Fatalf("rendered inventory does not parse: %v\n%s", err, FormatMTXStatus(inv))
		}
		if len(again.Drives) != len(inv.Drives) || len(again.Slots) != len(inv.Slots) || again.ImportExportCount() != inv.ImportExportCount() {
			t.Fatalf("round trip changed the counts")
		}
	})
}
