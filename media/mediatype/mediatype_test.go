package mediatype

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLabel(t *testing.T) {
	tests := []struct {
		in   string
		want Label
		ok   bool
	}{
		{"HER006L9", Label{Text: "HER006L9", MediaType: LTO9}, true},
		{"  dly001l8  ", Label{Text: "DLY001L8", MediaType: LTO8}, true},
		{"000711L4", Label{Text: "000711L4", MediaType: LTO4}, true},
		{"ARC001LA", Label{Text: "ARC001LA", MediaType: LTO10}, true},
		{"ABC123M8", Label{Text: "ABC123M8", MediaType: LTO7M}, true},
		{"ABC123LY", Label{Text: "ABC123LY", MediaType: LTO8, WORM: true}, true},
		{"ABC123LT", Label{Text: "ABC123LT", MediaType: LTO3, WORM: true}, true},
		{"CLN001CU", Label{Text: "CLN001CU", MediaType: LTOCLN, Cleaning: true}, true},
		{"CLN003L1", Label{Text: "CLN003L1", MediaType: LTOCLN, Cleaning: true}, true},
		{"CLN004LY", Label{Text: "CLN004LY", MediaType: LTOCLN, Cleaning: true}, true},
		{"XYZ001CU", Label{Text: "XYZ001CU", MediaType: LTOCLN, Cleaning: true}, true},
		// A CLN volume serial without a media id is the universal LTO
		// cleaning cartridge.
		{"CLN123", Label{Text: "CLN123", MediaType: LTOCLN, Cleaning: true}, true},
		{"cln123 ", Label{Text: "CLN123", MediaType: LTOCLN, Cleaning: true}, true},
		// Not LTO labels: the site's patterns decide.
		{"CLNDAT01", Label{}, false},
		{"CLN12", Label{}, false},
		{"CLN-12", Label{}, false},
		{"DAILY1", Label{}, false},
		{"DLY001Q8", Label{}, false},
		{"DLY01L8", Label{}, false},
		{"AB01L8", Label{}, false},
		{"DL-001L8", Label{}, false},
		{"DLY001L8X", Label{}, false},
		{"", Label{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseLabel(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want.Cleaning, IsCleaningLabel(tt.in))
		})
	}
}

func FuzzParseLabel(f *testing.F) {
	for _, s := range []string{"DLY001L8", "CLN001CU", "CLN123", "CLNDAT01", "", "ÄÖÜ", "HER006L9    ", "abcdefLZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := ParseLabel(s)
		if !ok {
			if l != (Label{}) {
				t.Fatalf("%q: not a label but %+v", s, l)
			}
			return
		}
		if l.Text != strings.ToUpper(strings.TrimSpace(s)) || (len(l.Text) != 6 && len(l.Text) != 8) {
			t.Fatalf("%q read as %q", s, l.Text)
		}
		if !Known(l.MediaType) || l.Cleaning != IsCleaning(l.MediaType) || l.Cleaning && l.WORM {
			t.Fatalf("%q gave %+v", s, l)
		}
		if again, ok := ParseLabel(l.Text); !ok || again != l {
			t.Fatalf("re-parse of %q: %+v != %+v", l.Text, again, l)
		}
	})
}

// TestCompatibilityLTOTable checks every row of the LTO drive/cartridge
// table in media-facts.md §2.
func TestCompatibilityLTOTable(t *testing.T) {
	all := []string{LTO1, LTO2, LTO3, LTO4, LTO5, LTO6, LTO7, LTO7M, LTO8, LTO9, LTO10}
	rows := []struct {
		drive     string
		readWrite []string
		readOnly  []string
	}{
		{LTO1, []string{LTO1}, nil},
		{LTO2, []string{LTO2, LTO1}, nil},
		{LTO3, []string{LTO3, LTO2}, []string{LTO1}},
		{LTO4, []string{LTO4, LTO3}, []string{LTO2}},
		{LTO5, []string{LTO5, LTO4}, []string{LTO3}},
		{LTO6, []string{LTO6, LTO5}, []string{LTO4}},
		{LTO7, []string{LTO7, LTO6}, []string{LTO5}},
		{LTO8, []string{LTO8, LTO7, LTO7M}, nil},
		{LTO9, []string{LTO9, LTO8}, nil},
		{LTO10, []string{LTO10}, nil},
	}
	for _, row := range rows {
		for _, m := range all {
			want := AccessNone
			for _, rw := range row.readWrite {
				if rw == m {
					want = AccessReadWrite
				}
			}
			for _, ro := range row.readOnly {
				if ro == m {
					want = AccessReadOnly
				}
			}
			assert.Equal(t, want, Compatibility(row.drive, m), "%s drive with %s", row.drive, m)
		}
		assert.Equal(t, AccessClean, Compatibility(row.drive, LTOCLN))
		assert.Equal(t, AccessNone, Compatibility(row.drive, DDSCLN))
		assert.Equal(t, AccessNone, Compatibility(row.drive, DAT72))
	}
}

