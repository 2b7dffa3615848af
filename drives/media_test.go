package drives

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompatibilityLTOTable checks every row of the LTO drive/cartridge
// table in media-facts.md §2: what is read-write, read-only, and unusable.
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
		for _, media := range all {
			want := AccessNone
			for _, m := range row.readWrite {
				if m == media {
					want = AccessReadWrite
				}
			}
			for _, m := range row.readOnly {
				if m == media {
					want = AccessReadOnly
				}
			}
			t.Run(fmt.Sprintf("%s drive with %s", row.drive, media), func(t *testing.T) {
				assert.Equal(t, want, Compatibility(row.drive, media))
				errRead := CheckLoad(row.drive, media, false)
				errWrite := CheckLoad(row.drive, media, true)
				switch want {
				case AccessReadWrite:
					assert.NoError(t, errRead)
					assert.NoError(t, errWrite)
				case AccessReadOnly:
					assert.NoError(t, errRead)
					assert.ErrorIs(t, errWrite, ErrIncompatibleMedium)
				default:
					assert.ErrorIs(t, errRead, ErrIncompatibleMedium)
					assert.ErrorIs(t, errWrite, ErrIncompatibleMedium)
				}
			})
		}
	}
}

func TestCheckLoadMessages(t *testing.T) {
	tests := []struct {
		name, drive, media string
		write              bool
		want               string
	}{
		{"LTO-8 drive cannot read LTO-6", LTO8, LTO6, false, "drives: LTO-6 cartridge cannot be read or written in an LTO-8 drive"},
		{"LTO-9 drive cannot read LTO-7", LTO9, LTO7, false, "drives: LTO-7 cartridge cannot be read or written in an LTO-9 drive"},
		{"LTO-9 drive cannot read M8", LTO9, LTO7M, true, "drives: LTO-7M cartridge cannot be read or written in an LTO-9 drive"},
		{"LTO-7 drive reads LTO-5 only", LTO7, LTO5, true, "drives: LTO-5 cartridge is read-only in an LTO-7 drive"},
		{"LTO-10 drive takes nothing older", LTO10, LTO9, false, "drives: LTO-9 cartridge cannot be read or written in an LTO-10 drive"},
		{"DAT cartridge in an LTO drive", LTO8, DAT160, false, "drives: DAT160 cartridge cannot be read or written in an LTO-8 drive"},
		{"DAT 320 reads DAT 72 only", DAT320, DAT72, true, "drives: DAT72 cartridge is read-only in a DAT320 drive"},
		{"cleaning cartridge is not for data", LTO8, LTOCLN, true, "drives: LTO-CLN is a cleaning cartridge and holds no data"},
		{"unknown drive type", "LTO-11", LTO9, false, `drives: unknown drive type "LTO-11"`},
		{"M8 is not a drive type", LTO7M, LTO7M, false, "drives: LTO-7M cartridge cannot be read or written in an LTO-7M drive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLoad(tt.drive, tt.media, tt.write)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrIncompatibleMedium)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestCompatibilityDDS(t *testing.T) {
	tests := []struct {
		drive, media string
		want         Access
	}{
		{DDS2, DDS1, AccessReadWrite},
		{DDS2, DDS3, AccessNone},
		{DDS3, DDS1, AccessReadWrite},
		{DDS3, DDS2, AccessReadWrite},
		{DDS4, DDS3, AccessReadWrite},
		{DDS4, DDS2, AccessReadOnly},
		{DAT160, DAT72, AccessReadWrite},
		{DAT160, DDS4, AccessReadOnly},
		{DAT160, DDS3, AccessNone},
		{DAT320, DAT160, AccessReadWrite},
		{DAT320, DAT72, AccessReadOnly},
		{DAT320, DDSCLN, AccessClean},
		{DAT320, LTOCLN, AccessNone},
		{LTO5, DDSCLN, AccessNone},
		{LTO5, LTOCLN, AccessClean},
	}
	for _, tt := range tests {
		t.Run(tt.drive+" with "+tt.media, func(t *testing.T) {
			assert.Equal(t, tt.want, Compatibility(tt.drive, tt.media))
		})
	}
}

func TestBarcodeMedia(t *testing.T) {
	tests := []struct {
		barcode            string
		media              string
		worm, cleaning, ok bool
	}{
		{"HER006L9", LTO9, false, false, true},
		{"000711L4", LTO4, false, false, true},
		{"ABC123LY", LTO8, true, false, true},
		{"ABC123LT", LTO3, true, false, true},
		{"ABC123M8", LTO7M, false, false, true},
		{"CLN003L1", LTOCLN, false, true, true},
		{"CLN001CU", LTOCLN, false, true, true},
		{"XYZ001CU", LTOCLN, false, true, true},
		{"CLN123", LTOCLN, false, true, true}, // a CLN volume serial alone: universal cleaning
		{"CLNDAT01", "", false, false, false}, // a DDS cleaning label; the site's patterns say so
		{"DAILY1", "", false, false, false},
		{"", "", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.barcode, func(t *testing.T) {
			media, worm, cleaning, ok := BarcodeMedia(tt.barcode)
			assert.Equal(t, tt.media, media)
			assert.Equal(t, tt.worm, worm)
			assert.Equal(t, tt.cleaning, cleaning)
			assert.Equal(t, tt.ok, ok)
		})
	}
}

func TestMediaTable(t *testing.T) {
	for _, m := range MediaTypes() {
		t.Run(m.Name, func(t *testing.T) {
			if !m.Cleaning {
				assert.Positive(t, m.NativeBytes)
				assert.Positive(t, m.Speed)
			}
			if m.Density != 0 {
				got, ok := MediaForDensity(m.Density)
				require.True(t, ok)
				assert.Equal(t, m.Name, got.Name)
			}
		})
	}
	m, ok := MediaForDensity(0x5e)
	require.True(t, ok)
	assert.Equal(t, LTO8, m.Name)
}