func TestCompatibilityDDSAndOthers(t *testing.T) {
	tests := []struct {
		drive, media string
		want         Access
	}{
		{DDS3, DDS1, AccessReadWrite},
		{DDS4, DDS3, AccessReadWrite},
		{DDS4, DDS2, AccessReadOnly},
		{DDS4, DDS1, AccessNone},
		{DAT160, DDS4, AccessReadOnly},
		{DAT320, DAT160, AccessReadWrite},
		{DAT320, DAT72, AccessReadOnly},
		{DAT72, DDSCLN, AccessClean},
		{DAT72, LTOCLN, AccessNone},
		{LTO7M, LTO7M, AccessNone},
		{LTOCLN, LTOCLN, AccessNone},
		{RDX, RDX, AccessReadWrite},
		{USBDisk, USBDisk, AccessReadWrite},
		{Optical, Optical, AccessReadWrite},
		{USBDisk, RDX, AccessNone},
		{RDX, LTO8, AccessNone},
		{LTO8, RDX, AccessNone},
		{"LTO-11", LTO9, AccessNone},
		{LTO9, "LTO-11", AccessNone},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Compatibility(tt.drive, tt.media), "%s drive with %s", tt.drive, tt.media)
	}
	assert.Equal(t, "read-only", AccessReadOnly.String())
	assert.Equal(t, "read-write", AccessReadWrite.String())
	assert.Equal(t, "cleaning", AccessClean.String())
	assert.Equal(t, "none", AccessNone.String())
}

func TestCleans(t *testing.T) {
	tests := []struct {
		cleaner, drive string
		want           bool
	}{
		{LTOCLN, LTO1, true},
		{LTOCLN, LTO10, true},
		{LTOCLN, LTO7M, true},
		{LTOCLN, DDS4, false},
		{DDSCLN, DDS1, true},
		{DDSCLN, DAT320, true},
		{DDSCLN, LTO8, false},
		{LTOCLN, LTOCLN, false},
		{LTOCLN, RDX, false},
		{"", LTO8, false},
		{LTO8, LTO8, false},
		{LTOCLN, "LTO-11", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Cleans(tt.cleaner, tt.drive), "%s in %s", tt.cleaner, tt.drive)
	}
	// The cartridge a CLN123 label names cleans every LTO drive and no DDS one.
	l, ok := ParseLabel("CLN123")
	require.True(t, ok)
	assert.True(t, Cleans(l.MediaType, LTO9))
	assert.False(t, Cleans(l.MediaType, DAT160))
}

func TestTable(t *testing.T) {
	names := Names()
	require.Len(t, names, len(All()))
	assert.IsNonDecreasing(t, names)
	for _, m := range All() {
		t.Run(m.Name, func(t *testing.T) {
			assert.True(t, Known(m.Name))
			got, ok := Lookup(m.Name)
			require.True(t, ok)
			assert.Equal(t, m, got)
			assert.Equal(t, m.Cleaning, IsCleaning(m.Name))
			assert.Equal(t, m.DriveNative, IsDriveType(m.Name))
			if m.Tape() && !m.Cleaning {
				assert.Positive(t, m.NativeBytes)
				assert.Positive(t, m.Speed)
				assert.NotEmpty(t, CleanerFor(m.Name))
			}
			assert.Equal(t, m.Disk(), IsDisk(m.Name))
			assert.False(t, m.Disk() && m.Tape(), "a disk is not a tape")
			if m.DriveNative {
				assert.True(t, m.Tape() || m.Disk())
				assert.Equal(t, AccessReadWrite, Compatibility(m.Name, m.Name))
			}
			if m.Density != 0 {
				got, ok := ForDensity(m.Density)
				require.True(t, ok)
				assert.Equal(t, m.Name, got.Name)
			}
		})
	}
	_, ok := ForDensity(0)
	assert.False(t, ok)
	_, ok = ForDensity(0xff)
	assert.False(t, ok)
	assert.False(t, Known("LTO-11"))
	assert.False(t, IsCleaning("FOO-CLN"))
	assert.False(t, IsDriveType(LTO7M))
	assert.Equal(t, "", CleanerFor(LTOCLN))
	assert.Contains(t, names, RDX)
	assert.True(t, IsDisk(USBDisk))
	assert.False(t, IsDisk(LTO8))
	assert.False(t, IsDisk("FLOPPY"))
	assert.Equal(t, "", CleanerFor(USBDisk), "a disk needs no cleaning cartridge")
}
